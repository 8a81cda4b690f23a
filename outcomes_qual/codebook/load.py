r"""Load, validate and save codebooks written in YAML.

The format (documented in ``docs/codebook_format.md``)::

    name: outcomes_practice
    version: "1"
    description: Themes of outcomes-focused practice.
    codes:
      - key: time
        label: Time
        color: "#E69F00"
        definition: Talk about time as a resource or constraint.
        include: [Caseload pressure squeezing conversations]
        exclude: [Dates mentioned in passing]
        keywords: [time, rushed, caseload]
        examples: [I never have the hour a real conversation needs.]
        children:
          - key: time_for_relationships      # full key: time/time_for_relationships
            label: Time for relationships
            definition: ...

A child's key may be written relative (``health``) or as the full path
(``partners/health``). Codes may also be listed flat with path keys, or with
``parent: KEY``. Every problem is an :class:`~outcomes_qual.errors.InputError`
naming the file and the YAML line.

Examples
--------
>>> cb = loads_codebook('''
... name: demo
... codes:
...   - key: time
...     label: Time
...     definition: Time pressure.
...     keywords: [rushed]
...     children:
...       - key: deadlines
...         label: Deadlines
...         definition: Statutory timescales.
... ''')
>>> cb.keys()
['time', 'time/deadlines']
>>> loads_codebook("codes:\n  - key: time\n    label: Time\n", path="cb.yaml")
Traceback (most recent call last):
...
outcomes_qual.errors.InputError: cb.yaml:2: code 'time': missing required field 'definition'
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from .model import Code, Codebook
from .training import default_training_path, load_training_corpus

#: Fields a code may have; the first three are required.
CODE_FIELDS: tuple[str, ...] = (
    "key",
    "label",
    "definition",
    "include",
    "exclude",
    "keywords",
    "examples",
    "color",
    "children",
    "parent",
)
REQUIRED_FIELDS: tuple[str, ...] = ("key", "label", "definition")
TOP_FIELDS: tuple[str, ...] = ("name", "version", "description", "codes", "training")

_KEY_PART = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LINE = "__line__"
_LINES = "__lines__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's line and each key's line, and refuses duplicate keys."""

    def construct_mapping(self, node, deep=False):
        lines: dict[str, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in lines:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            if isinstance(key, str):
                lines[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        mapping[_LINES] = lines
        return mapping


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    return loader.construct_mapping(node, deep=True)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _DuplicateKey(Exception):
    def __init__(self, key, line):
        self.key, self.line = key, line


def _line(mapping: dict, field: str | None = None) -> int | None:
    if field is not None:
        return mapping.get(_LINES, {}).get(field, mapping.get(_LINE))
    return mapping.get(_LINE)


def _str_list(value: Any, *, field: str, key: str, path, line) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise InputError(
            f"code {key!r}: {field!r} must be a string or a list of strings, got {type(value).__name__}",
            path=path,
            line=line,
        )
    out = tuple(" ".join(str(v).split()) for v in value)
    return tuple(v for v in out if v)


def _parse_code(raw: Any, *, parent_key: str | None, path, seen_line: int | None, out: list) -> None:
    if not isinstance(raw, dict):
        raise InputError(f"each code must be a mapping with key, label and definition, got {raw!r}", path=path, line=seen_line)
    line = _line(raw)
    unknown = [f for f in raw if f not in CODE_FIELDS and f not in (_LINE, _LINES)]
    if unknown:
        raise InputError(
            f"unknown field {unknown[0]!r}; expected some of {list(CODE_FIELDS)}",
            path=path,
            line=_line(raw, unknown[0]),
        )
    name = raw.get("key")
    shown = name if name is not None else "?"
    for field in REQUIRED_FIELDS:
        value = raw.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError(f"code {shown!r}: missing required field {field!r}", path=path, line=line)
        if not isinstance(value, (str, int, float)):
            raise InputError(
                f"code {shown!r}: {field!r} must be text, got {type(value).__name__}", path=path, line=_line(raw, field)
            )
    name = str(name).strip()
    explicit_parent = raw.get("parent")
    if explicit_parent is not None and parent_key is not None:
        raise InputError(f"code {name!r}: 'parent' given inside a parent's children", path=path, line=_line(raw, "parent"))
    if parent_key is not None:
        full = name if name.startswith(parent_key + "/") else f"{parent_key}/{name}"
    else:
        full = name
    for part in full.split("/"):
        if not _KEY_PART.match(part):
            raise InputError(
                f"code key {name!r}: each part must be lower-case letters, digits, '_' or '-', got {part!r}",
                path=path,
                line=_line(raw, "key"),
            )
    color = raw.get("color")
    if color is not None:
        if not isinstance(color, str) or not _COLOR.match(color.strip()):
            raise InputError(
                f"code {name!r}: color must be '#RRGGBB' or '#RGB', got {color!r}", path=path, line=_line(raw, "color")
            )
        color = color.strip().lower()
        if len(color) == 4:
            color = "#" + "".join(ch * 2 for ch in color[1:])
    fields = {
        f: _str_list(raw.get(f), field=f, key=name, path=path, line=_line(raw, f))
        for f in ("include", "exclude", "keywords", "examples")
    }
    code = Code(
        key=full,
        label=" ".join(str(raw["label"]).split()),
        definition=" ".join(str(raw["definition"]).split()),
        color=color,
        line=line,
        **fields,
    )
    out.append((code, None if explicit_parent is None else str(explicit_parent).strip(), line))
    children = raw.get("children")
    if children is None:
        return
    if not isinstance(children, list):
        raise InputError(
            f"code {name!r}: 'children' must be a list of codes, got {type(children).__name__}",
            path=path,
            line=_line(raw, "children"),
        )
    if explicit_parent is not None:
        # children of a code placed by 'parent:' are resolved after placement
        for child in children:
            _parse_code(child, parent_key=None, path=path, seen_line=_line(raw, "children"), out=out)
            child_code, child_parent, child_line = out[-1]
            out[-1] = (child_code, child_parent or name, child_line)
        return
    for child in children:
        _parse_code(child, parent_key=full, path=path, seen_line=_line(raw, "children"), out=out)


def _resolve_parents(items: list, *, path) -> list[Code]:
    """Turn ``parent:`` references into path keys; detect unknown parents and cycles."""
    by_name: dict[str, int] = {}
    for i, (code, _parent, _line) in enumerate(items):
        by_name.setdefault(code.key, i)
    parent_of: dict[int, int | None] = {}
    for i, (code, parent, line) in enumerate(items):
        if parent is None:
            parent_of[i] = None
            continue
        candidates = [j for j, (c, _p, _l) in enumerate(items) if c.key == parent or c.key.rsplit("/", 1)[-1] == parent]
        if not candidates:
            raise InputError(f"code {code.key!r}: parent {parent!r} is not a code in this codebook", path=path, line=line)
        parent_of[i] = candidates[0]
    # follow parents, detecting cycles
    full_keys: dict[int, str] = {}

    def full_key(i: int, trail: tuple[int, ...]) -> str:
        if i in full_keys:
            return full_keys[i]
        if i in trail:
            names = " -> ".join(items[j][0].key for j in trail[trail.index(i) :] + (i,))
            raise InputError(f"cycle in parents: {names}", path=path, line=items[i][2])
        p = parent_of[i]
        own = items[i][0].key
        if p is None:
            key = own
        else:
            key = f"{full_key(p, trail + (i,))}/{own.rsplit('/', 1)[-1]}"
        full_keys[i] = key
        return key

    codes = []
    for i, (code, _p, _l) in enumerate(items):
        key = full_key(i, ())
        codes.append(Code(**{**code.__dict__, "key": key}))
    return codes


def _order_and_check(codes: list[Code], *, path) -> tuple[Code, ...]:
    seen: dict[str, Code] = {}
    for code in codes:
        if code.key in seen:
            raise InputError(
                f"duplicate code key {code.key!r} (first defined at line {seen[code.key].line})",
                path=path,
                line=code.line,
            )
        seen[code.key] = code
    for code in codes:
        if code.parent is not None and code.parent not in seen:
            raise InputError(
                f"code {code.key!r}: parent {code.parent!r} is not a code in this codebook", path=path, line=code.line
            )
    # parents before children, otherwise keeping the file's order
    order = {c.key: i for i, c in enumerate(codes)}

    def sort_key(c: Code):
        parts = c.key.split("/")
        return tuple(order["/".join(parts[: k + 1])] for k in range(len(parts)))

    return tuple(sorted(codes, key=sort_key))


def loads_codebook(text: str, *, path: str | os.PathLike | None = None) -> Codebook:
    """Parse and validate a codebook from YAML ``text``.

    Parameters
    ----------
    text : str
        The YAML document.
    path : path-like, optional
        Used in messages and as the default codebook name.

    Returns
    -------
    Codebook

    Raises
    ------
    InputError
        With the YAML line, for syntax errors, duplicate or malformed keys,
        missing required fields, unknown parents, cycles and bad colours.
    """
    shown = path if path is not None else "<codebook>"
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except _DuplicateKey as dup:
        raise InputError(f"field {dup.key!r} appears twice in one mapping", path=shown, line=dup.line) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "invalid YAML").strip()
        raise InputError(f"invalid YAML: {problem}", path=shown, line=None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as err:
        raise InputError(f"invalid YAML: {err}", path=shown) from None
    if data is None:
        raise InputError("empty codebook: expected a mapping with a 'codes' list", path=shown)
    if isinstance(data, list):
        data = {"codes": data, _LINE: 1, _LINES: {}}
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping with a 'codes' list at the top, got {type(data).__name__}", path=shown, line=1)
    unknown = [k for k in data if k not in TOP_FIELDS and k not in (_LINE, _LINES)]
    if unknown:
        raise InputError(
            f"unknown top-level field {unknown[0]!r}; expected some of {list(TOP_FIELDS)}",
            path=shown,
            line=_line(data, unknown[0]),
        )
    raw_codes = data.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        raise InputError("'codes' must be a non-empty list of codes", path=shown, line=_line(data, "codes"))
    items: list = []
    for raw in raw_codes:
        _parse_code(raw, parent_key=None, path=shown, seen_line=_line(data, "codes"), out=items)
    codes = _order_and_check(_resolve_parents(items, path=shown), path=shown)
    default_name = Path(path).stem if path is not None else "codebook"
    codebook = Codebook(
        name=str(data.get("name") or default_name),
        codes=codes,
        description=" ".join(str(data.get("description") or "").split()),
        version=str(data.get("version") or "1"),
    )
    training = _training_path(data, path=path, shown=shown)
    if training is None:
        return codebook
    load_training_corpus(training, codebook)  # validate now: one-line errors naming the corpus file and line
    return dataclasses.replace(codebook, training_path=str(training))


def _training_path(data: dict, *, path, shown) -> Path | None:
    """The codebook's training corpus.

    The ``training:`` key (relative to the codebook), else ``<stem>.training.jsonl`` beside it.
    """
    raw = data.get("training")
    if raw is not None:
        if not isinstance(raw, str) or not raw.strip():
            raise InputError(
                f"'training' must be the path of a JSON Lines corpus, got {raw!r}", path=shown, line=_line(data, "training")
            )
        base = Path(path).parent if path is not None else Path.cwd()
        found = (base / raw).resolve() if not Path(raw).is_absolute() else Path(raw)
        if not found.is_file():
            raise InputError(
                f"training corpus {raw!r} not found (looked for {found.name} beside the codebook)",
                path=shown,
                line=_line(data, "training"),
            )
        return found
    if path is None:
        return None
    beside = default_training_path(path)
    return beside if beside.is_file() else None


def load_codebook(path: str | os.PathLike) -> Codebook:
    """Read and validate the YAML codebook at ``path``.

    Parameters
    ----------
    path : path-like
        A ``.yaml``/``.yml`` file.

    Returns
    -------
    Codebook

    Raises
    ------
    InputError
        When the file is missing, unreadable or invalid (with the YAML line).

    Examples
    --------
    >>> from pathlib import Path
    >>> cb = load_codebook(Path(__file__).parents[2] / "codebooks" / "outcomes_practice.yaml")
    >>> cb.theme_keys()
    ['culture_shift', 'clarity_of_purpose', 'resistance', 'systems_barriers', 'partners', 'time']
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("codebook not found: expected a YAML file", path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"codebook is not UTF-8 text ({err.reason} at byte {err.start})", path=path) from None
    return loads_codebook(text, path=path)


def codebook_to_dict(codebook: Codebook) -> dict:
    """The codebook as plain data in the nested YAML layout (children under parents)."""

    def node(code: Code) -> dict:
        d: dict[str, Any] = {"key": code.key.rsplit("/", 1)[-1], "label": code.label}
        if code.color:
            d["color"] = code.color
        d["definition"] = code.definition
        for f in ("include", "exclude", "keywords", "examples"):
            if getattr(code, f):
                d[f] = list(getattr(code, f))
        kids = codebook.children(code.key)
        if kids:
            d["children"] = [node(k) for k in kids]
        return d

    out: dict[str, Any] = {"name": codebook.name, "version": codebook.version}
    if codebook.description:
        out["description"] = codebook.description
    out["codes"] = [node(c) for c in codebook.themes()]
    return out


def dumps_codebook(codebook: Codebook) -> str:
    """The codebook as YAML text that :func:`loads_codebook` reads back identically.

    Examples
    --------
    >>> cb = Codebook("x", (Code("time", "Time", "About time.", keywords=("rush",)),))
    >>> loads_codebook(dumps_codebook(cb)) == cb
    True
    """
    return yaml.safe_dump(codebook_to_dict(codebook), sort_keys=False, allow_unicode=True, width=100)


def save_codebook(codebook: Codebook, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``codebook`` as YAML to ``path`` (refuses to overwrite unless asked).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError("file exists; refusing to overwrite it (pass overwrite=True)", path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_codebook(codebook), encoding="utf-8")
    return path

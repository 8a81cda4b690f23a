"""REFI-QDA codebooks (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``).

A :class:`~outcomes_qual.codebook.Codebook` is written as nested ``<Code>``
elements: the code's label is the ``name`` (what a colleague sees in NVivo,
ATLAS.ti, MAXQDA or QualCoder), its GUID is a ``uuid5`` of the code key (so a
re-export gives the same GUIDs), and its ``<Description>`` holds the
definition followed by a short, readable block with the inclusion and
exclusion criteria, keywords, examples and the code key. Reading parses that
block back, so a codebook survives the round trip; codebooks written by
other tools are read too: codes nested to any depth, flat codebooks whose
hierarchy lives only in names (``a.b`` or ``a::b``), the same name under
different parents, GUIDs in any case or in ``{...}`` form.

``<Sets>`` is written only with at least one ``<Set>`` (one per top-level
theme): the REFI codebook schema rejects an empty ``<Sets/>`` and one
popular reader fails on a codebook without ``<Sets>``.

Examples
--------
>>> import tempfile, pathlib
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("demo", (
...     Code("partners", "Partners", "Work with other agencies.", color="#1f77b4"),
...     Code("partners/health", "Health", "NHS and GPs.", keywords=("GP", "nurse")),
... ))
>>> out = pathlib.Path(tempfile.mkdtemp()) / "demo.qdc"
>>> export_qdc(cb, out)
>>> back = import_qdc(out)
>>> back.keys(), back["partners/health"].keywords, back["partners"].color
(['partners', 'partners/health'], ('GP', 'nurse'), '#1f77b4')
>>> back.codes == cb.codes
True
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codebook import Code, Codebook
from ..errors import InputError
from ..text import normalise_text
from ._xml import (
    CODEBOOK_NS,
    canonical_guid,
    child,
    child_text,
    children,
    local,
    parse_xml,
    stable_guid,
    to_bytes,
    unique_name,
)

logger = logging.getLogger(__name__)

#: Largest .qdc file read (bytes).
MAX_QDC_BYTES = 64 * 1024 * 1024

#: Labelled lines of the Description block, in the order they are written.
_LIST_FIELDS = (("include", "Include"), ("exclude", "Exclude"), ("keywords", "Keywords"), ("examples", "Examples"))
_HEADERS = {h: f for f, h in _LIST_FIELDS} | {"Key": "key"}
_HEADER_RE = re.compile(r"^(Include|Exclude|Keywords|Examples|Key):\s*(.*)$")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*(/[a-z0-9][a-z0-9_\-]*)*$")
_COLOR_RE = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def code_guid(key: str) -> str:
    """The stable GUID of the code with ``key``.

    Examples
    --------
    >>> code_guid("time") == code_guid("time") != code_guid("time/caseloads")
    True
    """
    return stable_guid("code", key)


def slugify(name: str) -> str:
    """A code-key part from a code name: ASCII, lower case, ``_`` between words.

    Examples
    --------
    >>> slugify("Forms & IT (paperwork)")
    'forms_it_paperwork'
    >>> slugify("Gwasanaethau cymdeithasol – ŵyr")
    'gwasanaethau_cymdeithasol_wyr'
    >>> slugify("!!!")
    'code'
    """
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")
    return slug or "code"


def normalise_color(value: str | None) -> str | None:
    """``#rrggbb`` in lower case (as the YAML loader keeps it), or ``None`` when not an RGB colour.

    Examples
    --------
    >>> normalise_color("#1F7"), normalise_color("#1F77B4"), normalise_color("red")
    ('#11ff77', '#1f77b4', None)
    """
    if not value or not _COLOR_RE.match(value.strip()):
        return None
    hexpart = value.strip()[1:]
    if len(hexpart) == 3:
        hexpart = "".join(ch * 2 for ch in hexpart)
    return "#" + hexpart.lower()


# --------------------------------------------------------------- description
def format_description(code: Code) -> str:
    """The ``<Description>`` text written for ``code``.

    Examples
    --------
    >>> print(format_description(Code("time/rush", "Rush", "Pressure of time.", include=("deadlines",))))
    Pressure of time.
    <BLANKLINE>
    Include:
    - deadlines
    Key: time/rush
    """
    lines: list[str] = []
    for attr, header in _LIST_FIELDS:
        items = [" ".join(str(i).split()) for i in getattr(code, attr) if str(i).strip()]
        if items:
            lines.append(f"{header}:")
            lines.extend(f"- {item}" for item in items)
    lines.append(f"Key: {code.key}")
    definition = (code.definition or "").strip()
    return f"{definition}\n\n" + "\n".join(lines) if definition else "\n".join(lines)


def parse_description(text: str | None) -> tuple[str, dict[str, Any]]:
    r"""Split a description into the definition and the labelled block's fields.

    Examples
    --------
    >>> parse_description("Pressure.\r\n\r\nKeywords:\r\n- rush\r\nKey: time/rush")
    ('Pressure.', {'keywords': ('rush',), 'key': 'time/rush'})
    >>> parse_description("Just a definition.")
    ('Just a definition.', {})
    """
    if not text:
        return "", {}
    lines = normalise_text(text).strip().split("\n")
    # Walk back over the labelled block: header lines and "- item" lines.
    start = len(lines)
    while start > 0 and (_HEADER_RE.match(lines[start - 1]) or lines[start - 1].startswith("- ")):
        start -= 1
    # The block must begin with a header and be the whole text or follow a blank line.
    while start < len(lines) and not _HEADER_RE.match(lines[start]):
        start += 1
    if start >= len(lines) or (start > 0 and lines[start - 1].strip()):
        return "\n".join(lines).strip(), {}
    fields: dict[str, Any] = {}
    lists: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines[start:]:
        m = _HEADER_RE.match(line)
        if m:
            current = _HEADERS[m.group(1)]
            if current == "key":
                fields["key"] = m.group(2).strip()
                current = None
            else:
                lists.setdefault(current, [])
                if m.group(2).strip():
                    lists[current].extend(p.strip() for p in m.group(2).split(";") if p.strip())
        elif current is not None:
            lists[current].append(line[2:].strip())
    for attr, _header in _LIST_FIELDS:
        if attr in lists:
            fields[attr] = tuple(lists[attr])
    order = [a for a, _ in _LIST_FIELDS if a in fields] + (["key"] if "key" in fields else [])
    return "\n".join(lines[:start]).strip(), {k: fields[k] for k in order}


# -------------------------------------------------------------------- write
def build_codes(codebook: Codebook, ns: str, *, note_refs: dict[str, list[str]] | None = None) -> ET.Element:
    """Return a ``<Codes>`` element (in namespace ``ns``) for ``codebook``.

    Codes whose parent key is missing hang from the nearest existing
    ancestor (or the top level). ``note_refs`` maps a code key to the GUIDs of
    notes (memos) about it.
    """
    note_refs = note_refs or {}
    q = lambda name: f"{{{ns}}}{name}"  # noqa: E731
    codes_elem = ET.Element(q("Codes"))
    elems: dict[str, ET.Element] = {}
    for code in codebook.codes:
        parent_elem = codes_elem
        parent = code.parent
        while parent is not None:
            if parent in elems:
                parent_elem = elems[parent]
                break
            parent = parent.rsplit("/", 1)[0] if "/" in parent else None
        attrs = {"guid": code_guid(code.key), "name": code.label or code.key, "isCodable": "true"}
        color = normalise_color(code.color)
        if color:
            attrs["color"] = color
        elem = ET.SubElement(parent_elem, q("Code"), attrs)
        # Sequence in the schema: Description, NoteRef*, Code*; children are
        # appended later, so Description and NoteRefs go in first.
        ET.SubElement(elem, q("Description")).text = format_description(code)
        for guid in note_refs.get(code.key, []):
            ET.SubElement(elem, q("NoteRef"), {"targetGUID": guid})
        elems[code.key] = elem
    return codes_elem


def build_sets(codebook: Codebook, ns: str) -> ET.Element | None:
    """``<Sets>`` with one ``<Set>`` per top-level theme (``None`` for an empty codebook)."""
    themes = codebook.themes()
    if not themes:
        return None
    q = lambda name: f"{{{ns}}}{name}"  # noqa: E731
    sets = ET.Element(q("Sets"))
    for theme in themes:
        s = ET.SubElement(sets, q("Set"), {"guid": stable_guid("set", theme.key), "name": theme.label or theme.key})
        ET.SubElement(s, q("Description")).text = f"The theme {theme.label or theme.key} and its sub-codes."
        for code in codebook.codes:
            if code.theme == theme.key:
                ET.SubElement(s, q("MemberCode"), {"targetGUID": code_guid(code.key)})
    return sets


def export_qdc(codebook: Codebook, path: str | os.PathLike, *, origin: str = "outcomes_qual") -> None:
    """Write ``codebook`` as a REFI-QDA codebook (``.qdc``).

    Parameters
    ----------
    codebook : Codebook
    path : str or path-like
        The ``.qdc`` file to write (replaced if it exists).
    origin : str
        Written as the ``origin`` attribute.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.qdc"
    >>> export_qdc(Codebook("t", (Code("time", "Time", "About time."),)), out)
    >>> b"urn:QDA-XML:codebook:1.0" in out.read_bytes()
    True
    """
    if not len(codebook):
        raise ValueError(f"codebook {codebook.name!r} has no codes; a REFI codebook needs at least one")
    ns = CODEBOOK_NS
    root = ET.Element(f"{{{ns}}}CodeBook", {"origin": origin})
    root.append(build_codes(codebook, ns))
    sets = build_sets(codebook, ns)
    if sets is not None:
        root.append(sets)
    Path(path).write_bytes(to_bytes(root, default_namespace=ns))
    logger.info("wrote %d codes to %s", len(codebook), path)


# --------------------------------------------------------------------- read
@dataclass
class _Node:
    guid: str
    name: str
    description: str | None
    color: str | None
    children: list["_Node"] = field(default_factory=list)


def _read_nodes(parent: ET.Element, *, path: str) -> list[_Node]:
    nodes = []
    for elem in children(parent, "Code"):
        raw = elem.get("guid")
        guid = canonical_guid(raw)
        if guid is None:
            raise InputError(f"<Code name={elem.get('name')!r}> has guid {raw!r}; expected a GUID", path=path)
        name = (elem.get("name") or "").strip()
        if not name:
            raise InputError(f"<Code guid={raw!r}> has no name", path=path)
        node = _Node(guid, name, child_text(elem, "Description"), normalise_color(elem.get("color")))
        node.children = _read_nodes(elem, path=path)
        nodes.append(node)
    return nodes


_DOT_SPLIT = re.compile(r"(?<=\S)\.(?=\S)")


def _split_flat_name(name: str) -> list[str] | None:
    """Hierarchy written into a flat code name (``a::b``, ``a.b``), or ``None``.

    Examples
    --------
    >>> _split_flat_name("Partners::Health"), _split_flat_name("partners.health")
    (['Partners', 'Health'], ['partners', 'health'])
    >>> _split_flat_name("Dr. Who") is None, _split_flat_name("1.5 hours") is None
    (True, True)
    """
    if "::" in name:
        parts = [p.strip() for p in name.split("::")]
    elif _DOT_SPLIT.search(name):
        parts = [p.strip() for p in _DOT_SPLIT.split(name)]
        if any(p.isdigit() or p[:1].isdigit() for p in parts):
            return None
    else:
        return None
    return parts if len(parts) > 1 and all(parts) else None


def _unflatten(nodes: list[_Node]) -> list[_Node]:
    """Rebuild the tree of a flat codebook whose hierarchy lives in names."""
    if any(n.children for n in nodes) or not any(_split_flat_name(n.name) for n in nodes):
        return nodes
    roots: list[_Node] = []
    by_path: dict[tuple[str, ...], _Node] = {}
    implicit: set[int] = set()
    for node in nodes:
        parts = _split_flat_name(node.name) or [node.name]
        siblings = roots
        for depth in range(len(parts) - 1):
            prefix = tuple(p.casefold() for p in parts[: depth + 1])
            parent = by_path.get(prefix)
            if parent is None:
                # A parent that exists only as a prefix of its children's names.
                parent = _Node(stable_guid("implicit-code", *prefix), parts[depth], None, None)
                by_path[prefix] = parent
                implicit.add(id(parent))
                siblings.append(parent)
            siblings = parent.children
        key = tuple(p.casefold() for p in parts)
        existing = by_path.get(key)
        if existing is not None and id(existing) in implicit:
            # An implicit parent created earlier: the real code takes its place.
            existing.guid, existing.description, existing.color = node.guid, node.description, node.color
            existing.name = parts[-1]
            implicit.discard(id(existing))
            continue
        node.name = parts[-1]
        by_path[key] = node
        siblings.append(node)
    return roots


@dataclass
class ParsedCodes:
    """Codes read from a ``<Codes>`` element: the codebook and GUID → key map."""

    codebook: Codebook
    key_by_guid: dict[str, str]
    skipped: list[str]


def parse_codes(codes_elem: ET.Element | None, *, path: str, name: str, description: str = "") -> ParsedCodes:
    """Read a ``<Codes>`` element (nested or flat) into a :class:`Codebook`.

    Keys come from the ``Key:`` line this toolkit writes when it still fits
    the code's place in the tree; otherwise from the code names (slugified,
    made unique among siblings).
    """
    nodes = _unflatten(_read_nodes(codes_elem, path=path)) if codes_elem is not None else []
    codes: list[Code] = []
    key_by_guid: dict[str, str] = {}
    skipped: list[str] = []

    def walk(items: list[_Node], parent_key: str | None) -> None:
        used: set[str] = set()
        for node in items:
            definition, extra = parse_description(node.description)
            marker = extra.pop("key", None)
            # The key's last part from our Key: line; its parent always follows
            # the tree as read (a colleague may have moved the code).
            part = marker.rsplit("/", 1)[-1] if isinstance(marker, str) and _KEY_RE.match(marker) else None
            if part is None or part in used:
                part = slugify(node.name)
            part = unique_name(part, used)
            key = part if parent_key is None else f"{parent_key}/{part}"
            if node.guid in key_by_guid:
                raise InputError(f"code GUID {node.guid} is used by more than one <Code>", path=path)
            key_by_guid[node.guid] = key
            definition = " ".join(definition.split()) or f"No definition came with the code {node.name!r}."
            codes.append(Code(key=key, label=" ".join(node.name.split()), definition=definition, color=node.color, **extra))
            walk(node.children, key)

    walk(nodes, None)
    return ParsedCodes(Codebook(name=name, codes=tuple(codes), description=description), key_by_guid, skipped)


def import_qdc(path: str | os.PathLike) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``) written by any tool.

    Also accepts a ``project.qde`` document (its ``<CodeBook>`` is read).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Codebook
        Named after the file; codes in tree order, parents first.

    Raises
    ------
    InputError
        When the file is too large, is not well-formed XML, declares a DTD or
        entities, or holds no ``<CodeBook>``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "flat.qdc"
    >>> _ = p.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    ...     '<Code guid="{0A000000-0000-4000-8000-000000000001}" name="Time::Caseloads" isCodable="true"/>'
    ...     '</Codes></CodeBook>')
    >>> import_qdc(p).keys()
    ['time', 'time/caseloads']
    """
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_QDC_BYTES:
        raise InputError(f"refused: {size:,} bytes, more than the {MAX_QDC_BYTES:,} allowed for a codebook", path=path)
    root = parse_xml(path.read_bytes(), path=str(path))
    return codebook_from_root(root, path=str(path), name=path.stem).codebook


def codebook_from_root(root: ET.Element, *, path: str, name: str) -> ParsedCodes:
    """Find the codebook in a ``CodeBook`` or ``Project`` root element and read it."""
    tag = local(root.tag)
    if tag == "Project":
        book = child(root, "CodeBook")
        if book is None:
            return parse_codes(None, path=path, name=name)
    elif tag == "CodeBook":
        book = root
    else:
        raise InputError(f"expected a REFI-QDA <CodeBook> (urn:QDA-XML:codebook:1.0), got <{tag}>", path=path)
    codes = child(book, "Codes")
    origin = root.get("origin") or ""
    parsed = parse_codes(codes, path=path, name=name)
    if origin:
        logger.info("%s: codebook written by %s", path, origin)
    return parsed

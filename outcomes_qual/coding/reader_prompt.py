"""The reader coder's prompts and the checks on what comes back.

The prompt templates are plain text files in ``outcomes_qual/coding/prompts/``
(``system.txt``, ``user.txt``, ``examples_header.txt``) that an evaluator can
read; ``$names`` in them are filled with :class:`string.Template`. The system
prompt carries the codebook (key, label, definition, include and exclude
criteria, examples of each code) and worked examples: the evaluator's
accepted codings first, then, for a codebook that has one, its written
training corpus (``<codebook>.training.jsonl`` beside the YAML, rows
``{"text": ..., "codes": [...]}``). :func:`prompt_hash` fingerprints the
whole prompt (system prompt and user template), so a change to the codebook,
the examples or a template is a new prompt, recorded with every run and used
in the cache key.

Nothing in an answer is trusted: :func:`check_items` keeps an item only when
its ``code`` is a key of the codebook and its ``evidence`` occurs in the turn
(whitespace aside); everything else is dropped and counted.

Examples
--------
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("demo", (Code("time", "Time", "Not enough time."), Code("time/caseload", "Caseload", "Caseloads.")))
>>> kept, dropped = check_items([{"code": "time", "evidence": "no  time"},
...                              {"code": "money", "evidence": "time"},
...                              {"code": "time/caseload", "evidence": "forty families"}],
...                             "There is no time at all.", cb.keys())
>>> kept, dropped
([('time', 'no time', None)], {'unknown_code': 1, 'evidence_not_in_turn': 1})
>>> print(turn_lines([("fg1:002", "The forms take hours.")]))
{"id": "fg1:002", "text": "The forms take hours."}
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from pathlib import Path
from string import Template

from ..errors import InputError

logger = logging.getLogger(__name__)

#: Folder of the prompt templates (package data).
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"

#: The repository's shipped codebooks (a training corpus there goes with the codebook of the same name).
SHIPPED_CODEBOOKS = Path(__file__).resolve().parents[2] / "codebooks"

#: Suffix of a codebook's written training corpus, beside its YAML file.
TRAINING_SUFFIX = ".training.jsonl"

#: Reasons an answered item is dropped (keys of the counts :func:`check_items` returns).
DROP_REASONS: tuple[str, ...] = ("unknown_code", "evidence_not_in_turn", "malformed", "unknown_id", "duplicate")


def load_template(name: str) -> str:
    """The text of prompt template ``name`` (e.g. ``"system.txt"``)."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8")


def normalise_space(text: str) -> str:
    r"""``text`` with every run of whitespace made one space, trimmed.

    Examples
    --------
    >>> normalise_space("  a\n\t b ")
    'a b'
    """
    return " ".join(str(text).split())


def _clip(text: str, limit: int) -> str:
    text = normalise_space(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def codebook_text(codebook, *, examples_per_code: int = 3) -> str:
    """The codebook as the prompt shows it: one block per code, themes before their sub-codes."""
    blocks = []
    for code in codebook:
        lines = [f"- {code.key}" + (f" ({code.label})" if code.label and code.label != code.key else "")]
        if code.definition:
            lines.append(f"  definition: {normalise_space(code.definition)}")
        if code.include:
            lines.append("  include: " + "; ".join(normalise_space(t) for t in code.include))
        if code.exclude:
            lines.append("  exclude: " + "; ".join(normalise_space(t) for t in code.exclude))
        for example in code.examples[:examples_per_code]:
            lines.append(f"  example: {_clip(example, 300)}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def training_corpus_path(codebook, codebook_path=None) -> Path | None:
    """Where the written training corpus of ``codebook`` would be, if it exists (None otherwise).

    Looked for beside the codebook's YAML (``X.yaml`` -> ``X.training.jsonl``) and, for a codebook
    given as an object, beside the shipped codebook of the same name in the repository's ``codebooks/``.
    """
    candidates = []
    if codebook_path is not None:
        p = Path(codebook_path)
        candidates.append(p.with_name(p.stem + TRAINING_SUFFIX))
    name = str(getattr(codebook, "name", ""))
    if name and "/" not in name and "\\" not in name and not name.startswith("."):
        candidates.append(SHIPPED_CODEBOOKS / (name + TRAINING_SUFFIX))
    for path in candidates:
        if path.is_file():
            return path
    return None


def read_training_corpus(path, keys) -> list[tuple[str, list[str]]]:
    """Rows ``(text, codes)`` of a training corpus JSONL (``{"text": ..., "codes": [...]}`` per line).

    Codes not in ``keys`` are left out (counted in the log); rows left with no code are skipped.

    Raises
    ------
    InputError
        A line that is not a JSON object with a text and a list of codes (naming the file and line).
    """
    path = Path(path)
    known = set(keys)
    rows: list[tuple[str, list[str]]] = []
    unknown: Counter[str] = Counter()
    try:
        lines = path.read_bytes().decode("utf-8-sig").split("\n")
    except UnicodeDecodeError as err:
        line_no = path.read_bytes()[: err.start].count(b"\n") + 1
        raise InputError("not UTF-8 text (save the file as UTF-8)", path=path, line=line_no) from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"not a JSON object ({err.msg})", path=path, line=n) from None
        codes = row.get("codes") if isinstance(row, dict) else None
        text = row.get("text") if isinstance(row, dict) else None
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(text, str) or not isinstance(codes, list):
            raise InputError('expected {"text": "...", "codes": ["code", ...]}', path=path, line=n)
        ok = [str(c) for c in codes if str(c) in known]
        unknown.update(str(c) for c in codes if str(c) not in known)
        if ok and text.strip():
            rows.append((text, list(dict.fromkeys(ok))))
    if unknown:
        logger.warning(
            "%s: %d code(s) not in the codebook left out: %s", path, sum(unknown.values()), ", ".join(sorted(unknown)[:5])
        )
    return rows


def select_examples(examples, *, max_examples: int) -> list[tuple[str, list[str]]]:
    """Up to ``max_examples`` of ``examples`` (``(text, codes)``), spread over codes, in a fixed order.

    Each example is filed under its first code, and codes take turns: each round adds, for every
    code in order of first appearance, its next example, so that rare codes are shown too.
    Within a code, earlier examples come first.

    Examples
    --------
    >>> select_examples([("a", ["x"]), ("b", ["x"]), ("c", ["y"])], max_examples=2)
    [('a', ['x']), ('c', ['y'])]
    """
    by_code: dict[str, list[int]] = {}
    for i, (_, codes) in enumerate(examples):
        for code in codes[:1] or ["(none)"]:
            by_code.setdefault(code, []).append(i)
    chosen: list[int] = []
    seen: set[int] = set()
    depth = 0
    while len(chosen) < max_examples and any(depth < len(v) for v in by_code.values()):
        for idx in by_code.values():
            if depth < len(idx) and idx[depth] not in seen and len(chosen) < max_examples:
                chosen.append(idx[depth])
                seen.add(idx[depth])
        depth += 1
    return [examples[i] for i in chosen]


def examples_text(examples) -> str:
    """Worked examples as the prompt shows them (header, then one JSON line each); "" when there are none."""
    if not examples:
        return ""
    lines = [json.dumps({"text": _clip(text, 600), "codes": list(codes)}, ensure_ascii=False) for text, codes in examples]
    return load_template("examples_header.txt").rstrip("\n") + "\n" + "\n".join(lines)


def system_prompt(codebook, examples=()) -> str:
    """The system message: instructions, the codebook and the worked examples."""
    return (
        Template(load_template("system.txt"))
        .substitute(codebook_name=codebook.name, codebook=codebook_text(codebook), examples=examples_text(list(examples)))
        .rstrip()
        + "\n"
    )


def turn_lines(turns) -> str:
    """Turns ``(segment_id, text)`` as the user message lists them: one JSON object per line, ids verbatim."""
    return "\n".join(json.dumps({"id": str(sid), "text": text}, ensure_ascii=False) for sid, text in turns)


def user_prompt(turns) -> str:
    """The user message for one batch of ``(segment_id, text)`` turns."""
    return Template(load_template("user.txt")).substitute(turns=turn_lines(turns)).rstrip() + "\n"


def prompt_hash(system: str) -> str:
    """SHA-256 (hex, first 16 characters) of the system prompt and the user template.

    Examples
    --------
    >>> len(prompt_hash("x")), prompt_hash("x") == prompt_hash("x"), prompt_hash("x") == prompt_hash("y")
    (16, True, False)
    """
    h = hashlib.sha256()
    h.update(system.encode("utf-8"))
    h.update(b"\x00")
    h.update(load_template("user.txt").encode("utf-8"))
    return h.hexdigest()[:16]


def group_items(answer, ids) -> tuple[dict[str, list[dict]], Counter]:
    """Split an answer's ``codings`` by turn id; items naming no turn of the batch are counted, not kept.

    Returns ``({id: [item, ...]} for every id of the batch, counts)``.
    """
    wanted = [str(i) for i in ids]
    out: dict[str, list[dict]] = {i: [] for i in wanted}
    counts: Counter = Counter()
    items = answer.get("codings") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        counts["malformed"] += 1
        return out, counts
    for item in items:
        if not isinstance(item, dict):
            counts["malformed"] += 1
            continue
        sid = str(item.get("id", "")).strip()
        if sid not in out:
            counts["unknown_id"] += 1
            continue
        out[sid].append({k: item.get(k) for k in ("code", "evidence", "confidence") if k in item})
    return out, counts


def check_items(items, text: str, keys) -> tuple[list[tuple[str, str, float | None]], dict[str, int]]:
    """The items of one turn that can be trusted, and what was dropped, by reason.

    An item is kept when its ``code`` is one of ``keys`` and its ``evidence``
    (a non-empty string) occurs in ``text`` once whitespace is normalised. A
    ``confidence`` between 0 and 1 is kept when given. A code given twice is kept once.

    Returns
    -------
    kept : list of (code, evidence, confidence or None)
    dropped : dict
        Reason -> count, only reasons that occurred.
    """
    known = set(keys)
    haystack = normalise_space(text)
    kept: list[tuple[str, str, float | None]] = []
    seen: set[str] = set()
    dropped: Counter[str] = Counter()
    for item in items:
        code = item.get("code") if isinstance(item, dict) else None
        evidence = item.get("evidence") if isinstance(item, dict) else None
        if not isinstance(code, str):
            dropped["malformed"] += 1
            continue
        code = code.strip()
        if code not in known:
            dropped["unknown_code"] += 1
            continue
        span = normalise_space(evidence) if isinstance(evidence, str) else ""
        if not span or span not in haystack:
            dropped["evidence_not_in_turn"] += 1
            continue
        if code in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(code)
        confidence = item.get("confidence")
        ok = isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and 0 <= confidence <= 1
        kept.append((code, span, float(confidence) if ok else None))
    return kept, dict(dropped)

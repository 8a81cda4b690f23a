"""Word .docx transcripts: labelled paragraphs and transcript tables.

Paragraphs are read in document order. A paragraph starting with a bold
label ending in a colon (``**Ann:** text``) is a turn whatever the label
says; other paragraphs are matched with the plain-text label styles
(:mod:`outcomes_qual.ingest.txt`). Tables with speaker and text columns
(optionally a time column; a header row such as ``Time | Speaker | Text`` is
recognised) give one turn per row. A two-column table of known header keys
(``Authority | Northvale``) is metadata. Paragraphs before the first turn
are metadata; unlabelled paragraphs continue the previous speaker.

The transcript's plain text is composed: header paragraphs, a blank line,
then one ``Speaker: text`` block per turn (paragraphs of a turn joined by a
newline). Offsets index that text.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile

from ..corpus import Corpus
from ..errors import InputError
from ..text import normalise_text
from ._turns import build_corpus, compose, header_key, parse_header, trailer_start
from .roles import role_from_label
from .txt import NOT_SPEAKERS, LabelMatch, RosterLabels, detect_style, match_label, parse_time

logger = logging.getLogger(__name__)

_TIME_HEADERS = {"time", "timestamp", "time stamp", "start", "start time", "timecode", "tc", "in", "begin"}
_END_HEADERS = {"end", "end time", "out", "stop"}
_SPEAKER_HEADERS = {"speaker", "name", "who", "participant", "person", "speaker name", "role", "label"}
_TEXT_HEADERS = {
    "text",
    "transcript",
    "speech",
    "utterance",
    "content",
    "dialogue",
    "what was said",
    "words",
    "comment",
    "response",
    "transcription",
}
_TIME_CELL = re.compile(r"^\s*\[?\s*((?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?)\s*\]?\s*$")


def _is_bold(run) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    rpr = run._r.rPr
    if rpr is None or rpr.rStyle is None:  # looking up the style is slow; only when one is set
        return False
    style = run.style
    return bool(style is not None and style.font.bold)


def _bold_label(paragraph) -> LabelMatch | None:
    """Return the bold ``Label:`` at the start of ``paragraph``, if any."""
    bold, consumed = "", 0
    for run in paragraph.runs:
        t = run.text
        if not bold and not t.strip():
            consumed += len(t)
            continue
        if _is_bold(run):
            bold += t
            consumed += len(t)
        else:
            break
    if not bold.strip():
        return None
    full = paragraph.text
    rest = full[consumed:]
    label = bold.strip()
    if label.endswith(":"):
        label = label[:-1].strip()
    elif rest.lstrip().startswith(":"):
        consumed += len(rest) - len(rest.lstrip()) + 1
    else:
        return None
    if not label or len(label) > 60 or len(label.split()) > 6 or "\n" in label:
        return None
    if header_key(f"{label}: x") is not None or label.lower() in NOT_SPEAKERS:
        return None
    return LabelMatch(label, consumed)


def _norm(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.strip().lower().rstrip(":"))


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            if cell._tc is last:  # horizontally merged cells repeat
                continue
            last = cell._tc
            cells.append(normalise_text(cell.text).strip())
        rows.append(cells)
    return rows


def _classify_table(rows: list[list[str]]):
    """Return ("meta", lines) | ("turns", [(speaker, text, start_s, end_s)]) | ("text", lines)."""
    rows = [r for r in rows if any(r)]
    if not rows:
        return "text", []
    width = max(len(r) for r in rows)
    header = [_norm(c) for c in rows[0]]
    cols = {}
    for k, h in enumerate(header):
        for name, names in (
            ("time", _TIME_HEADERS),
            ("end", _END_HEADERS),
            ("speaker", _SPEAKER_HEADERS),
            ("text", _TEXT_HEADERS),
        ):
            if h in names and name not in cols:
                cols[name] = k
    body = rows
    if "speaker" in cols and "text" in cols:
        body = rows[1:]
    elif width == 2 and all(len(r) == 2 and header_key(f"{r[0]}: {r[1]}") for r in rows):
        return "meta", [f"{r[0]}: {r[1]}" for r in rows]
    elif width == 2 and all(len(r[0]) <= 40 for r in rows if r):
        cols = {"speaker": 0, "text": 1}
    elif width == 3 and sum(bool(_TIME_CELL.match(r[0])) for r in rows) >= max(1, len(rows) // 2):
        cols = {"time": 0, "speaker": 1, "text": 2}
    else:
        return "text", [" | ".join(c for c in r if c) for r in rows]

    def get(row: list[str], name: str) -> str:
        k = cols.get(name)
        return row[k] if k is not None and k < len(row) else ""

    out = []
    for r in body:
        text = get(r, "text")
        if not text:
            continue
        times = []
        for name in ("time", "end"):
            m = _TIME_CELL.match(get(r, name))
            times.append(parse_time(m.group(1)) if m else None)
        out.append((get(r, "speaker").rstrip(":").strip() or None, text, times[0], times[1]))
    return "turns", out


def read_docx(path: str | os.PathLike, transcript_id: str, *, data: bytes | None = None, speakers=()) -> Corpus:
    r"""Return a one-transcript corpus from a .docx file.

    ``speakers``, the roster's speakers for this transcript, are labels at the
    start of a paragraph whatever their case (see
    :class:`~outcomes_qual.ingest.txt.RosterLabels`); a table's speaker cell
    naming one takes the roster's spelling.

    Raises
    ------
    InputError
        When the file is not a zip archive (e.g. an old .doc renamed), not a
        Word document, or holds no speaker turns.

    Examples
    --------
    >>> import docx, pathlib, tempfile
    >>> doc = docx.Document()
    >>> _ = doc.add_paragraph("Method: interview")
    >>> p = doc.add_paragraph(); p.add_run("Interviewer:").bold = True; _ = p.add_run(" What changed?")
    >>> p = doc.add_paragraph(); p.add_run("Ann:").bold = True; _ = p.add_run(" We ask more.")
    >>> _ = doc.add_paragraph("And we listen.")
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "int1.docx"; doc.save(f)
    >>> corpus = read_docx(f, "int1")
    >>> corpus.texts["int1"]
    'Method: interview\n\nInterviewer: What changed?\nAnn: We ask more.\nAnd we listen.'
    >>> corpus.segments[["speaker", "role", "text"]].values.tolist()
    [['Interviewer', 'facilitator', 'What changed?'], ['Ann', 'unknown', 'We ask more.\nAnd we listen.']]
    """
    import docx  # python-docx, a core dependency

    spath = os.fspath(path)
    if data is None:
        with open(path, "rb") as fh:
            data = fh.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(
            "is not a valid .docx (Word) file: it is not a zip archive (an old .doc renamed? save it as .docx)",
            path=spath,
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx raises several kinds for broken packages
        detail = (str(err).strip().splitlines() or [""])[0][:200]
        raise InputError(f"is not a readable .docx (Word) file ({type(err).__name__}: {detail})", path=spath) from None

    # items: (kind, payload) in document order; kind "para" with (text, bold LabelMatch) or "row" units
    items: list[tuple] = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            kind, payload = _classify_table(_table_rows(block))
            if kind == "turns":
                items.extend(("row", unit) for unit in payload)
            else:
                items.extend(("para", (normalise_text(line), None)) for line in payload)
        else:
            text = normalise_text(block.text)
            bold = _bold_label(block)
            items.append(("para", (text, bold)))

    paras = [p[0] if kind == "para" else "" for kind, p in items]
    roster = speakers if isinstance(speakers, RosterLabels) else RosterLabels(speakers)
    style = detect_style(
        [
            p[0].split("\n", 1)[0]
            for kind, p in items
            if kind == "para" and p[1] is None and not roster.match(p[0].split("\n", 1)[0])
        ]
    )
    # classify every item as (label or None, text, start_s, end_s, role named beside the label)
    units: list[tuple[str | None, str, float | None, float | None, str | None]] = []
    for kind, payload in items:
        if kind == "row":
            speaker, *rest = payload
            units.append(((roster.canonical(speaker) or speaker) if speaker else speaker, *rest, None))
            continue
        text, bold = payload
        first_line = text.split("\n", 1)[0]
        m = roster.match(first_line) or bold or (match_label(first_line, style) if style else None)
        if m:
            label = roster.canonical(m.label) or m.label
            units.append((label, text[m.rest :].strip(), m.time_s, None, m.role))
        else:
            units.append((None, text.strip(), None, None, None))
    labelled = [k for k, u in enumerate(units) if u[0] is not None]
    if not labelled:
        raise InputError(
            "no speaker turns found: expected paragraphs starting with a label such as 'Name:' "
            "(bold or plain) or a table with speaker and text columns",
            path=spath,
        )
    first, last = labelled[0], labelled[-1]
    header_lines = [u[1] if u[0] is None else paras[k] for k, u in enumerate(units[:first])]
    meta = parse_header(header_lines)
    cut = trailer_start([u[1] if u[0] is None else "" for u in units], first, last)
    body = units[first:cut]
    resolved, current, pending_s = [], None, None
    roles: dict[str, str] = {}
    for label, text, start_s, end_s, named_role in body:
        if label is not None:
            key = label.replace(".", "") if style == "paren" else label
            speaker, role = label, named_role or role_from_label(label)
            if key in meta.speakers:
                speaker, mapped = meta.speakers[key]
                role = role if role != "unknown" else mapped
            if roles.get(speaker, "unknown") == "unknown":
                roles[speaker] = role
            current = speaker
            pending_s = start_s
        if current is None:
            continue
        if not text:
            continue
        if start_s is None:
            start_s = pending_s
        pending_s = None
        resolved.append((current, text, start_s, end_s))
    plain, turns = compose(resolved, joiner="\n", header=[h for h in header_lines], roles=roles)
    corpus = build_corpus(transcript_id, plain, turns, meta=meta, fmt="docx", source_path=spath)
    if not len(corpus.segments):
        raise InputError("speaker labels found but every turn is empty", path=spath)
    return corpus

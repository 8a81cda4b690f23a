r"""CSV or JSONL of already segmented text: survey and consultation responses.

Columns (headers matched without regard to case or spaces): ``text``
(required; also ``response``, ``answer``, ``comment``), ``id`` (also
``segment_id``, ``response_id``; it becomes the segment_id; generated as
``{transcript_id}:{row:03d}`` when absent), optional ``speaker``, ``role``,
``participant_id``, ``transcript_id`` (groups rows into several
transcripts; default: the file name), ``turn``, ``start_s``, ``end_s``,
``authority``, ``department``, ``method``, ``question`` (kept on each
segment as ``question``, a short key such as ``q1``, and ``question_text``,
as written). Other columns that are constant per speaker become participant
attributes.

Each response is one segment, even when consecutive rows share a speaker.
The transcript's plain text is the responses joined by blank lines; offsets
index it. Without a speaker column every response is its own respondent,
named by its id.

Examples
--------
>>> corpus = parse_table("id,text,role\nr1,More say in my care.,\nr2,Forms take too long.,Social worker\n", "survey")
>>> corpus.segments[["segment_id", "speaker", "role", "text", "start_char"]].values.tolist()
[['r1', 'r1', 'unknown', 'More say in my care.', 0], ['r2', 'r2', 'practitioner', 'Forms take too long.', 22]]
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from typing import Any

import pandas as pd

from .. import schema
from ..corpus import Corpus, make_segment_id
from ..errors import InputError
from ..safe_tables import restore
from ..text import normalise_text
from ._consult_layout import question_key
from ._turns import default_participant_id
from .roles import normalise_method, normalise_role, role_from_label

logger = logging.getLogger(__name__)

_ALIASES = {
    "segment_id": "id",
    "response_id": "id",
    "row_id": "id",
    "response": "text",
    "answer": "text",
    "comment": "text",
    "comments": "text",
    "quote": "text",
    "transcript": "transcript_id",
    "respondent": "speaker",
    "name": "speaker",
}
_KNOWN = {
    "id",
    "text",
    "speaker",
    "role",
    "participant_id",
    "transcript_id",
    "turn",
    "start_s",
    "end_s",
    "start_char",
    "end_char",
    "authority",
    "department",
    "method",
    "question",
    "question_text",
}


def _canon(col: str) -> str:
    c = re.sub(r"[\s\-]+", "_", str(col).strip().lower())
    return _ALIASES.get(c, c)


def _mode_or_none(values: pd.Series) -> Any:
    """The most common value (the first in sort order on a tie), or None when every value is missing."""
    return values.dropna().mode().iloc[0] if values.notna().any() else None


def _rows_csv(text: str, path) -> tuple[list[str], list[tuple[int, dict]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file", path=path) from None
    columns = [_canon(h) for h in header]
    rows = []
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(columns):
            raise InputError(
                f"expected {len(columns)} fields (as in the header), got {len(row)}", path=path, line=reader.line_num
            )
        rows.append((reader.line_num, dict(zip(columns, map(restore, row), strict=True))))  # undo write_csv's neutralising
    return columns, rows


def _rows_jsonl(text: str, path) -> tuple[list[str], list[tuple[int, dict]]]:
    rows, columns = [], []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"not valid JSON ({err.msg} at column {err.colno})", path=path, line=n) from None
        if not isinstance(obj, dict):
            raise InputError(f"expected one JSON object per line, got {type(obj).__name__}", path=path, line=n)
        obj = {_canon(k): v for k, v in obj.items()}
        for k in obj:
            if k not in columns:
                columns.append(k)
        rows.append((n, obj))
    return columns, rows


def _value(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return v


def _float(v, path, line, col) -> float:
    v = _value(v)
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InputError(f"column {col!r}: expected a number of seconds, got {v!r}", path=path, line=line) from None


def parse_table(text: str, transcript_id: str, *, path: str | None = None, fmt: str = "csv") -> Corpus:
    """Return a corpus from the text of a CSV or JSONL file of segments.

    Raises
    ------
    InputError
        When there is no text column (a roster-like file gets advice), a row
        is malformed, or an id repeats (naming the line).
    """
    text = normalise_text(text)
    columns, rows = (_rows_jsonl if fmt == "jsonl" else _rows_csv)(text, path)
    if "text" not in columns:
        hint = ""
        if "speaker" in columns and "transcript_id" in columns:
            hint = " (this looks like a roster: pass it with --roster / roster=)"
        raise InputError(f"expected a 'text' column (and usually 'id'), got {columns}{hint}", path=path, line=1)
    if not rows:
        raise InputError("has a header but no rows", path=path)
    extras = [c for c in columns if c not in _KNOWN]
    has_question = "question" in columns or "question_text" in columns
    groups: dict[str, list[tuple[int, dict]]] = {}
    for line, row in rows:
        tid = _value(row.get("transcript_id"))
        groups.setdefault(str(tid) if tid is not None else transcript_id, []).append((line, row))
    seen: dict[str, int] = {}
    seg_rows, part_rows, tr_rows, texts = [], [], [], {}
    skipped = 0
    for tid, members in groups.items():
        pieces: list[str] = []
        pos = 0
        people: dict[str, dict] = {}
        k = 0
        for line, row in members:
            body = _value(row.get("text"))
            body = None if body is None else normalise_text(str(body)).strip()
            if not body:
                skipped += 1
                continue
            k += 1
            sid = _value(row.get("id"))
            sid = make_segment_id(tid, k) if sid is None else str(sid)
            if sid in seen:
                raise InputError(f"id {sid!r} repeats (first on line {seen[sid]})", path=path, line=line)
            seen[sid] = line
            label = _value(row.get("speaker"))
            speaker = sid if label is None else str(label)
            raw_role = _value(row.get("role"))
            if raw_role is not None:
                role = normalise_role(raw_role)
            else:  # a role is read from a speaker label, never from a response id ("Q1" is not an interviewer)
                role = role_from_label(speaker) if label is not None else "unknown"
            pid = _value(row.get("participant_id"))
            pid = default_participant_id(tid, speaker) if pid is None else str(pid)
            turn = _value(row.get("turn"))
            try:
                turn = int(turn) if turn is not None else k
            except (TypeError, ValueError):
                raise InputError(f"column 'turn': expected a whole number, got {turn!r}", path=path, line=line) from None
            if pieces:
                pos += 2
            seg_rows.append(
                {
                    "segment_id": sid,
                    "transcript_id": tid,
                    "turn": turn,
                    "speaker": speaker,
                    "participant_id": pid,
                    "role": role,
                    "text": body,
                    "start_char": pos,
                    "end_char": pos + len(body),
                    "start_s": _float(row.get("start_s"), path, line, "start_s"),
                    "end_s": _float(row.get("end_s"), path, line, "end_s"),
                }
            )
            if has_question:
                qtext = _value(row.get("question_text")) or _value(row.get("question"))
                qkey = _value(row.get("question"))
                seg_rows[-1]["question"] = None if qkey is None else question_key(qkey)
                seg_rows[-1]["question_text"] = None if qtext is None else str(qtext)
            pieces.append(body)
            pos += len(body)
            person = people.setdefault(speaker, {"participant_id": pid, "role": role, "_extra": {}})
            if person["role"] == "unknown":
                person["role"] = role
            for col in ("authority", "department", "method", *extras):
                v = _value(row.get(col))
                if col == "method" and v is not None:
                    v = normalise_method(v)
                person["_extra"].setdefault(col, set()).add(v)
        if not pieces:
            continue
        texts[tid] = "\n\n".join(pieces)
        for speaker, person in people.items():
            prow = {"participant_id": person["participant_id"], "transcript_id": tid, "speaker": speaker, "role": person["role"]}
            for col, values in person["_extra"].items():
                values.discard(None)
                prow[col] = next(iter(values)) if len(values) == 1 else None
            part_rows.append(prow)
        tr_rows.append({"transcript_id": tid, "source_path": path, "format": fmt, "n_turns": len(pieces)})
    if skipped:
        logger.warning("%s: %d row(s) with empty text skipped", path or transcript_id, skipped)
    if not seg_rows:
        raise InputError("every row's text is empty", path=path)
    seg_cols = [*schema.SEGMENT_COLUMNS, *(schema.QUESTION_COLUMNS if has_question else ())]
    segments = pd.DataFrame(seg_rows, columns=seg_cols)
    participants = pd.DataFrame(part_rows)
    keep_extra = [c for c in extras if c in participants and participants[c].notna().any()]
    participants = participants.reindex(columns=[*schema.PARTICIPANT_COLUMNS, *keep_extra])
    transcripts = pd.DataFrame(tr_rows).reindex(columns=list(schema.TRANSCRIPT_COLUMNS))
    for col in ("method", "authority", "department"):
        per_t = participants.groupby("transcript_id")[col].agg(_mode_or_none)
        transcripts[col] = transcripts["transcript_id"].map(per_t).astype(object)
    transcripts["date"] = None
    return Corpus(transcripts, participants, segments, texts)

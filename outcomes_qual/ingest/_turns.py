r"""Shared turn building: header metadata, trailers, merging and the corpus tables.

Every reader ends here. A reader finds *turns* as character spans of a
transcript's normalised plain text (for plain text files, the file's own
text; for VTT, SRT, .docx and tables, a text the reader composes as
``Speaker: text`` lines) and hands them to :func:`build_corpus`, which merges
consecutive turns by the same speaker and fills the three corpus tables.

Examples
--------
>>> text, turns = compose([("Ann", "Hello.", None, None), ("Ann", "Again.", None, None), ("Bob", "Hi.", 1.0, 2.0)])
>>> text
'Ann: Hello. Again.\nBob: Hi.'
>>> [(t.speaker, text[t.start:t.end]) for t in turns]
[('Ann', 'Hello. Again.'), ('Bob', 'Hi.')]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .. import schema
from ..corpus import Corpus, make_segment_id
from .roles import infer_method, normalise_date, normalise_method, normalise_role, role_from_label

NAN = math.nan

#: Header keys recognised in the lines before the first turn, and the
#: transcript field each fills (``None``: recognised, kept as text, not stored).
#: A line ``Key: value`` whose key is listed here is metadata, never a speaker
#: label. Role words (Facilitator, Interviewer) are deliberately absent, so
#: ``Facilitator: Welcome`` is always a turn.
HEADER_KEYS: dict[str, str | None] = {
    "title": "title",
    "subject": "title",
    "session": "title",
    "project": "title",
    "group": "title",
    "authority": "authority",
    "local authority": "authority",
    "council": "authority",
    "la": "authority",
    "organisation": "authority",
    "organization": "authority",
    "department": "department",
    "dept": "department",
    "service": "department",
    "service area": "department",
    "team": "department",
    "directorate": "department",
    "method": "method",
    "type": "method",
    "session type": "method",
    "format": "method",
    "data collection": "method",
    "date": "date",
    "recorded": "date",
    "date recorded": "date",
    "recording date": "date",
    "date of recording": "date",
    "speakers": "speakers",
    "participants": "speakers",
    "attendees": "speakers",
    "present": "speakers",
    "location": None,
    "venue": None,
    "duration": None,
    "length": None,
    "time": None,
    "start time": None,
    "transcriber": None,
    "transcribed by": None,
    "recording": None,
    "file": None,
    "notes": None,
    "note": None,
    "ref": None,
    "reference": None,
    "id": None,
    # headings such as "Interview: practice mentor" or "Focus group: seniors":
    # the whole line is the title, the key hints at the method
    "interview": "heading",
    "focus group": "heading",
    "meeting": "heading",
    "webinar": "heading",
    "workshop": "heading",
    "transcript": "heading",
}

_HEADER_LINE = re.compile(r"^[\s#*_>-]*(?P<key>[A-Za-z][A-Za-z /&_-]{0,30}?)[\s*_]*:[\s*_]*(?P<value>.*?)[\s*_]*$")
_SPEAKER_ENTRY = re.compile(r"(?P<name>[^\W\d_][\w.'’-]*(?:[ \t]+[^\W\d_][\w.'’-]*){0,3})[ \t]*\((?P<paren>[^()\n]{1,40})\)")
_INITIALS = re.compile(r"^[A-Z][A-Z.]{0,4}\d?$")

_END_MARKER = re.compile(
    r"^\W*(end of (the )?(transcript|transcription|recording|interview|focus group|session|meeting|webinar)"
    r"|(transcript|transcription|recording|interview|session|meeting) (ends|ended|finished|stopped)"
    r"|(the )?end|ends)\W*$",
    re.I,
)
_RESOURCE_MARKER = re.compile(
    r"^\W*((other|useful|further|additional) )?(resources|links|references|reading|information|contacts?)\W*$"
    r"|^\W*transcribed by\b|^\W*<?https?://\S+>?\W*$",
    re.I,
)


def header_key(line: str) -> tuple[str, str | None, str] | None:
    """Return ``(key, field, value)`` when ``line`` is a known ``Key: value`` header line.

    Examples
    --------
    >>> header_key("Authority: Northvale")
    ('authority', 'authority', 'Northvale')
    >>> header_key("Ann: I think so") is None
    True
    """
    m = _HEADER_LINE.match(line)
    if not m:
        return None
    key = re.sub(r"[\s_]+", " ", m.group("key").strip().lower())
    if key not in HEADER_KEYS:
        return None
    return key, HEADER_KEYS[key], m.group("value").strip()


@dataclass
class Meta:
    """Transcript metadata found before the first turn."""

    title: str | None = None
    authority: str | None = None
    department: str | None = None
    method: str | None = None
    date: str | None = None
    #: label (initials or name) -> (speaker name, role)
    speakers: dict[str, tuple[str, str]] = field(default_factory=dict)


def _parse_speakers(block: str, meta: Meta) -> None:
    matches = list(_SPEAKER_ENTRY.finditer(block))
    for k, m in enumerate(matches):
        stop = matches[k + 1].start() if k + 1 < len(matches) else len(block)
        desc = block[m.end() : stop].strip(" \t\n,;:–—-")
        desc = desc.split("\n")[0].strip(" ,;")
        name, paren = m.group("name").strip(), m.group("paren").strip()
        if _INITIALS.match(paren):
            role = normalise_role(desc) if desc else "unknown"
            meta.speakers.setdefault(paren.replace(".", ""), (name, role))
            meta.speakers.setdefault(name, (name, role))
        else:
            meta.speakers.setdefault(name, (name, normalise_role(paren)))


def parse_header(lines: Sequence[str]) -> Meta:
    """Read transcript metadata from the lines before the first turn.

    ``Key: value`` lines with a key from :data:`HEADER_KEYS` fill the
    transcript's title, authority, department, method and date; a
    ``SPEAKERS:`` (or ``Participants:``) list maps initials or names to
    speakers and roles, e.g. ``Jo Bloggs (JB), Team manager``; the first
    other non-empty line is the title. When no ``Method:`` is given, a
    method named in the title ("... focus group") is used.

    Examples
    --------
    >>> meta = parse_header(["Focus group with seniors", "Authority: Northvale", "Method: focus group",
    ...                      "SPEAKERS: Jo Bloggs (JB), Team manager", "Al Smith (AS), Social worker"])
    >>> meta.title, meta.authority, meta.method
    ('Focus group with seniors', 'Northvale', 'focus_group')
    >>> meta.speakers["JB"], meta.speakers["AS"]
    (('Jo Bloggs', 'manager'), ('Al Smith', 'practitioner'))
    """
    meta = Meta()
    in_speakers = False
    speaker_block: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            in_speakers = False
            continue
        hk = header_key(line)
        if hk:
            _key, fld, value = hk
            in_speakers = fld == "speakers"
            if fld == "heading":
                if meta.title is None:
                    meta.title = line.strip("#*_ \t")
            elif in_speakers:
                speaker_block.append(value)
            elif fld and value and getattr(meta, fld) is None:
                setattr(meta, fld, value)
            continue
        if in_speakers:
            speaker_block.append(line)
            continue
        if meta.title is None and not (":" in line and role_from_label(line.split(":", 1)[0]) == "facilitator"):
            meta.title = line.strip("#*_ \t")
    if speaker_block:
        _parse_speakers("\n".join(speaker_block), meta)
    meta.date = normalise_date(meta.date)
    if meta.method is not None:
        meta.method = normalise_method(meta.method)
    elif meta.title:
        meta.method = infer_method(meta.title)
    return meta


def trailer_start(lines: Sequence[str], first_turn: int, last_turn: int) -> int | None:
    """Return the index of the first line of trailing non-transcript material, if any.

    An end marker ("END OF TRANSCRIPT", "[End]") after the first turn ends
    the transcript; a resources/links heading, a bare URL or "Transcribed by"
    line ends it when it comes after the last turn's label line.

    Examples
    --------
    >>> trailer_start(["A: hi", "more", "END OF TRANSCRIPT", "B: x"], 0, 3)
    2
    >>> trailer_start(["A: hi", "B: yes", "", "Useful links", "<https://example.org>"], 0, 1)
    3
    """
    for i in range(first_turn + 1, len(lines)):
        if _END_MARKER.match(lines[i]):
            return i
    for i in range(last_turn + 1, len(lines)):
        if _RESOURCE_MARKER.match(lines[i]):
            return i
    return None


@dataclass
class Turn:
    """One speaker turn: a span ``[start, end)`` of the transcript's plain text."""

    speaker: str
    start: int
    end: int
    start_s: float = NAN
    end_s: float = NAN
    role: str = "unknown"


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    r"""Shrink ``[start, end)`` past surrounding whitespace.

    Examples
    --------
    >>> trim_span("  ab \n", 0, 6)
    (2, 4)
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _nan(x) -> float:
    return NAN if x is None else float(x)


def compose(
    units: Iterable[tuple[str, str, float | None, float | None]],
    *,
    joiner: str = " ",
    header: Sequence[str] = (),
    roles: dict[str, str] | None = None,
) -> tuple[str, list[Turn]]:
    """Compose a plain text of ``Speaker: text`` lines from ``(speaker, text, start_s, end_s)`` units.

    Consecutive units by the same speaker are merged first (their texts joined
    with ``joiner``), so each turn is one clean span. ``header`` lines, when
    given, come first, followed by a blank line.

    Returns
    -------
    text : str
    turns : list of Turn
    """
    roles = roles or {}
    merged: list[list] = []
    for speaker, piece, start_s, end_s in units:
        piece = piece.strip()
        if not piece:
            continue
        if merged and merged[-1][0] == speaker:
            merged[-1][1].append(piece)
            if end_s is not None:
                merged[-1][3] = end_s
        else:
            merged.append([speaker, [piece], start_s, end_s])
    parts: list[str] = []
    pos = 0
    if header:
        head = "\n".join(h.rstrip() for h in header).strip("\n")
        if head:
            parts.append(head + "\n\n")
            pos = len(parts[0])
    turns: list[Turn] = []
    for k, (speaker, pieces, start_s, end_s) in enumerate(merged):
        body = joiner.join(pieces)
        prefix = f"{speaker}: "
        line = prefix + body + ("\n" if k + 1 < len(merged) else "")
        turns.append(
            Turn(
                speaker,
                pos + len(prefix),
                pos + len(prefix) + len(body),
                _nan(start_s),
                _nan(end_s),
                roles.get(speaker, role_from_label(speaker)),
            )
        )
        parts.append(line)
        pos += len(line)
    return "".join(parts), turns


def merge_turns(turns: Sequence[Turn]) -> list[Turn]:
    """Merge consecutive turns by the same speaker into one span; drop empty turns.

    Examples
    --------
    >>> merged = merge_turns([Turn("A", 0, 3), Turn("A", 5, 9, end_s=4.0), Turn("B", 10, 12)])
    >>> [(t.speaker, t.start, t.end, t.end_s) for t in merged]
    [('A', 0, 9, 4.0), ('B', 10, 12, nan)]
    """
    out: list[Turn] = []
    for t in turns:
        if t.end <= t.start:
            continue
        if out and out[-1].speaker == t.speaker:
            prev = out[-1]
            prev.end = t.end
            if not math.isnan(t.end_s):
                prev.end_s = t.end_s
            if prev.role == "unknown":
                prev.role = t.role
        else:
            out.append(Turn(t.speaker, t.start, t.end, t.start_s, t.end_s, t.role))
    return out


def slug(text: str) -> str:
    """Return a lower-case, hyphenated form of ``text`` for ids.

    Examples
    --------
    >>> slug("Practitioner 2"), slug("  Dr. O'Neill ")
    ('practitioner-2', 'dr-o-neill')
    """
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-") or "speaker"


def default_participant_id(transcript_id: str, speaker: str) -> str:
    """Participant id used when no roster gives one: ``"{transcript_id}:{slug(speaker)}"``.

    Examples
    --------
    >>> default_participant_id("fg1", "Practitioner 2")
    'fg1:practitioner-2'
    """
    return f"{transcript_id}:{slug(speaker)}"


def build_corpus(
    transcript_id: str,
    text: str,
    turns: Sequence[Turn],
    *,
    meta: Meta | None = None,
    fmt: str,
    source_path: str | None,
) -> Corpus:
    """Return a one-transcript :class:`Corpus` from turns over ``text``.

    Consecutive turns by the same speaker merge into one span (from the first
    turn's first character to the last turn's last character). A speaker's
    role is the first known role among their turns, else ``"unknown"``.
    """
    meta = meta or Meta()
    merged = merge_turns(turns)
    speaker_role: dict[str, str] = {}
    for t in merged:
        if speaker_role.get(t.speaker, "unknown") == "unknown":
            speaker_role[t.speaker] = t.role
    pid = {s: default_participant_id(transcript_id, s) for s in speaker_role}
    n = len(merged)
    segments = pd.DataFrame(
        {
            "segment_id": pd.Series([make_segment_id(transcript_id, i) for i in range(1, n + 1)], dtype=object),
            "transcript_id": pd.Series([transcript_id] * n, dtype=object),
            "turn": pd.Series(range(1, n + 1), dtype="int64"),
            "speaker": pd.Series([t.speaker for t in merged], dtype=object),
            "participant_id": pd.Series([pid[t.speaker] for t in merged], dtype=object),
            "role": pd.Series([speaker_role[t.speaker] for t in merged], dtype=object),
            "text": pd.Series([text[t.start : t.end] for t in merged], dtype=object),
            "start_char": pd.Series([t.start for t in merged], dtype="int64"),
            "end_char": pd.Series([t.end for t in merged], dtype="int64"),
            "start_s": pd.Series([t.start_s for t in merged], dtype="float64"),
            "end_s": pd.Series([t.end_s for t in merged], dtype="float64"),
        },
        columns=list(schema.SEGMENT_COLUMNS),
    )
    participants = pd.DataFrame(
        [
            {
                "participant_id": pid[s],
                "transcript_id": transcript_id,
                "speaker": s,
                "role": r,
                "authority": meta.authority,
                "department": meta.department,
                "method": meta.method,
            }
            for s, r in speaker_role.items()
        ],
        columns=list(schema.PARTICIPANT_COLUMNS),
    )
    transcripts = pd.DataFrame(
        [
            {
                "transcript_id": transcript_id,
                "source_path": source_path,
                "format": fmt,
                "method": meta.method,
                "authority": meta.authority,
                "department": meta.department,
                "date": meta.date,
                "n_turns": len(segments),
            }
        ],
        columns=list(schema.TRANSCRIPT_COLUMNS),
    )
    return Corpus(transcripts, participants, segments, {transcript_id: text})

r"""WebVTT and SRT captions: Zoom ``Name: text`` cues, Teams ``<v Name>`` voice tags.

Cues are grouped into turns: consecutive cues by the same speaker merge
(their texts joined by a space) and a cue without a speaker continues the
previous one. The transcript's plain text is composed as one
``Speaker: text`` line per turn; offsets index that text. A turn's
``start_s``/``end_s`` are its first cue's start and last cue's end. ``NOTE`` blocks before the first cue are header metadata
(``NOTE Authority: Northvale``), read like a plain-text header and kept at
the top of the composed text.

Examples
--------
>>> vtt = '''WEBVTT
...
... 1
... 00:00:01.000 --> 00:00:03.500
... <v Helen>Shall we start?</v>
...
... 2
... 00:00:04.000 --> 00:00:06.000
... Practitioner 1: Yes.
...
... 3
... 00:00:06.000 --> 00:00:08.250
... It helps.
... '''
>>> corpus = parse_subtitles(vtt, "fg1")
>>> corpus.texts["fg1"]
'Helen: Shall we start?\nPractitioner 1: Yes. It helps.'
>>> corpus.segments[["speaker", "role", "start_s", "end_s"]].values.tolist()
[['Helen', 'unknown', 1.0, 3.5], ['Practitioner 1', 'practitioner', 4.0, 8.25]]
"""

from __future__ import annotations

import html
import logging
import re

from ..corpus import Corpus
from ..errors import InputError
from ._turns import build_corpus, compose, parse_header
from .txt import NOT_SPEAKERS, RosterLabels

logger = logging.getLogger(__name__)

_TS = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"^\s*(?P<a>{_TS})\s*-->\s*(?P<b>{_TS})(?P<settings>(?:\s+[\w-]+:\S+)*)\s*$")
_LOOKS_LIKE_TIME = re.compile(r"^\s*\d{1,2}:\d{2}")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*(?:\s+(?P<name>[^>]*))?>", re.I)
_TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>", re.I)
_ZOOM = re.compile(r"^(?P<label>[^:\n<>]{1,60}?)\s*:\s+(?P<text>\S.*)$", re.S)
_BRACKET = re.compile(r"^\[(?P<label>[^\]\n]{1,48})\]\s*:?\s+(?P<text>\S.*)$", re.S)
UNKNOWN_SPEAKER = "Unknown"


def _seconds(value: str) -> float:
    parts = value.replace(",", ".").split(":")
    total = 0.0
    for p in parts:
        total = total * 60 + float(p)
    return total


def _plausible_speaker(label: str) -> bool:
    label = label.strip()
    if not label or label[0].isdigit() or re.search(r"[?!;,\"“”]|\s{2,}", label):
        return False
    return len(label.split()) <= 6 and label.lower() not in NOT_SPEAKERS


def _split_speakers(payload: str, roster: RosterLabels | None = None) -> list[tuple[str | None, str]]:
    """Return ``(speaker or None, text)`` pieces of one cue's payload."""
    voices = list(_VOICE.finditer(payload))
    if voices:
        pieces: list[tuple[str | None, str]] = []
        head = payload[: voices[0].start()]
        if _TAG.sub("", head).strip():
            pieces.append((None, head))
        for k, m in enumerate(voices):
            stop = voices[k + 1].start() if k + 1 < len(voices) else len(payload)
            name = (m.group("name") or "").strip() or None
            pieces.append((name, payload[m.end() : stop]))
        out: list[tuple[str | None, str]] = []
        for name, text in pieces:
            name = html.unescape(name) if name else None
            out.append(((roster.canonical(name) or name) if roster and name else name, _clean(text)))
        return out
    text = _clean(payload)
    label_match = roster.match(text) if roster else None
    if label_match:
        return [(label_match.label, text[label_match.rest :].strip())]
    for pattern in (_BRACKET, _ZOOM):
        found = pattern.match(text)
        if found and _plausible_speaker(found.group("label")):
            label = found.group("label").strip()
            return [((roster.canonical(label) if roster else None) or label, found.group("text").strip())]
    return [(None, text)]


def _clean(text: str) -> str:
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\s+", " ", text).strip()


def parse_subtitles(text: str, transcript_id: str, *, path: str | None = None, fmt: str = "vtt", speakers=()) -> Corpus:
    """Return a one-transcript corpus from normalised WebVTT or SRT ``text``.

    ``speakers``, the roster's speakers for this transcript, are labels at the
    start of a cue whatever their case (see
    :class:`~outcomes_qual.ingest.txt.RosterLabels`).

    Raises
    ------
    InputError
        For a cue with a broken timing line (naming the line) or a file with
        no cues.
    """
    roster = speakers if isinstance(speakers, RosterLabels) else RosterLabels(speakers)
    lines = text.split("\n")
    units: list[tuple[str | None, str, float, float]] = []
    i = 0
    n = len(lines)
    first_block = True
    header: list[str] = []  # NOTE lines before the first cue: metadata such as "Authority: Northvale"
    while i < n:
        while i < n and not lines[i].strip():
            i += 1
        if i >= n:
            break
        start = i
        while i < n and lines[i].strip():
            i += 1
        block = lines[start:i]
        if first_block and block[0].lstrip().startswith("WEBVTT"):
            first_block = False
            continue
        first_block = False
        if block[0].startswith("NOTE"):
            if not units:
                note = [block[0][4:].strip(), *(b.strip() for b in block[1:])]
                header.extend(line for line in note if line)
            continue
        if block[0].startswith(("STYLE", "REGION")):
            continue
        timing_at = next((k for k in range(min(2, len(block))) if "-->" in block[k]), None)
        if timing_at is None:
            bad = next((k for k, b in enumerate(block) if "-->" in b or "->" in b or _LOOKS_LIKE_TIME.match(b)), None)
            if bad is not None:
                raise InputError(
                    f"broken cue timing {block[bad].strip()!r}; expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'",
                    path=path,
                    line=start + bad + 1,
                )
            raise InputError(
                f"expected a cue timing line ('00:00:01.000 --> 00:00:04.000') in this cue, got {block[0].strip()!r}",
                path=path,
                line=start + 1,
            )
        m = _TIMING.match(block[timing_at])
        if not m:
            raise InputError(
                f"broken cue timing {block[timing_at].strip()!r}; expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'",
                path=path,
                line=start + timing_at + 1,
            )
        a, b = _seconds(m.group("a")), _seconds(m.group("b"))
        payload = "\n".join(block[timing_at + 1 :])
        for speaker, piece in _split_speakers(payload, roster):
            if piece:
                units.append((speaker, piece, a, b))
    if not units:
        raise InputError(f"no captions found in this {fmt.upper()} file", path=path)
    resolved = []
    current = None
    for speaker, piece, a, b in units:
        if speaker is None:
            speaker = current or UNKNOWN_SPEAKER
        current = speaker
        resolved.append((speaker, piece, a, b))
    meta = parse_header(header)
    plain, turns = compose(resolved, joiner=" ", header=header)
    logger.debug("%s: %d cues, %d turns", path or transcript_id, len(units), len(turns))
    return build_corpus(transcript_id, plain, turns, meta=meta, fmt=fmt, source_path=path)

"""The participant roster: who each speaker is.

A roster is a CSV with one row per (transcript, speaker) and columns
``transcript``, ``speaker`` (required), ``participant_id``, ``role``,
``authority``, ``department``, ``method`` (optional) and any others (extra
attributes, appended to the participants table). Headers are matched without
regard to case, spaces or underscores; ``transcript_id`` is accepted for
``transcript``.

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.corpus import Corpus
>>> corpus = Corpus.from_turns("fg1", [("Ann", "unknown", "Yes."), ("Bob", "unknown", "No.")])
>>> roster = pd.DataFrame({"transcript": ["fg1"], "speaker": ["Ann"], "participant_id": ["P01"],
...                        "role": ["Senior practitioner"], "grade": ["8"]})
>>> out = apply_roster(corpus, roster)
>>> out.participants[["participant_id", "speaker", "role", "grade"]].values.tolist()
[['P01', 'Ann', 'senior', '8'], ['fg1_Bob', 'Bob', 'unknown', None]]
>>> print(out.problems[0])
roster: 1 speaker(s) have no roster row: fg1: 'Bob'
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..corpus import Corpus
from ..errors import InputError
from ..safe_tables import restore
from ._turns import default_participant_id
from .checks import MissingSpeakersError, UnknownSpeakersError
from .detect import EXTENSIONS, decode_bytes
from .roles import group_order, normalise_method, role_from_label, study_role

logger = logging.getLogger(__name__)

#: Columns a roster must have.
ROSTER_REQUIRED: tuple[str, ...] = ("transcript", "speaker")
#: Columns a roster may have that fill the schema's participant columns.
ROSTER_KNOWN: tuple[str, ...] = ("transcript", "speaker", "participant_id", "role", "authority", "department", "method")

_ALIASES = {
    "transcript_id": "transcript",
    "file": "transcript",
    "speaker_label": "speaker",
    "label": "speaker",
    "id": "participant_id",
    "participant": "participant_id",
}


def _canon(col: str) -> str:
    c = re.sub(r"[\s\-]+", "_", str(col).strip().lower())
    return _ALIASES.get(c, c)


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x)) or (isinstance(x, str) and not x.strip()) or x is pd.NA


def _objects(values) -> pd.Series:
    """A Series of Python objects (``None`` stays ``None``)."""
    return pd.Series(list(values), dtype=object)


def read_roster(path: str | os.PathLike) -> pd.DataFrame:
    r"""Read a roster CSV into a DataFrame with canonical column names.

    ``role`` is mapped by :func:`~outcomes_qual.ingest.roles.study_role`: a
    social-care role the built-in vocabulary knows becomes one of
    :data:`outcomes_qual.schema.ROLES` ("Team manager" -> ``manager``), any
    other role is one of the study's own groups and is kept as written
    ("R1 faculty"). When the roster has such groups, a ``role_order`` column
    gives each row's group its position in the roster (1 for the first group
    named, and so on; empty for built-in roles), so tables and figures list
    the groups in roster order. The raw text is kept in
    ``frame.attrs["role_raw"]`` and ``method`` is mapped to
    :data:`outcomes_qual.schema.METHODS`. ``frame.attrs["lines"]`` holds each
    row's line number in the file and ``frame.attrs["source_path"]`` the path,
    for messages.

    Raises
    ------
    InputError
        When the file is empty, has no ``transcript`` or ``speaker`` column,
        or a row lacks either value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = p.write_text("Transcript,Speaker,Role\nfg1,Ann,SP\n")
    >>> read_roster(p)[["transcript", "speaker", "role"]].values.tolist()
    [['fg1', 'Ann', 'senior']]
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such roster file; expected a CSV with columns transcript, speaker, role, ...", path=path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError("empty roster file; expected a CSV with columns transcript, speaker, role, ...", path=path)
    text = decode_bytes(data, path=path)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:  # pragma: no cover - checked above
        raise InputError("empty roster file", path=path) from None
    columns = [_canon(h) for h in header]
    missing = [c for c in ROSTER_REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"roster is missing required column(s) {', '.join(repr(m) for m in missing)}; "
            f"expected at least {list(ROSTER_REQUIRED)} (and usually participant_id, role, authority, "
            f"department, method), got {[h.strip() for h in header]}",
            path=path,
            line=1,
        )
    rows, lines = [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if len(row) != len(columns):
            raise InputError(f"expected {len(columns)} fields (as in the header), got {len(row)}", path=path, line=line)
        rows.append([restore(cell.strip()) for cell in row])  # a leading ' before =+-@ is a spreadsheet text marker
        lines.append(line)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame = _tidy(frame, path=str(path), lines=lines)
    return frame


def _tidy(frame: pd.DataFrame, *, path: str, lines: list[int]) -> pd.DataFrame:
    frame = frame.rename(columns=_canon).reset_index(drop=True)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise InputError(f"roster has repeated column(s) {dup}", path=path, line=1)
    missing = [c for c in ROSTER_REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"roster is missing required column(s) {', '.join(repr(m) for m in missing)}; "
            f"expected at least {list(ROSTER_REQUIRED)}, got {list(frame.columns)}",
            path=path,
        )
    frame = frame.copy()
    for col in frame.columns:
        frame[col] = _objects(None if _blank(v) else (v.strip() if isinstance(v, str) else v) for v in frame[col])
    for k, (t, s) in enumerate(zip(frame["transcript"], frame["speaker"], strict=True)):
        if t is None or s is None:
            which = "transcript" if t is None else "speaker"
            raise InputError(f"row has no {which}; every roster row needs transcript and speaker", path=path, line=lines[k])
    # transcript given as a file name: strip a transcript extension
    frame["transcript"] = _objects(
        Path(t).stem if Path(str(t)).suffix.lower() in EXTENSIONS else str(t) for t in frame["transcript"]
    )
    frame["speaker"] = _objects(re.sub(r"\s+", " ", str(s)).strip() for s in frame["speaker"])
    if "role" in frame:
        role_raw = list(frame["role"])
        frame["role"] = _objects(None if _blank(r) else study_role(r) for r in frame["role"])
        order = group_order(frame["role"])
        if order is not None and "role_order" not in frame:
            frame["role_order"] = _objects(order)
    if "method" in frame:
        frame["method"] = _objects(None if _blank(m) else normalise_method(m) for m in frame["method"])
    key = frame["transcript"].str.lower() + "\x00" + frame["speaker"].str.lower()
    repeated = key.duplicated()
    if repeated.any():
        k = int(np.flatnonzero(repeated.to_numpy())[0])
        raise InputError(
            f"transcript {frame['transcript'].iloc[k]!r} speaker {frame['speaker'].iloc[k]!r} appears twice in the roster",
            path=path,
            line=lines[k],
        )
    frame = frame.reset_index(drop=True)
    frame.attrs["role_raw"] = role_raw if "role" in frame else []
    frame.attrs["lines"] = list(lines)
    frame.attrs["source_path"] = path
    frame.attrs["tidy"] = True
    return frame


def _as_roster(roster) -> pd.DataFrame:
    if isinstance(roster, pd.DataFrame):
        if roster.attrs.get("tidy") and len(roster.attrs.get("lines", ())) == len(roster):
            return roster
        lines = list(roster.attrs.get("lines", ()))
        if len(lines) != len(roster):  # a frame built or filtered in memory: number rows as a CSV would
            lines = list(range(2, len(roster) + 2))
        return _tidy(roster.astype(object), path=roster.attrs.get("source_path", "roster"), lines=lines)
    return read_roster(roster)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w and w[0].isalpha()).upper()


def _missing_speakers(roster, index, used, transcripts, *, strict: bool) -> list[MissingSpeakersError]:
    """One warning per transcript whose roster speakers never speak in it (raised when ``strict``)."""
    missing: dict[str, list[str]] = {}
    for (tid, _), k in index.items():
        if k not in used:
            missing.setdefault(tid, []).append(roster["speaker"].iloc[k])
    src = dict(zip(transcripts["transcript_id"], transcripts["source_path"], strict=True))
    out = []
    for tid, names in missing.items():
        err = MissingSpeakersError(
            f"transcript {tid!r}: roster speaker(s) {', '.join(repr(n) for n in names)} never found as a "
            "speaker label at the start of a line; check the transcript's labels or the roster",
            path=src.get(tid) or tid,
        )
        if strict:
            raise err
        logger.warning("%s", err)
        out.append(err)
    return out


def apply_roster(corpus: Corpus, roster, *, strict: bool = False, skip_transcripts=()) -> Corpus:
    """Return ``corpus`` with participants' ids, roles and attributes from ``roster``.

    Roster rows match by transcript id and speaker (case-insensitively; a
    roster speaker given as initials matches a speaker whose name has those
    initials). Roster values win; empty roster cells keep what the transcript
    said (label-implied role, header authority etc.). Transcripts' method,
    authority and department are filled from the roster where the
    transcript's header left them empty.

    Problems are appended to the returned corpus's ``problems``: one
    :class:`InputError` listing roster transcripts that name no transcript
    read (with their first roster lines), one :class:`UnknownSpeakersError`
    listing every speaker with no roster row (facilitators labelled only by
    their role, e.g. ``Facilitator:``, are not listed), and one
    :class:`~outcomes_qual.ingest.checks.MissingSpeakersError` per transcript
    naming its roster speakers who never speak in it.

    Parameters
    ----------
    corpus : Corpus
    roster : str, path or pandas.DataFrame
    strict : bool, default False
        Raise :class:`UnknownSpeakersError` (or :class:`MissingSpeakersError`)
        instead of recording it.
    skip_transcripts : iterable of str
        Transcript ids whose files failed to read; their rows are not
        reported as unknown.

    Raises
    ------
    InputError
        For an unreadable roster, or unknown speakers when ``strict``.
    """
    roster = _as_roster(roster)
    path = roster.attrs.get("source_path", "roster")
    lines = roster.attrs.get("lines", list(range(2, len(roster) + 2)))
    extras = [c for c in roster.columns if c not in ROSTER_KNOWN]
    problems = list(corpus.problems)

    known = {t.lower(): t for t in corpus.transcripts["transcript_id"]}
    skip = {s.lower() for s in skip_transcripts}
    unknown: dict[str, tuple[str, int]] = {}  # lower-case id -> (as written, first line)
    index: dict[tuple[str, str], int] = {}
    for k, (t, s) in enumerate(zip(roster["transcript"], roster["speaker"], strict=True)):
        tid = t if t in known.values() else known.get(t.lower())
        if tid is None:
            if t.lower() not in skip:
                unknown.setdefault(t.lower(), (t, lines[k]))
            continue
        index[(tid, s.lower())] = k
    if unknown:
        (t0, line0), *more = unknown.values()
        expected = f"expected one of {sorted(known.values())[:10]}"
        if not more:
            message = f"roster names transcript {t0!r}, which was not read; {expected}"
        else:
            listing = ", ".join(f"{t!r} (line {n})" for t, n in unknown.values())
            message = f"roster names {len(unknown)} transcripts that were not read: {listing}; {expected}"
        problems.append(InputError(message, path=path, line=line0))

    participants = corpus.participants.copy()
    for col in extras:
        participants[col] = pd.Series([None] * len(participants), dtype=object)
    for col in ("participant_id", "role", "authority", "department", "method"):
        participants[col] = participants[col].astype(object)
    unmatched: list[tuple[str, str]] = []
    used: set[int] = set()
    for i, row in participants.iterrows():
        tid, speaker = row["transcript_id"], str(row["speaker"])
        hit = index.get((tid, speaker.lower()))
        if hit is None:
            hit = index.get((tid, _initials(speaker).lower())) if len(speaker.split()) > 1 else None
        if hit is None:
            if role_from_label(speaker) != "facilitator":
                unmatched.append((tid, speaker))
            continue
        used.add(hit)
        r = roster.iloc[hit]
        pid = r.get("participant_id")
        participants.at[i, "participant_id"] = pid if not _blank(pid) else default_participant_id(tid, speaker)
        for col in ("role", "authority", "department", "method"):
            if col in roster.columns and not _blank(r[col]):
                participants.at[i, col] = r[col]
        for col in extras:
            participants.at[i, col] = None if _blank(r[col]) else r[col]

    transcripts = corpus.transcripts.copy()
    for col in ("method", "authority", "department"):
        transcripts[col] = transcripts[col].astype(object)
        if col not in roster.columns:
            continue
        for i, tid in transcripts["transcript_id"].items():
            if not _blank(transcripts.at[i, col]):
                continue
            values = participants.loc[participants["transcript_id"] == tid, col].dropna()
            if len(values):
                transcripts.at[i, col] = values.mode().iloc[0]
    # participants without roster values take the transcript's
    tr = transcripts.set_index("transcript_id")
    for col in ("method", "authority", "department"):
        fill = participants["transcript_id"].map(tr[col])
        participants[col] = participants[col].where(participants[col].notna(), fill).astype(object)

    segments = corpus.segments.copy()
    key = dict(zip(zip(participants["transcript_id"], participants["speaker"], strict=True), participants.index, strict=True))
    rows = [key[(t, s)] for t, s in zip(segments["transcript_id"], segments["speaker"], strict=True)]
    segments["participant_id"] = participants.loc[rows, "participant_id"].to_numpy() if rows else []
    segments["role"] = participants.loc[rows, "role"].to_numpy() if rows else []

    if unmatched:
        by_t: dict[str, list[str]] = {}
        for tid, s in unmatched:
            by_t.setdefault(tid, []).append(repr(s))
        spare: dict[str, list[str]] = {}
        for (tid, _), k in index.items():
            if k not in used:
                spare.setdefault(tid, []).append(repr(roster["speaker"].iloc[k]))
        listing = "; ".join(
            f"{t}: {', '.join(v)}" + (f" (roster rows with no turns: {', '.join(spare[t])})" if t in spare else "")
            for t, v in by_t.items()
        )
        err = UnknownSpeakersError(f"{len(unmatched)} speaker(s) have no roster row: {listing}", path=path)
        if strict:
            raise err
        logger.warning("%s", err)
        problems.append(err)
    problems.extend(_missing_speakers(roster, index, used, transcripts, strict=strict))
    return Corpus(transcripts, participants, segments, dict(corpus.texts), problems)

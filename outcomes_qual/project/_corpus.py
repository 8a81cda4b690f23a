"""Corpus tables of a project: transcripts with their text, participants, segments, rosters.

Mixed into :class:`outcomes_qual.project.Project`; see there for examples.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import sqlite3
from collections import Counter
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import schema
from ..corpus import Corpus
from ..errors import InputError
from ._values import dump_extra, is_missing, load_extra, sql_value

logger = logging.getLogger(__name__)

_ROSTER_ATTRS = ("participant_id", "role", "authority", "department", "method")


class CorpusMixin:
    """Adding and reading the corpus of a :class:`~outcomes_qual.project.Project`."""

    if TYPE_CHECKING:  # provided by Project (store.py)
        path: Path

        @property
        def conn(self) -> sqlite3.Connection:
            """The open SQLite connection."""

        def _transaction(self, kind: str, description: str, actor: str | None = None) -> AbstractContextManager[Any]: ...

        def _record_change(self, tx: Any, table: str, key_column: str, key: Any, column: str, old: Any) -> None: ...

    def add_corpus(self, corpus: Corpus) -> None:
        r"""Add a corpus's transcripts (with text), participants and segments.

        Line ends are stored as ``\n`` (a ``\r\n`` or lone ``\r`` in a text
        becomes ``\n`` and segment offsets move with it), so that offsets are
        those of the text a browser shows; the corpus given is not modified.

        Raises
        ------
        InputError
            If a transcript is already in the project, a segment id repeats, a
            transcript has no text, or a segment's offsets do not give its text.
            Nothing is added then.
        """
        for name, frame, cols in (
            ("transcripts", corpus.transcripts, schema.TRANSCRIPT_COLUMNS),
            ("participants", corpus.participants, schema.PARTICIPANT_COLUMNS),
            ("segments", corpus.segments, schema.SEGMENT_COLUMNS),
        ):
            try:
                schema.check_columns(frame, cols, name=f"corpus.{name}")
            except ValueError as err:
                raise InputError(str(err)) from None
        tids = [str(t) for t in corpus.transcripts["transcript_id"]]
        if not tids:
            logger.info("add_corpus: the corpus has no transcripts; nothing added")
            return
        dup = sorted(t for t, n in Counter(tids).items() if n > 1)
        if dup:
            raise InputError(f"corpus.transcripts: transcript_id repeated: {dup[:5]}")
        missing_text = [t for t in tids if t not in corpus.texts]
        if missing_text:
            raise InputError(f"corpus.texts: no text for transcript(s) {missing_text[:5]}")
        seg = corpus.segments
        for name, frame in (("segments", seg), ("participants", corpus.participants)):
            unknown = sorted(set(frame["transcript_id"].astype(str)) - set(tids))
            if unknown:
                raise InputError(f"corpus.{name}: transcript_id(s) not in corpus.transcripts: {unknown[:5]}")
        offsets = seg[["segment_id", "transcript_id", "start_char", "end_char", "text"]]
        for sid, tid, start, end, seg_text in offsets.itertuples(index=False, name=None):
            text = corpus.texts[str(tid)]
            if text[int(start) : int(end)] != seg_text:
                raise InputError(f"corpus.segments: offsets of {sid} ({start}:{end}) do not give its text {str(seg_text)[:40]!r}")

        texts, seg = _normalise_line_ends(corpus.texts, seg, tids)

        t_extra = [c for c in corpus.transcripts.columns if c not in schema.TRANSCRIPT_COLUMNS]
        p_extra = [c for c in corpus.participants.columns if c not in schema.PARTICIPANT_COLUMNS]
        s_extra = [c for c in seg.columns if c not in schema.SEGMENT_COLUMNS]
        desc = f"add_corpus: {len(tids)} transcript(s), {len(seg)} segment(s)"
        with self._transaction("add_corpus", desc) as tx:
            conn = self.conn
            have = {r[0] for r in conn.execute("SELECT transcript_id FROM transcripts")}
            clash = sorted(set(tids) & have)
            if clash:
                raise InputError(
                    f"transcript(s) already in the project: {clash[:5]}; rename the file(s) or use a new project",
                    path=self.path,
                )
            have_seg = {r[0] for r in conn.execute("SELECT segment_id FROM segments")}
            ids = seg["segment_id"].astype(str)
            rep = sorted(set(ids[ids.duplicated()]) | (set(ids) & have_seg))
            if rep:
                raise InputError(f"segment_id already used: {rep[:5]}", path=self.path)
            for rec in corpus.transcripts.to_dict("records"):
                tid = str(rec["transcript_id"])
                conn.execute(
                    "INSERT INTO transcripts(transcript_id, source_path, format, method, authority, department, "
                    "date, n_turns, text, extra, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        tid,
                        *(sql_value(rec[c]) for c in schema.TRANSCRIPT_COLUMNS[1:]),
                        texts[tid],
                        dump_extra(rec, t_extra),
                        tx.action_id,
                    ),
                )
            conn.executemany(
                "INSERT INTO participants(participant_id, transcript_id, speaker, role, authority, department, "
                "method, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (*(sql_value(rec[c]) for c in schema.PARTICIPANT_COLUMNS), dump_extra(rec, p_extra))
                    for rec in corpus.participants.to_dict("records")
                ],
            )
            start = conn.execute("SELECT coalesce(max(seq), 0) FROM segments").fetchone()[0]
            conn.executemany(
                "INSERT INTO segments(segment_id, transcript_id, turn, speaker, participant_id, role, text, "
                "start_char, end_char, start_s, end_s, extra, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (*(sql_value(rec[c]) for c in schema.SEGMENT_COLUMNS), dump_extra(rec, s_extra), start + i)
                    for i, rec in enumerate(seg.to_dict("records"), start=1)
                ],
            )
        logger.info("%s: %s", self.path, desc)

    def add_roster(self, roster: pd.DataFrame | str | os.PathLike) -> int:
        """Apply a roster to participants already in the project; return how many changed.

        Parameters
        ----------
        roster : DataFrame or path
            Columns ``transcript`` (or ``transcript_id``) and ``speaker``, then
            any of participant_id, role, authority, department, method and other
            attributes. A path is read with :func:`outcomes_qual.ingest.read_roster`
            when available, else as CSV.

        Notes
        -----
        Rows naming a transcript or speaker not in the project are listed in
        one warning. Segments of an updated speaker take the new participant_id
        and role. Undo restores the previous values.
        """
        source = None
        if not isinstance(roster, pd.DataFrame):
            source = Path(roster)
            from ..ingest import read_roster

            roster = read_roster(source)
        roster = roster.rename(columns={"transcript": "transcript_id"})
        for col in ("transcript_id", "speaker"):
            if col not in roster.columns:
                raise InputError(
                    f"roster: missing column {col!r}; expected transcript, speaker, participant_id, role, ...; "
                    f"got {list(roster.columns)}",
                    path=source,
                )
        if "role" in roster.columns:
            from ..ingest.roles import study_role

            roles: list[Any] = [None if is_missing(r) or r == "" else study_role(str(r)) for r in roster["role"]]
            roster = roster.assign(role=roles)
        attrs = [c for c in _ROSTER_ATTRS if c in roster.columns]
        extra_cols = [c for c in roster.columns if c not in ("transcript_id", "speaker", *_ROSTER_ATTRS)]
        updated, seg_changes, unmatched = 0, 0, []
        with self._transaction("add_roster", f"add_roster: {len(roster)} row(s)") as tx:
            conn = self.conn
            for rec in roster.to_dict("records"):
                tid, speaker = str(rec["transcript_id"]), str(rec["speaker"])
                rows = conn.execute(
                    "SELECT pid, participant_id, role, authority, department, method, extra FROM participants "
                    "WHERE transcript_id = ? AND lower(speaker) = lower(?)",
                    (tid, speaker),
                ).fetchall()
                if not rows:
                    unmatched.append(f"{tid}/{speaker}")
                    continue
                for pid, *old in rows:
                    old_vals = dict(
                        zip(("participant_id", "role", "authority", "department", "method", "extra"), old, strict=True)
                    )
                    changed = False
                    for col in attrs:
                        new = sql_value(rec[col])
                        if new == "":
                            new = None
                        if new != old_vals[col]:
                            self._record_change(tx, "participants", "pid", pid, col, old_vals[col])
                            conn.execute(f"UPDATE participants SET {col} = ? WHERE pid = ?", (new, pid))
                            changed = True
                    if extra_cols:
                        merged = load_extra(old_vals["extra"])
                        merged.update(load_extra(dump_extra(rec, extra_cols)))
                        new_extra = json.dumps(merged, ensure_ascii=False)
                        if merged != load_extra(old_vals["extra"]):
                            self._record_change(tx, "participants", "pid", pid, "extra", old_vals["extra"])
                            conn.execute("UPDATE participants SET extra = ? WHERE pid = ?", (new_extra, pid))
                            changed = True
                    updated += changed
                seg_cols = [c for c in ("participant_id", "role") if c in attrs and not is_missing(rec[c])]
                for sid, *old in conn.execute(
                    "SELECT segment_id, participant_id, role FROM segments WHERE transcript_id = ? AND lower(speaker) = lower(?)",
                    (tid, speaker),
                ).fetchall():
                    old_vals = dict(zip(("participant_id", "role"), old, strict=True))
                    for col in seg_cols:
                        new = sql_value(rec[col])
                        if new != old_vals[col]:
                            self._record_change(tx, "segments", "segment_id", sid, col, old_vals[col])
                            conn.execute(f"UPDATE segments SET {col} = ? WHERE segment_id = ?", (new, sid))
                            seg_changes += 1
            tx.noop = updated == 0 and seg_changes == 0
        if unmatched:
            logger.warning(
                "%s: %d roster row(s) match no speaker in the project: %s",
                source or "roster",
                len(unmatched),
                ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else ""),
            )
        return updated

    def _table_with_extra(self, sql: str, columns: tuple[str, ...]) -> pd.DataFrame:
        rows = self.conn.execute(sql).fetchall()
        if not rows:
            return schema.empty_frame(columns)
        records, extra_names = [], []
        for row in rows:
            rec = dict(zip(columns, row[:-1], strict=True))
            extra = load_extra(row[-1])
            for k in extra:
                if k not in extra_names:
                    extra_names.append(k)
            rec.update(extra)
            records.append(rec)
        return pd.DataFrame.from_records(records, columns=list(columns) + extra_names)

    def transcripts(self) -> pd.DataFrame:
        """Transcripts table (:data:`schema.TRANSCRIPT_COLUMNS`, then any extra columns)."""
        cols = schema.TRANSCRIPT_COLUMNS
        frame = self._table_with_extra(f"SELECT {', '.join(cols)}, extra FROM transcripts ORDER BY rowid", cols)
        if len(frame) and frame["n_turns"].notna().all():
            frame["n_turns"] = frame["n_turns"].astype("int64")
        return frame

    def participants(self) -> pd.DataFrame:
        """Participants table (:data:`schema.PARTICIPANT_COLUMNS`, then roster attributes)."""
        cols = schema.PARTICIPANT_COLUMNS
        return self._table_with_extra(f"SELECT {', '.join(cols)}, extra FROM participants ORDER BY pid", cols)

    def segments(self) -> pd.DataFrame:
        """Segments table (:data:`schema.SEGMENT_COLUMNS`), in transcript and turn order."""
        cols = schema.SEGMENT_COLUMNS
        frame = self._table_with_extra(f"SELECT {', '.join(cols)}, extra FROM segments ORDER BY seq", cols)
        if len(frame):
            for col in ("turn", "start_char", "end_char"):
                frame[col] = frame[col].astype("int64")
            for col in ("start_s", "end_s"):
                frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        return frame

    def texts(self) -> dict[str, str]:
        """Normalised plain text per transcript_id."""
        return dict(self.conn.execute("SELECT transcript_id, text FROM transcripts ORDER BY rowid").fetchall())

    def corpus(self) -> Corpus:
        """The project's corpus, exactly as it was added (texts, offsets, attributes)."""
        return Corpus(self.transcripts(), self.participants(), self.segments(), self.texts())


def _normalise_line_ends(texts: dict, segments: pd.DataFrame, tids) -> tuple[dict, pd.DataFrame]:
    r"""Texts with ``\r\n`` and lone ``\r`` as ``\n``, and segments with their offsets and text moved to match.

    Examples
    --------
    >>> seg = pd.DataFrame({"transcript_id": ["t", "t"], "start_char": [3, 10], "end_char": [8, 13],
    ...                     "text": ["ab\r\nc", "xyz"]})
    >>> texts, out = _normalise_line_ends({"t": "A:\rab\r\nc\r\nxyz"}, seg, ["t"])
    >>> texts["t"], out[["start_char", "end_char", "text"]].values.tolist()
    ('A:\nab\nc\nxyz', [[3, 7, 'ab\nc'], [8, 11, 'xyz']])
    """
    changed = {t: texts[t] for t in tids if "\r" in texts[t]}
    if not changed:
        return texts, segments
    out_texts = dict(texts)
    segments = segments.copy()
    for tid, text in changed.items():
        crs = [i for i in range(len(text) - 1) if text[i] == "\r" and text[i + 1] == "\n"]  # dropped characters
        out_texts[tid] = text.replace("\r\n", "\n").replace("\r", "\n")
        rows = segments["transcript_id"].astype(str) == tid
        for col in ("start_char", "end_char"):
            segments.loc[rows, col] = [int(v) - bisect.bisect_left(crs, int(v)) for v in segments.loc[rows, col]]
        segments.loc[rows, "text"] = [
            out_texts[tid][int(a) : int(b)]
            for a, b in zip(segments.loc[rows, "start_char"], segments.loc[rows, "end_char"], strict=True)
        ]
    return out_texts, segments

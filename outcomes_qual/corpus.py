"""The corpus: transcripts, participants and segments as tidy DataFrames.

A :class:`Corpus` is what every reader produces and every later stage
(coding, analysis, topics, report, project, exchange) consumes. Its three
tables follow :mod:`outcomes_qual.schema`; ``texts`` holds each transcript's
normalised plain text so that, for every segment,
``texts[transcript_id][start_char:end_char] == text``.

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.corpus import Corpus
>>> corpus = Corpus.from_turns(
...     "fg1",
...     [("Facilitator", "facilitator", "What has changed?"),
...      ("Ann", "practitioner", "We talk about what matters now.")],
... )
>>> corpus.segments[["segment_id", "role", "start_char", "end_char"]].values.tolist()
[['fg1:001', 'facilitator', 0, 17], ['fg1:002', 'practitioner', 18, 49]]
>>> corpus.check()
>>> len(corpus.analysed_segments())
1
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import schema
from .errors import InputError

logger = logging.getLogger(__name__)


def make_segment_id(transcript_id: str, turn: int) -> str:
    """Return the segment id of ``turn`` (1-based) in ``transcript_id``.

    Examples
    --------
    >>> make_segment_id("fg1", 7)
    'fg1:007'
    """
    return f"{transcript_id}:{turn:03d}"


@dataclass
class Corpus:
    """Transcripts, participants and segments, plus each transcript's text.

    Parameters
    ----------
    transcripts, participants, segments : pandas.DataFrame
        Tables with the columns of :data:`schema.TRANSCRIPT_COLUMNS`,
        :data:`schema.PARTICIPANT_COLUMNS` (extra roster columns may follow)
        and :data:`schema.SEGMENT_COLUMNS`.
    texts : dict of str to str
        Normalised plain text per transcript_id.
    problems : list of InputError
        Files or rows that could not be read (a batch goes on past them).
    reads : list
        What each consultation read decided and counted
        (:class:`outcomes_qual.ingest.ReadReport`, one per consultation file).
    """

    transcripts: pd.DataFrame
    participants: pd.DataFrame
    segments: pd.DataFrame
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)
    reads: list = field(default_factory=list)

    # ------------------------------------------------------------------ build
    @classmethod
    def empty(cls) -> "Corpus":
        """Return a corpus with no transcripts."""
        return cls(
            schema.empty_frame(schema.TRANSCRIPT_COLUMNS),
            schema.empty_frame(schema.PARTICIPANT_COLUMNS),
            schema.empty_frame(schema.SEGMENT_COLUMNS),
            {},
        )

    @classmethod
    def from_turns(
        cls,
        transcript_id: str,
        turns: Sequence[tuple[str, str, str]],
        *,
        method: str = "focus_group",
        authority: str | None = None,
        department: str | None = None,
    ) -> "Corpus":
        r"""Build a one-transcript corpus from ``(speaker, role, text)`` turns.

        The plain text is the turns' texts joined by newlines. Handy for tests
        and notebooks; readers build corpora from files.

        Examples
        --------
        >>> c = Corpus.from_turns("t", [("A", "manager", "Hello."), ("B", "senior", "Hi.")])
        >>> c.texts["t"]
        'Hello.\nHi.'
        """
        parts: list[str] = []
        rows, pos = [], 0
        for i, (speaker, role, text) in enumerate(turns, start=1):
            if parts:
                pos += 1
            rows.append(
                {
                    "segment_id": make_segment_id(transcript_id, i),
                    "transcript_id": transcript_id,
                    "turn": i,
                    "speaker": speaker,
                    "participant_id": f"{transcript_id}_{speaker}",
                    "role": role,
                    "text": text,
                    "start_char": pos,
                    "end_char": pos + len(text),
                    "start_s": np.nan,
                    "end_s": np.nan,
                }
            )
            parts.append(text)
            pos += len(text)
        segments = pd.DataFrame(rows, columns=list(schema.SEGMENT_COLUMNS))
        people = segments.drop_duplicates("speaker")
        participants = pd.DataFrame(
            {
                "participant_id": people["participant_id"],
                "transcript_id": transcript_id,
                "speaker": people["speaker"],
                "role": people["role"],
                "authority": authority,
                "department": department,
                "method": method,
            },
            columns=list(schema.PARTICIPANT_COLUMNS),
        ).reset_index(drop=True)
        transcripts = pd.DataFrame(
            [
                {
                    "transcript_id": transcript_id,
                    "source_path": None,
                    "format": "inline",
                    "method": method,
                    "authority": authority,
                    "department": department,
                    "date": None,
                    "n_turns": len(rows),
                }
            ],
            columns=list(schema.TRANSCRIPT_COLUMNS),
        )
        return cls(transcripts, participants, segments, {transcript_id: "\n".join(parts)})

    @classmethod
    def concat(cls, corpora: Iterable["Corpus"]) -> "Corpus":
        """Join corpora (transcript ids must not repeat).

        Raises
        ------
        ValueError
            If a transcript_id appears in more than one corpus.
        """
        corpora = list(corpora)
        if not corpora:
            return cls.empty()
        texts: dict[str, str] = {}
        problems: list[InputError] = []
        reads: list = []
        for c in corpora:
            dup = set(texts) & set(c.texts)
            if dup:
                raise ValueError(f"transcript_id repeated across corpora: {sorted(dup)}")
            texts.update(c.texts)
            problems.extend(c.problems)
            reads.extend(c.reads)

        def cat(frames: list[pd.DataFrame], cols: Sequence[str]) -> pd.DataFrame:
            frames = [f for f in frames if len(f)]
            if not frames:
                return schema.empty_frame(cols)
            return pd.concat(frames, ignore_index=True, sort=False)

        return cls(
            cat([c.transcripts for c in corpora], schema.TRANSCRIPT_COLUMNS),
            cat([c.participants for c in corpora], schema.PARTICIPANT_COLUMNS),
            cat([c.segments for c in corpora], schema.SEGMENT_COLUMNS),
            texts,
            problems,
            reads,
        )

    # ------------------------------------------------------------------ query
    def analysed_segments(self, *, include_facilitator: bool = False) -> pd.DataFrame:
        """Return segments that are data: facilitator turns excluded by default."""
        seg = self.segments
        if include_facilitator:
            return seg.copy()
        return seg[seg["role"] != "facilitator"].reset_index(drop=True)

    def subset(self, transcript_ids: Iterable[str]) -> "Corpus":
        """Return the corpus restricted to ``transcript_ids``."""
        keep = set(transcript_ids)
        return Corpus(
            self.transcripts[self.transcripts["transcript_id"].isin(keep)].reset_index(drop=True),
            self.participants[self.participants["transcript_id"].isin(keep)].reset_index(drop=True),
            self.segments[self.segments["transcript_id"].isin(keep)].reset_index(drop=True),
            {k: v for k, v in self.texts.items() if k in keep},
            list(self.problems),
            list(self.reads),
        )

    def segment_context(self) -> pd.DataFrame:
        """Segments joined with their transcript's method, authority and department.

        Participant attributes from the roster win over the transcript's.
        """
        seg = self.segments.copy()
        tr = self.transcripts.set_index("transcript_id")
        for col in ("method", "authority", "department"):
            seg[col] = seg["transcript_id"].map(tr[col]) if len(tr) else None
        if len(self.participants):
            part = self.participants.drop_duplicates("participant_id").set_index("participant_id")
            for col in ("authority", "department", "method"):
                if col in part:
                    from_roster = seg["participant_id"].map(part[col])
                    seg[col] = from_roster.where(from_roster.notna(), seg[col])
        return seg

    def check(self) -> None:
        """Assert the offsets invariant and the declared columns.

        Raises
        ------
        AssertionError
            If a segment's text is not ``texts[transcript_id][start_char:end_char]``.
        """
        schema.check_columns(self.segments, schema.SEGMENT_COLUMNS, name="segments")
        schema.check_columns(self.transcripts, schema.TRANSCRIPT_COLUMNS, name="transcripts")
        schema.check_columns(self.participants, schema.PARTICIPANT_COLUMNS, name="participants")
        offsets = self.segments[["segment_id", "transcript_id", "start_char", "end_char", "text"]]
        for sid, tid, start, end, seg_text in offsets.itertuples(index=False, name=None):
            got = self.texts[tid][int(start) : int(end)]
            assert got == seg_text, f"{sid}: offsets give {got!r}, text is {seg_text!r}"
        ids = self.segments["segment_id"]
        assert ids.is_unique, f"segment_id not unique: {ids[ids.duplicated()].tolist()[:5]}"

    def __repr__(self) -> str:
        # People, not roster rows: a facilitator has a row per transcript, and facilitators
        # are counted apart, as in the demo summary and the report (participants = who was asked).
        part = self.participants
        is_fac = part["role"].eq("facilitator")

        def people(rows: pd.DataFrame) -> int:
            ids = rows["participant_id"]
            return int(ids.dropna().nunique() + ids.isna().sum())

        return (
            f"Corpus({len(self.transcripts)} transcripts, {people(part[~is_fac])} participants "
            f"and {people(part[is_fac])} facilitator(s), {len(self.segments)} segments, {len(self.problems)} problems)"
        )

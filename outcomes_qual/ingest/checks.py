"""Checks on what was read: per-transcript counts and collapsed transcripts.

A transcript whose speaker labels were not recognised does not fail to read:
its talk piles up in the turn of the last speaker who *was* recognised. Half
a study can vanish that way, so every read is measured per transcript (turns,
speakers, words, the largest turn's share of the words) and a transcript
whose words sit in one turn is reported.

The collapse rule (:func:`collapse_reason`), for transcripts read from
labelled formats (txt, docx, vtt, srt) with at least :data:`MIN_WORDS` words:

- the largest turn holds more than :data:`MAX_SHARE` (half) of the words; or
- the transcript has at least 3 turns and the largest turn has at least
  :data:`MIN_LONG_WORDS` words and more than :data:`MAX_MEDIAN_RATIO` times
  the median turn's words.

On the shipped sample transcripts the largest turn holds 4-20% of the words
and at most 7 times the median; a recorded webinar with a 1,659-word
presentation holds 39% and 17 times the median, below both bars.

Examples
--------
>>> collapse_reason([5000])
'one turn holds 100% of the 5000 words'
>>> collapse_reason([30, 25, 40, 2000, 35])
'one turn holds 94% of the 2130 words'
>>> collapse_reason([20] * 100 + [1500])
'one turn of 1500 words is 75 times the median turn (20 words)'
>>> collapse_reason([30, 25, 40, 120, 35]) is None
True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

logger = logging.getLogger(__name__)

#: Transcripts with fewer words are never reported as collapsed.
MIN_WORDS = 200
#: Largest turn's share of the words above which a transcript is collapsed.
MAX_SHARE = 0.5
#: Largest turn / median turn (in words) above which a transcript is collapsed ...
MAX_MEDIAN_RATIO = 20.0
#: ... when that turn has at least this many words.
MIN_LONG_WORDS = 1000
#: Formats whose turns come from speaker labels (tables give one row per response).
LABELLED_FORMATS: frozenset[str] = frozenset({"txt", "docx", "vtt", "srt"})

#: Columns of :func:`transcript_counts`.
COUNT_COLUMNS: tuple[str, ...] = (
    "transcript_id",
    "format",
    "turns",
    "speakers",
    "words",
    "largest_turn_words",
    "largest_turn_share",
    "collapsed",
)


class UnknownSpeakersError(InputError):
    """A speaker problem: a warning (kept in ``corpus.problems`` and logged) unless ``strict=True``.

    Raised or recorded for speakers with no roster row; its subclasses for
    roster speakers never found in their transcript
    (:class:`MissingSpeakersError`) and for collapsed transcripts
    (:class:`CollapsedTranscriptError`). Command-line tools report all of them
    as warnings, not as files that failed.
    """


class MissingSpeakersError(UnknownSpeakersError):
    """Roster speakers never found as a label in their transcript."""


class CollapsedTranscriptError(UnknownSpeakersError):
    """A transcript whose words sit in one turn (see :func:`collapse_reason`)."""


def word_count(text: str) -> int:
    r"""Number of whitespace-separated words in ``text``.

    Examples
    --------
    >>> word_count("We plan  together.\nYes.")
    4
    """
    return len(str(text).split())


def collapse_reason(turn_words: Sequence[int]) -> str | None:
    """Why a transcript with these per-turn word counts looks collapsed, or ``None``.

    See the module docstring for the rule.
    """
    words = np.asarray(list(turn_words), dtype=float)
    total = float(words.sum()) if len(words) else 0.0
    if total < MIN_WORDS:
        return None
    largest = float(words.max())
    if largest / total > MAX_SHARE:
        return f"one turn holds {100 * largest / total:.0f}% of the {int(total)} words"
    median = float(np.median(words))
    if len(words) >= 3 and largest >= MIN_LONG_WORDS and largest > MAX_MEDIAN_RATIO * max(median, 1.0):
        return f"one turn of {int(largest)} words is {largest / max(median, 1.0):.0f} times the median turn ({median:.0f} words)"
    return None


def transcript_counts(corpus) -> pd.DataFrame:
    """Per-transcript counts: turns, speakers, words and the largest turn's share.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COUNT_COLUMNS`, one row per transcript in the corpus's
        order; ``collapsed`` is True when :func:`collapse_reason` reports the
        transcript (labelled formats only).

    Examples
    --------
    >>> from outcomes_qual.corpus import Corpus
    >>> c = Corpus.from_turns("fg1", [("Facilitator", "facilitator", "What helps?"), ("Ann", "unknown", "Time to talk.")])
    >>> transcript_counts(c).to_dict("records")
    [{'transcript_id': 'fg1', 'format': 'inline', 'turns': 2, 'speakers': 2, 'words': 5, 'largest_turn_words': 3,
    'largest_turn_share': 0.6, 'collapsed': False}]
    """
    seg = corpus.segments
    rows = []
    fmt = dict(zip(corpus.transcripts["transcript_id"], corpus.transcripts["format"], strict=True))
    groups = {t: g for t, g in seg.groupby("transcript_id", sort=False)} if len(seg) else {}
    for tid in corpus.transcripts["transcript_id"]:
        g = groups.get(tid)
        words = [word_count(t) for t in g["text"]] if g is not None else []
        total = int(sum(words))
        largest = int(max(words)) if words else 0
        rows.append(
            {
                "transcript_id": tid,
                "format": fmt.get(tid),
                "turns": len(words),
                "speakers": int(g["speaker"].nunique()) if g is not None else 0,
                "words": total,
                "largest_turn_words": largest,
                "largest_turn_share": largest / total if total else 0.0,
                "collapsed": bool(fmt.get(tid) in LABELLED_FORMATS and collapse_reason(words) is not None),
            }
        )
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def check_collapse(corpus, *, path: str | None = None, strict: bool = False) -> list[CollapsedTranscriptError]:
    """Return a :class:`CollapsedTranscriptError` per collapsed transcript of ``corpus`` (raise the first when ``strict``).

    Only transcripts read from labelled formats (:data:`LABELLED_FORMATS`) are checked.
    """
    out: list[CollapsedTranscriptError] = []
    fmt = dict(zip(corpus.transcripts["transcript_id"], corpus.transcripts["format"], strict=True))
    src = dict(zip(corpus.transcripts["transcript_id"], corpus.transcripts["source_path"], strict=True))
    for tid, g in corpus.segments.groupby("transcript_id", sort=False):
        if fmt.get(tid) not in LABELLED_FORMATS:
            continue
        reason = collapse_reason([word_count(t) for t in g["text"]])
        if reason is None:
            continue
        err = CollapsedTranscriptError(
            f"transcript {tid!r} looks collapsed: {reason} ({len(g)} turn(s), {g['speaker'].nunique()} speaker(s)); "
            "speaker labels were probably not recognised: name the speakers in a --roster, or check the labels",
            path=path or src.get(tid) or tid,
        )
        if strict:
            raise err
        out.append(err)
    return out


def counts_report(corpus, *, limit: int = 40) -> str:
    """The counts table the CLI prints: transcripts read from labelled formats only, or ``""``.

    Responses and consultations (one row per answer) have no speaker labels
    to lose, so they are left out.
    """
    counts = transcript_counts(corpus)
    counts = counts[counts["format"].isin(LABELLED_FORMATS)].reset_index(drop=True)
    return format_counts(counts, limit=limit)


def format_counts(counts: pd.DataFrame, *, limit: int = 40) -> str:
    """A compact text table of :func:`transcript_counts` (collapsed transcripts marked ``<- collapsed?``).

    With more than ``limit`` transcripts, the first ``limit`` and every
    collapsed one are shown, then how many were left out.

    Examples
    --------
    >>> t = pd.DataFrame([["fg1", "txt", 2, 2, 5, 3, 0.6, False], ["fg2", "txt", 1, 1, 900, 900, 1.0, True]],
    ...                  columns=list(COUNT_COLUMNS))
    >>> print(format_counts(t))
    transcript  turns  speakers  words  largest turn
    fg1             2         2      5           60%
    fg2             1         1    900          100%  <- collapsed?
    """
    if not len(counts):
        return ""
    shown = counts if len(counts) <= limit else counts[(counts.index < limit) | counts["collapsed"]]
    width = max(len("transcript"), *(len(str(t)) for t in shown["transcript_id"]))
    lines = [f"{'transcript':<{width}}  turns  speakers  words  largest turn"]
    for r in shown.to_dict("records"):
        line = (
            f"{str(r['transcript_id']):<{width}}  {r['turns']:>5}  {r['speakers']:>8}  {r['words']:>5}  "
            f"{100 * r['largest_turn_share']:>11.0f}%"
        )
        if r["collapsed"]:
            line += "  <- collapsed?"
        lines.append(line)
    if len(shown) < len(counts):
        lines.append(f"... and {len(counts) - len(shown)} more transcript(s)")
    return "\n".join(lines)

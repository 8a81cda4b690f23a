"""The tidy data contract: every table's column names and order, declared once.

Data flows one way, files -> corpus -> codings -> tables -> report, and each
stage hands the next a pandas DataFrame whose columns are listed here. Other
modules import these tuples instead of spelling column names again.

Examples
--------
>>> from outcomes_qual import schema
>>> schema.SEGMENT_COLUMNS[:3]
('segment_id', 'transcript_id', 'turn')
>>> empty = schema.empty_frame(schema.CODING_COLUMNS)
>>> list(empty.columns) == list(schema.CODING_COLUMNS)
True
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Participant roles, in the order tables and figures show them.
ROLES: tuple[str, ...] = (
    "practitioner",
    "senior",
    "manager",
    "mentor",
    "facilitator",
    "other",
    "unknown",
)

#: Roles whose turns are data (facilitator turns are kept but excluded by default).
ANALYSED_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != "facilitator")

#: Data-collection methods.
METHODS: tuple[str, ...] = ("focus_group", "interview", "meeting", "phone", "other")

#: One row per transcript.
TRANSCRIPT_COLUMNS: tuple[str, ...] = (
    "transcript_id",
    "source_path",
    "format",
    "method",
    "authority",
    "department",
    "date",
    "n_turns",
)

#: One row per (transcript, speaker); extra roster columns follow these.
PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "transcript_id",
    "speaker",
    "role",
    "authority",
    "department",
    "method",
)

#: One row per speaker turn. ``plain_text[start_char:end_char] == text``.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "transcript_id",
    "turn",
    "speaker",
    "participant_id",
    "role",
    "text",
    "start_char",
    "end_char",
    "start_s",
    "end_s",
)

#: Columns a consultation's segments carry after :data:`SEGMENT_COLUMNS`: the
#: question's short key (``q1``, ``n2``, ``open_7``) and the question as written.
#: Every export of segments keeps them when present (``question`` x theme tables).
QUESTION_COLUMNS: tuple[str, ...] = ("question", "question_text")

#: One row per (segment, code) decision made by a coder (machine or person).
CODING_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "code",
    "coder",
    "method",
    "confidence",
    "evidence",
)

#: What a machine coder's ``predict`` returns: the codings columns plus
#: ``uncertain`` (True when the confidence is below the coder's review
#: threshold: such a code goes to a person for review rather than being kept
#: or dropped silently).
MACHINE_CODING_COLUMNS: tuple[str, ...] = CODING_COLUMNS + ("uncertain",)

#: Optional columns a coding may carry: a character span inside the segment's
#: transcript (``None`` means the whole segment), review status and timestamp.
CODING_EXTRA_COLUMNS: tuple[str, ...] = ("start_char", "end_char", "status", "created_at")

#: Coding statuses in a project.
CODING_STATUSES: tuple[str, ...] = ("suggested", "accepted", "rejected")

#: One row per topic proposed by topic modelling.
TOPIC_COLUMNS: tuple[str, ...] = (
    "topic_id",
    "label",
    "size",
    "n_groups",
    "share_groups",
    "n_participants",
    "share_participants",
    "top_words",
    "quote_1",
    "quote_2",
    "quote_3",
    "nearest_code",
    "similarity",
    "emergent",
)


def empty_frame(columns: Iterable[str]) -> pd.DataFrame:
    """Return an empty DataFrame with ``columns`` in order.

    Parameters
    ----------
    columns : iterable of str
        Column names, usually one of the ``*_COLUMNS`` tuples.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> empty_frame(("a", "b")).shape
    (0, 2)
    """
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def check_columns(frame: pd.DataFrame, required: Iterable[str], *, name: str) -> None:
    """Raise ``ValueError`` naming ``name`` when ``frame`` lacks a required column.

    Parameters
    ----------
    frame : pandas.DataFrame
    required : iterable of str
    name : str
        What the frame is, for the message (e.g. ``"codings"`` or a file path).

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"a": [1]}), ["a", "b"], name="codings")
    Traceback (most recent call last):
    ...
    ValueError: codings: missing column(s) 'b'; expected at least ['a', 'b'], got ['a']
    """
    required = list(required)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name}: missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"expected at least {required}, got {list(frame.columns)}"
        )

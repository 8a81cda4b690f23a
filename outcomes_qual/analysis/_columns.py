"""Column names and order of every analysis table, declared once.

Examples
--------
>>> from outcomes_qual.analysis import _columns
>>> _columns.ROLE_THEME_COLUMNS[:3]
('code', 'level', 'role')
"""

from __future__ import annotations

#: :func:`~outcomes_qual.analysis.role_by_theme`: one row per (code, role), plus role ``"all"``.
ROLE_THEME_COLUMNS: tuple[str, ...] = (
    "code",
    "level",
    "role",
    "unit",
    "n",
    "base",
    "percent",
    "share_of_code",
)

#: :func:`~outcomes_qual.analysis.role_theme_test`: one row per (code, role) cell.
ROLE_THEME_TEST_COLUMNS: tuple[str, ...] = (
    "code",
    "role",
    "observed",
    "expected",
    "residual",
    "adjusted_residual",
    "direction",
)

#: :func:`~outcomes_qual.analysis.theme_summary`: one row per theme.
THEME_SUMMARY_COLUMNS: tuple[str, ...] = (
    "theme",
    "label",
    "n_groups",
    "n_transcripts",
    "n_participants",
    "n_turns",
    "share_turns",
    "roles",
    "top_role",
    "description",
)

#: :func:`~outcomes_qual.analysis.exemplar_quotes`: one row per chosen quote.
QUOTE_COLUMNS: tuple[str, ...] = (
    "code",
    "role",
    "rank",
    "segment_id",
    "transcript_id",
    "quote",
    "attribution",
    "confidence",
    "reviewed",
    "n_chars",
)

#: :func:`~outcomes_qual.analysis.authority_comparison`: one row per (theme, authority).
AUTHORITY_COLUMNS: tuple[str, ...] = (
    "code",
    "authority",
    "n",
    "base",
    "share",
    "ci_low",
    "ci_high",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "significant",
)

#: :func:`~outcomes_qual.analysis.theme_cooccurrence`: one row per (code_a, code_b).
COOCCURRENCE_COLUMNS: tuple[str, ...] = (
    "code_a",
    "code_b",
    "n_turns",
    "jaccard",
)

#: :func:`~outcomes_qual.analysis.contingency_test` summary, as a one-row table.
TEST_SUMMARY_COLUMNS: tuple[str, ...] = (
    "test",
    "statistic",
    "dof",
    "p_value",
    "n",
    "min_expected",
)

#: Column added to :func:`~outcomes_qual.analysis.participant_breakdown` output with ``by``.
BY_COLUMN = "by"

#: Name of the totals row and column in the participant breakdown.
TOTAL = "total"

#: Value of ``by`` for the block that pools every value.
ALL = "all"

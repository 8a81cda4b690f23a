"""Analysis tables: participants, role x theme, theme summary, quotes, authorities, co-occurrence.

Every function takes the corpus (or its segments) and a codings table and
returns a tidy DataFrame whose columns are declared once in
:mod:`outcomes_qual.analysis._columns`. Facilitator turns are excluded by
default; sub-codes roll up to their theme (``code.split("/")[0]``) at
``level="theme"``. No output holds a speaker name.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> import pandas as pd
>>> corpus = Corpus.from_turns("fg1", [("F", "facilitator", "What gets in the way?"),
...     ("Ann", "practitioner", "The forms, always the forms and the IT system."),
...     ("Bob", "senior", "And we never have enough time with families.")])
>>> codings = pd.DataFrame({"segment_id": ["fg1:002", "fg1:003"], "code": ["systems_barriers", "time"]})
>>> role_by_theme(corpus, codings, unit="participants").query("role == 'all'")[["code", "n", "base"]].values.tolist()
[['systems_barriers', 1, 2], ['time', 1, 2]]
"""

from ._columns import (
    AUTHORITY_COLUMNS,
    COOCCURRENCE_COLUMNS,
    QUOTE_COLUMNS,
    ROLE_THEME_COLUMNS,
    ROLE_THEME_TEST_COLUMNS,
    THEME_SUMMARY_COLUMNS,
)
from ._common import is_study_group, order_roles, role_label, role_ranks, wilson_interval
from .authorities import authority_comparison
from .cooccurrence import theme_cooccurrence
from .participants import participant_breakdown
from .quotes import attribution, authority_aliases, exemplar_quotes, trim_quote
from .role_theme import role_by_theme, role_theme_matrix, role_theme_test
from .stats import ContingencyTest, adjust_pvalues, contingency_test
from .summary import theme_summary

__all__ = [
    "AUTHORITY_COLUMNS",
    "COOCCURRENCE_COLUMNS",
    "QUOTE_COLUMNS",
    "ROLE_THEME_COLUMNS",
    "ROLE_THEME_TEST_COLUMNS",
    "THEME_SUMMARY_COLUMNS",
    "ContingencyTest",
    "adjust_pvalues",
    "attribution",
    "authority_aliases",
    "authority_comparison",
    "contingency_test",
    "exemplar_quotes",
    "is_study_group",
    "order_roles",
    "participant_breakdown",
    "role_by_theme",
    "role_label",
    "role_ranks",
    "role_theme_matrix",
    "role_theme_test",
    "theme_cooccurrence",
    "theme_summary",
    "trim_quote",
    "wilson_interval",
]

"""The SQLite project file: corpus, codebook versions, codings, memos and an audit log.

Examples
--------
>>> from outcomes_qual.project import Project, SCHEMA_VERSION
>>> SCHEMA_VERSION
4
"""

from ._schema import SCHEMA_VERSION
from .manual import REVIEW_COLUMNS, SEARCH_COLUMNS, compile_query
from .review_app import ReviewHandle, review
from .store import ACTION_COLUMNS, MEMO_COLUMNS, MEMO_TARGETS, PROJECT_CODING_COLUMNS, Project

__all__ = [
    "ACTION_COLUMNS",
    "MEMO_COLUMNS",
    "MEMO_TARGETS",
    "PROJECT_CODING_COLUMNS",
    "REVIEW_COLUMNS",
    "Project",
    "ReviewHandle",
    "SCHEMA_VERSION",
    "SEARCH_COLUMNS",
    "compile_query",
    "review",
]

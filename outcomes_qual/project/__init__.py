"""The SQLite project file: corpus, codebook versions, codings, memos and an audit log.

Examples
--------
>>> from outcomes_qual.project import Project, SCHEMA_VERSION
>>> SCHEMA_VERSION
4
"""

from ._schema import SCHEMA_VERSION
from .manual import REVIEW_COLUMNS, SEARCH_COLUMNS, compile_query
from .store import ACTION_COLUMNS, MEMO_COLUMNS, MEMO_TARGETS, PROJECT_CODING_COLUMNS, Project

__all__ = [
    "ACTION_COLUMNS",
    "MEMO_COLUMNS",
    "MEMO_TARGETS",
    "PROJECT_CODING_COLUMNS",
    "REVIEW_COLUMNS",
    "Project",
    "SCHEMA_VERSION",
    "SEARCH_COLUMNS",
    "compile_query",
]

#: Names that moved to the web package (the library never imports it).
_MOVED = {"review": "outcomes_qual_web.review", "ReviewHandle": "outcomes_qual_web.ReviewHandle"}


def __getattr__(name):
    """Say where a moved name went, without importing the web package.

    An ImportError (not an AttributeError) so that ``from outcomes_qual.project
    import review`` shows this message rather than Python's generic one.
    """
    if name in _MOVED:
        raise ImportError(
            f"outcomes_qual.project.{name} has moved: use {_MOVED[name]} "
            f'(from outcomes_qual_web import {name}; needs pip install "outcomes_qual[web]")',
            name=name,
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The reader coder's answer cache: what the model answered for a turn, so a rerun pays only for what is new.

An answer is kept per turn, keyed by the model's name, the prompt's hash
(:func:`~outcomes_qual.coding.reader_prompt.prompt_hash`) and the SHA-256 of
the turn as it was sent (its segment id and text): a turn whose text changed
is asked again, and two turns with the same words keep their own answers. What is kept is the model's raw items for
that turn (before the checks), so a rerun checks them again exactly as the
first run did. Each answered request is committed in one transaction as it
arrives: a run that is interrupted keeps every answer it received.

Two homes, one table (``reader_cache``):

- a project file (:class:`~outcomes_qual.project.Project`): the table is
  part of the project schema and is written through the project's own
  connection;
- any other path: a small SQLite file holding only that table (by default
  beside the codings output).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite"
>>> with ReaderCache.open(path) as cache:
...     cache.put("m", "p1", {"t1": [{"code": "time", "evidence": "no time"}], "t2": []})
...     cache.get("m", "p1", ["t1", "t2", "t3"])
{'t1': [{'code': 'time', 'evidence': 'no time'}], 't2': []}
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)

#: The cache table (also created by the project schema's migration 4).
CACHE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS reader_cache (
    model       TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    answer      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (model, prompt_hash, text_hash)
)
"""

_CHUNK = 500


def text_key(segment_id: str, text: str) -> str:
    """The cache key of a turn as sent: SHA-256 (hex) of its segment id and text.

    Examples
    --------
    >>> text_key("fg1:002", "abc")[:12], text_key("fg1:003", "abc") == text_key("fg1:002", "abc")
    ('92970a0f2370', False)
    """
    return hashlib.sha256(f"{segment_id}\x00{text}".encode("utf-8")).hexdigest()


def _is_project(path: Path) -> bool:
    """True when ``path`` is an outcomes_qual project (read through SQLite only, never a plain open)."""
    from ..project._schema import APPLICATION_ID

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


class ReaderCache:
    """A connection to a cache table; use :meth:`open` in a ``with`` block."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, project=None):
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self._project = project

    @classmethod
    def open(cls, path) -> "ReaderCache":
        """Open the cache at ``path``: a project file's table, or a cache file (created when missing).

        Raises
        ------
        InputError
            When ``path`` exists and is neither a project nor a reader cache file.
        """
        path = Path(path)
        if path.is_file() and _is_project(path):
            from ..project import Project

            project = Project.open(path)
            return cls(project.conn, path, project=project)
        if path.exists() and not path.is_file():
            raise InputError("reader cache: expected a file, got a folder", path=path)
        if not path.parent.is_dir():
            raise InputError(f"reader cache: folder {str(path.parent)!r} does not exist", path=path)
        conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA synchronous = FULL")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as err:
            conn.close()
            raise InputError(f"reader cache: not a cache file ({err}); give another --reader-cache path", path=path) from None
        if tables - {"reader_cache"}:
            conn.close()
            raise InputError("reader cache: this SQLite file holds other tables; give another --reader-cache path", path=path)
        conn.execute(CACHE_TABLE_SQL)
        return cls(conn, path)

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._project is not None:
            self._project.close()
            self._project = None
        elif self._conn is not None:
            self._conn.close()
        self._conn = None

    def __enter__(self) -> "ReaderCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        """The open connection; a closed cache is refused naming its file."""
        if self._conn is None:
            raise sqlite3.ProgrammingError(f"reader cache {str(self.path)!r} is closed; open it again with ReaderCache.open")
        return self._conn

    @property
    def in_project(self) -> bool:
        """True when the cache is a project's table."""
        return self._project is not None

    def get(self, model: str, prompt: str, keys) -> dict[str, list[dict]]:
        """The cached items for each of ``keys`` (text hashes) that has an answer."""
        conn = self._connection()
        keys = list(dict.fromkeys(keys))
        out: dict[str, list[dict]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            rows = conn.execute(
                "SELECT text_hash, answer FROM reader_cache WHERE model = ? AND prompt_hash = ? AND text_hash IN ("
                + ",".join("?" * len(chunk))
                + ")",
                (model, prompt, *chunk),
            ).fetchall()
            for key, answer in rows:
                try:
                    items = json.loads(answer)
                except ValueError:  # pragma: no cover - only this module writes the table
                    continue
                if isinstance(items, list):
                    out[key] = items
        return {k: out[k] for k in keys if k in out}

    def put(self, model: str, prompt: str, answers: dict[str, list[dict]]) -> None:
        """Store ``{text_hash: items}`` in one transaction (an answer already there is replaced)."""
        from ..project._values import now

        if not answers:
            return
        conn = self._connection()
        stamp = now()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR REPLACE INTO reader_cache(model, prompt_hash, text_hash, answer, created_at) VALUES (?, ?, ?, ?, ?)",
                [(model, prompt, key, json.dumps(items, ensure_ascii=False), stamp) for key, items in answers.items()],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def default_cache_path(out) -> Path | None:
    """The cache file beside a codings output ``out`` (None for stdout).

    Examples
    --------
    >>> default_cache_path("results/codings.csv").as_posix()
    'results/codings.reader-cache.sqlite'
    """
    if out in (None, "-"):
        return None
    out = Path(os.fspath(out))
    return out.with_name(out.stem + ".reader-cache.sqlite")

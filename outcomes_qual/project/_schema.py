"""The project file's SQL schema, its version and forward migrations.

A project is one SQLite file. ``PRAGMA application_id`` marks it as an
outcomes_qual project and ``PRAGMA user_version`` holds the schema version.
Opening an older file applies the forward migrations in one transaction;
a file from a newer version of the toolkit is refused and left untouched.

Examples
--------
>>> SCHEMA_VERSION
4
>>> sorted(MIGRATIONS)
[1, 2, 3, 4]
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)

#: ``PRAGMA application_id`` of a project file (ASCII "OQPR").
APPLICATION_ID: int = 0x4F515052

#: Schema version written by this version of the toolkit.
SCHEMA_VERSION: int = 4

#: Seconds a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_S: float = 30.0

_V1 = """
CREATE TABLE actions (
    action_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL,
    actor       TEXT,
    created_at  TEXT NOT NULL,
    undone_at   TEXT
);
CREATE TABLE changes (
    change_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id   INTEGER NOT NULL REFERENCES actions(action_id),
    table_name  TEXT NOT NULL,
    key_column  TEXT NOT NULL,
    row_key     ANY,
    column_name TEXT NOT NULL,
    old_value   ANY
);
CREATE TABLE transcripts (
    transcript_id TEXT PRIMARY KEY,
    source_path   TEXT,
    format        TEXT,
    method        TEXT,
    authority     TEXT,
    department    TEXT,
    date          TEXT,
    n_turns       INTEGER,
    text          TEXT NOT NULL,
    extra         TEXT,
    action_id     INTEGER REFERENCES actions(action_id)
);
CREATE TABLE participants (
    pid            INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_id TEXT,
    transcript_id  TEXT NOT NULL REFERENCES transcripts(transcript_id) ON DELETE CASCADE,
    speaker        TEXT,
    role           TEXT,
    authority      TEXT,
    department     TEXT,
    method         TEXT,
    extra          TEXT
);
CREATE TABLE segments (
    segment_id     TEXT PRIMARY KEY,
    transcript_id  TEXT NOT NULL REFERENCES transcripts(transcript_id) ON DELETE CASCADE,
    turn           INTEGER,
    speaker        TEXT,
    participant_id TEXT,
    role           TEXT,
    text           TEXT NOT NULL,
    start_char     INTEGER NOT NULL,
    end_char       INTEGER NOT NULL,
    start_s        REAL,
    end_s          REAL,
    extra          TEXT,
    seq            INTEGER NOT NULL
);
CREATE INDEX segments_transcript ON segments(transcript_id, seq);
CREATE TABLE codebooks (
    version      INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    data         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    action_id    INTEGER REFERENCES actions(action_id)
);
CREATE TABLE codings (
    coding_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    segment_id       TEXT NOT NULL REFERENCES segments(segment_id) ON DELETE CASCADE,
    code             TEXT NOT NULL,
    coder            TEXT NOT NULL,
    method           TEXT,
    confidence       REAL,
    evidence         TEXT,
    start_char       INTEGER,
    end_char         INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'rejected')),
    created_at       TEXT NOT NULL,
    codebook_version INTEGER REFERENCES codebooks(version),
    action_id        INTEGER REFERENCES actions(action_id)
);
CREATE INDEX codings_segment ON codings(segment_id);
CREATE INDEX codings_action ON codings(action_id);
CREATE TABLE memos (
    memo_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    target_type TEXT NOT NULL,
    target_id   TEXT,
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    action_id   INTEGER REFERENCES actions(action_id)
);
"""

_V2 = """
ALTER TABLE codings ADD COLUMN reviewed_by TEXT;
ALTER TABLE codings ADD COLUMN reviewed_at TEXT;
CREATE INDEX codings_coder_status ON codings(coder, status);
"""

_V3 = """
CREATE TABLE name_mappings (
    mapping_id INTEGER PRIMARY KEY AUTOINCREMENT,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    action_id  INTEGER REFERENCES actions(action_id)
);
"""

_V4 = """
CREATE TABLE reader_cache (
    model       TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    answer      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (model, prompt_hash, text_hash)
);
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return apply


#: ``MIGRATIONS[n]`` takes a version ``n - 1`` file to version ``n``.
#: Version 1 is the first layout; version 2 records who reviewed a coding, and when;
#: version 3 keeps the pseudonymisation mapping (never exported); version 4 caches the reader coder's
#: answers (outcomes_qual.coding.reader_cache).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _script(_V1), 2: _script(_V2), 3: _script(_V3), 4: _script(_V4)}


def _corrupt(path: Path, err: Exception) -> InputError:
    return InputError(
        f"cannot read the project file ({err}); it may be truncated or corrupt. Restore it from a backup; it was not modified",
        path=path,
    )


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")


def create_file(path: str | os.PathLike, *, version: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """Create a new project file at ``path`` with schema ``version``; return a connection.

    Raises
    ------
    InputError
        If ``path`` already exists (a project is never overwritten).
    """
    path = Path(path)
    if path.exists():
        raise InputError("already exists; open it with Project.open or choose a new file name", path=path)
    if not path.parent.is_dir():
        raise InputError(f"folder {str(path.parent)!r} does not exist", path=path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _configure(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        for v in range(1, version + 1):
            MIGRATIONS[v](conn)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    return conn


def open_file(path: str | os.PathLike, *, check: bool = True) -> sqlite3.Connection:
    """Open an existing project file, migrating it forward when it is older.

    Parameters
    ----------
    path : path-like
    check : bool, default True
        Run SQLite's ``quick_check`` so that a truncated or damaged file is
        reported on opening, not half-way through a job.

    Raises
    ------
    InputError
        If the file is missing, not an outcomes_qual project, truncated or
        corrupt, or written by a newer schema version. The file is not
        modified in any of these cases.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such project file; create one with `outcomes-qual project init`", path=path)
    if not os.access(path, os.R_OK | os.W_OK):
        raise InputError("cannot open the project file for reading and writing (check its permissions)", path=path)
    # The header is checked by SQLite itself (a file that is not a database fails the first PRAGMA):
    # never open the file with open()/close() here. Closing any descriptor of the file drops every
    # POSIX lock this process holds on it, so another process would take itself for the last
    # connection, checkpoint and delete the WAL under this process's open connections. stat() opens
    # no descriptor: a file shorter than SQLite's smallest page cannot be a database.
    size = path.stat().st_size
    if 0 < size < 512:
        raise _corrupt(path, RuntimeError(f"{size} bytes, shorter than one SQLite page"))
    uri = f"{path.resolve().as_uri()}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as err:
        raise InputError(f"cannot open the project file ({err})", path=path) from err
    try:
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as err:
            raise _corrupt(path, err) from err
        if app_id != APPLICATION_ID:
            what = "an empty file" if size == 0 else "an SQLite file of another program"
            raise InputError(f"not an outcomes_qual project file (it is {what})", path=path)
        if version > SCHEMA_VERSION:
            raise InputError(
                f"written by a newer outcomes_qual (project schema version {version}; this version "
                f"reads up to {SCHEMA_VERSION}); upgrade outcomes_qual to open it. The file was not modified",
                path=path,
            )
        if check:
            try:
                rows = conn.execute("PRAGMA quick_check").fetchall()
            except sqlite3.DatabaseError as err:
                raise _corrupt(path, err) from err
            if rows != [("ok",)]:
                raise _corrupt(path, RuntimeError("; ".join(str(r[0]) for r in rows[:3])))
        _configure(conn)
        if version < SCHEMA_VERSION:
            migrate(conn, version, path=path)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, from_version: int, *, path: Path | None = None) -> None:
    """Apply migrations ``from_version + 1 .. SCHEMA_VERSION`` in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        # another process may have migrated while we waited for the lock
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for v in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[v](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if current < SCHEMA_VERSION:
        logger.info("%s: migrated project from schema version %d to %d", path, current, SCHEMA_VERSION)

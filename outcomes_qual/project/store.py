"""The project file: one SQLite database holding a whole coding project.

A :class:`Project` keeps transcripts with their normalised text, participants
and their attributes, segments, codebook versions, codings from machines and
people (with status suggested / accepted / rejected and the codebook version
they were made under), memos, and a log of every action so that the last one
can be undone and, months later, anyone can see who coded what and when.

Every public write is one SQLite transaction: an exception or a crash part-way
leaves the project as it was before that call. The file uses WAL mode and a
busy timeout, so several processes can code the same project at once.

Examples
--------
>>> import tempfile, pathlib
>>> from outcomes_qual.corpus import Corpus
>>> from outcomes_qual.codebook import Code, Codebook
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> corpus = Corpus.from_turns("fg1", [("Ann", "practitioner", "The forms take all week."),
...                                    ("Bo", "manager", "We ask what matters to people.")])
>>> cb = Codebook("demo", (Code("systems_barriers", "Systems", "Systems in the way."),
...                        Code("culture_shift", "Culture", "Changing practice.")))
>>> with Project.create(tmp / "p.sqlite") as proj:
...     proj.add_corpus(corpus)
...     version = proj.add_codebook(cb)
...     ids = proj.add_codings(pd.DataFrame({"segment_id": ["fg1:001"], "code": ["systems_barriers"],
...                                          "coder": ["keyword"], "method": ["keyword"]}))
...     proj.accept(ids)
...     _ = proj.code_segment("fg1:002", "culture_shift", coder="ann")
...     proj.codings()[["segment_id", "code", "coder", "status"]].values.tolist()
1
[['fg1:001', 'systems_barriers', 'keyword', 'accepted'], ['fg1:002', 'culture_shift', 'ann', 'accepted']]
>>> with Project.open(tmp / "p.sqlite") as proj:
...     proj.undo()
...     len(proj.codings()), proj.corpus().texts == corpus.texts
"code_segment: ann coded fg1:002 as 'culture_shift'"
(1, True)
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..codebook.model import Codebook
from ..errors import InputError
from . import _schema
from ._corpus import CorpusMixin
from ._values import (
    codebook_data,
    codebook_from_data,
    codebook_hash,
    is_missing,
    json_value,
    now,
    sql_value,
)
from .manual import ManualCodingMixin

logger = logging.getLogger(__name__)

#: Columns of :meth:`Project.codings`, declared once.
PROJECT_CODING_COLUMNS: tuple[str, ...] = schema.CODING_COLUMNS + (
    "coding_id",
    "start_char",
    "end_char",
    "status",
    "created_at",
    "codebook_version",
    "reviewed_by",
    "reviewed_at",
)

#: Columns of :meth:`Project.memos`.
MEMO_COLUMNS: tuple[str, ...] = ("memo_id", "target_type", "target_id", "text", "author", "created_at")

#: What a memo can be attached to.
MEMO_TARGETS: tuple[str, ...] = ("project", "code", "transcript", "segment", "participant", "coding")

#: Columns of :meth:`Project.actions` (the audit log).
ACTION_COLUMNS: tuple[str, ...] = ("action_id", "kind", "description", "actor", "created_at", "undone_at")

#: Columns of :meth:`Project.codebook_versions`.
CODEBOOK_VERSION_COLUMNS: tuple[str, ...] = ("version", "name", "n_codes", "content_hash", "created_at")

#: Ids per ``IN (...)`` query (SQLite limits the number of parameters).
_CHUNK = 900


def _ids(ids: Iterable[Any] | int) -> list[int]:
    if isinstance(ids, (int, np.integer)):
        return [int(ids)]
    out = []
    for i in ids:
        try:
            out.append(int(i))
        except (TypeError, ValueError):
            raise InputError(f"ids: expected integer coding ids, got {i!r}") from None
    return out


def _coding_rows(records: list[tuple]) -> Iterator[tuple]:
    """Yield coding rows to insert (a seam the crash test uses to pause mid-import)."""
    yield from records


def _inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid of the row an INSERT on ``cur`` just added."""
    rowid = cur.lastrowid
    if rowid is None:  # sqlite3 sets it after every successful INSERT
        raise RuntimeError("the INSERT gave no rowid")
    return rowid


class StaleCodingError(InputError):
    """A review refused because the coding's status is not what the reviewer expected (``expect=``).

    Attributes ``coding_id``, ``status`` (its status now) and ``decided``
    (``" by ann at 2025-05-01 10:00"``, or ``""``) let a caller word the refusal.
    """

    def __init__(self, message: str, *, coding_id: int, status: str, decided: str = ""):
        super().__init__(message)
        self.coding_id = coding_id
        self.status = status
        self.decided = decided


class _Tx:
    def __init__(self, action_id: int):
        self.action_id = action_id
        self.noop = False


class Project(CorpusMixin, ManualCodingMixin):
    """An open project file. Use :meth:`create` or :meth:`open`, ideally in a ``with`` block.

    Parameters
    ----------
    conn : sqlite3.Connection
        A connection made by :mod:`outcomes_qual.project._schema`.
    path : pathlib.Path
    """

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self._batch: _Tx | None = None
        #: Id of the action the last committed write of this object made (None after a no-op).
        self.last_action_id: int | None = None

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | os.PathLike) -> "Project":
        """Create a new, empty project file (an existing file is never overwritten).

        Raises
        ------
        InputError
            If ``path`` exists or its folder does not.
        """
        path = Path(path)
        return cls(_schema.create_file(path), path)

    @classmethod
    def open(cls, path: str | os.PathLike, *, check: bool = True) -> "Project":
        """Open an existing project, migrating an older schema forward.

        Parameters
        ----------
        path : path-like
        check : bool, default True
            Verify the file's integrity on opening (SQLite ``quick_check``).

        Raises
        ------
        InputError
            Missing file, not a project, truncated or corrupt, or from a newer
            version of outcomes_qual (the file is then left untouched).
        """
        path = Path(path)
        return cls(_schema.open_file(path, check=check), path)

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._conn is None:
            return f"Project({str(self.path)!r}, closed)"
        s = self.summary()
        return (
            f"Project({str(self.path)!r}: {s['transcripts']} transcripts, {s['segments']} segments, "
            f"{s['codings']} codings, {s['codebook_versions']} codebook versions, {s['memos']} memos)"
        )

    @property
    def conn(self) -> sqlite3.Connection:
        """The open SQLite connection; an error naming the file once the project is closed."""
        if self._conn is None:
            raise InputError("the project is closed; open it again with Project.open", path=self.path)
        return self._conn

    # ------------------------------------------------------------ plumbing
    @contextmanager
    def batch(self, description: str, *, actor: str | None = None) -> Iterator["Project"]:
        """Group several writes into one transaction and one undoable action.

        Inside the block each call stays atomic on its own (a call that raises
        leaves no trace, and the batch may go on); the batch commits at the end
        of the block, or rolls back whole if the block raises. :meth:`undo`
        then reverses the whole batch.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from outcomes_qual.corpus import Corpus
        >>> with Project.create(pathlib.Path(tempfile.mkdtemp()) / "b.sqlite") as proj:
        ...     proj.add_corpus(Corpus.from_turns("t", [("A", "senior", "Hello."), ("B", "manager", "Hi.")]))
        ...     with proj.batch("import colleague's coding", actor="lee"):
        ...         _ = proj.code_segment("t:001", "time", coder="lee")
        ...         _ = proj.code_segment("t:002", "time", coder="lee")
        ...     print(proj.undo(), len(proj.codings()))
        import colleague's coding 0
        """
        if self._batch is not None:
            raise InputError("Project.batch blocks do not nest")
        with self._transaction("batch", description, actor) as tx:
            self._batch = tx
            try:
                yield self
            finally:
                self._batch = None

    @contextmanager
    def _transaction(self, kind: str, description: str, actor: str | None = None) -> Iterator[_Tx]:
        conn = self.conn
        if self._batch is not None:  # inside a batch: a savepoint keeps this call atomic
            conn.execute("SAVEPOINT call")
            try:
                yield _Tx(self._batch.action_id)
                conn.execute("RELEASE call")
            except BaseException:
                conn.execute("ROLLBACK TO call")
                conn.execute("RELEASE call")
                raise
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO actions(kind, description, actor, created_at) VALUES (?, ?, ?, ?)",
                (kind, description, actor, now()),
            )
            tx = _Tx(_inserted_id(cur))
            yield tx
            if kind == "batch" and not tx.noop:  # a batch that changed nothing is not logged
                tx.noop = not conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM changes WHERE action_id = :a) "
                    "OR EXISTS (SELECT 1 FROM codings WHERE action_id = :a) "
                    "OR EXISTS (SELECT 1 FROM memos WHERE action_id = :a) "
                    "OR EXISTS (SELECT 1 FROM transcripts WHERE action_id = :a) "
                    "OR EXISTS (SELECT 1 FROM codebooks WHERE action_id = :a) "
                    "OR EXISTS (SELECT 1 FROM name_mappings WHERE action_id = :a)",
                    {"a": tx.action_id},
                ).fetchone()[0]
            if tx.noop:
                conn.execute("DELETE FROM actions WHERE action_id = ?", (tx.action_id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.last_action_id = None if tx.noop else tx.action_id

    def _record_change(self, tx: _Tx, table: str, key_column: str, key: Any, column: str, old: Any) -> None:
        self.conn.execute(
            "INSERT INTO changes(action_id, table_name, key_column, row_key, column_name, old_value) VALUES (?, ?, ?, ?, ?, ?)",
            (tx.action_id, table, key_column, key, column, old),
        )

    def _frame(self, sql: str, params: Iterable[Any], columns: Iterable[str]) -> pd.DataFrame:
        columns = list(columns)
        rows = self.conn.execute(sql, tuple(params)).fetchall()
        if not rows:
            return schema.empty_frame(columns)
        return pd.DataFrame.from_records(rows, columns=columns)

    def summary(self) -> dict[str, int]:
        """Counts of rows per table, and codings per status.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with Project.create(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as p:
        ...     p.summary()["codings"]
        0
        """
        c = self.conn
        out = {
            "transcripts": c.execute("SELECT count(*) FROM transcripts").fetchone()[0],
            "participants": c.execute("SELECT count(*) FROM participants").fetchone()[0],
            "segments": c.execute("SELECT count(*) FROM segments").fetchone()[0],
            "codings": c.execute("SELECT count(*) FROM codings").fetchone()[0],
            "codebook_versions": c.execute("SELECT count(*) FROM codebooks").fetchone()[0],
            "memos": c.execute("SELECT count(*) FROM memos").fetchone()[0],
        }
        for status in schema.CODING_STATUSES:
            out[status] = c.execute("SELECT count(*) FROM codings WHERE status = ?", (status,)).fetchone()[0]
        return out

    # ------------------------------------------------------------ codebooks
    def _add_codebook(self, tx: _Tx, codebook: Codebook) -> int:
        if not isinstance(codebook, Codebook):
            raise InputError(f"codebook: expected a Codebook, got {type(codebook).__name__}")
        data = codebook_data(codebook)
        digest = codebook_hash(data)
        row = self.conn.execute("SELECT version FROM codebooks WHERE content_hash = ?", (digest,)).fetchone()
        if row:
            return int(row[0])
        cur = self.conn.execute(
            "INSERT INTO codebooks(name, content_hash, data, created_at, action_id) VALUES (?, ?, ?, ?, ?)",
            (codebook.name, digest, json.dumps(data, ensure_ascii=False), now(), tx.action_id),
        )
        return _inserted_id(cur)

    def add_codebook(self, codebook: Codebook) -> int:
        """Store a codebook version; return its version id (an identical codebook returns the existing id)."""
        with self._transaction("add_codebook", f"add_codebook: {codebook.name!r} ({len(codebook)} codes)") as tx:
            before = self.conn.execute("SELECT coalesce(max(version), 0) FROM codebooks").fetchone()[0]
            version = self._add_codebook(tx, codebook)
            tx.noop = version <= before
        return version

    def _latest_codebook_version(self) -> int | None:
        row = self.conn.execute("SELECT max(version) FROM codebooks").fetchone()
        return None if row[0] is None else int(row[0])

    def _codebook_keys(self, version: int) -> set[str]:
        return set(self.codebook(version).keys())

    def codebook(self, version: int | None = None) -> Codebook:
        """The codebook of ``version`` (default: the latest).

        Raises
        ------
        InputError
            If the project has no codebook or no such version.
        """
        if version is None:
            version = self._latest_codebook_version()
            if version is None:
                raise InputError("the project has no codebook yet; add one with add_codebook", path=self.path)
        row = self.conn.execute("SELECT data FROM codebooks WHERE version = ?", (int(version),)).fetchone()
        if row is None:
            known = [r[0] for r in self.conn.execute("SELECT version FROM codebooks ORDER BY version")]
            raise InputError(f"codebook version {version!r} is not in the project; versions: {known}", path=self.path)
        return codebook_from_data(json.loads(row[0]))

    def codebook_versions(self) -> pd.DataFrame:
        """One row per stored codebook version (:data:`CODEBOOK_VERSION_COLUMNS`)."""
        rows = [
            (v, name, len(json.loads(data)["codes"]), digest, created)
            for v, name, data, digest, created in self.conn.execute(
                "SELECT version, name, data, content_hash, created_at FROM codebooks ORDER BY version"
            )
        ]
        return (
            pd.DataFrame.from_records(rows, columns=list(CODEBOOK_VERSION_COLUMNS))
            if rows
            else schema.empty_frame(CODEBOOK_VERSION_COLUMNS)
        )

    # ------------------------------------------------------------ codings
    def _prepare_codings(self, tx: _Tx, frame: pd.DataFrame, codebook: Codebook | int | None, status: str) -> list[tuple]:
        try:
            schema.check_columns(frame, ("segment_id", "code", "coder"), name="codings")
        except ValueError as err:
            raise InputError(str(err)) from None
        if status not in schema.CODING_STATUSES:
            raise InputError(f"status: expected one of {list(schema.CODING_STATUSES)}, got {status!r}")
        version: int | None
        if isinstance(codebook, Codebook):
            version = self._add_codebook(tx, codebook)
        elif codebook is None:
            version = self._latest_codebook_version()
        else:
            version = int(codebook)
            if not self.conn.execute("SELECT 1 FROM codebooks WHERE version = ?", (version,)).fetchone():
                raise InputError(f"codebook: version {version} is not in the project", path=self.path)
        lengths = dict(self.conn.execute("SELECT transcript_id, length(text) FROM transcripts"))
        sql = "SELECT segment_id, transcript_id, start_char, end_char FROM segments"
        wanted = sorted({str(v) for v in frame["segment_id"].dropna()})
        params: list[str] = []
        if len(wanted) <= 500:  # a few manual codings: look up only their turns
            sql += f" WHERE segment_id IN ({', '.join('?' * len(wanted))})"
            params = wanted
        segs = {sid: (tid, s, e, lengths[tid]) for sid, tid, s, e in self.conn.execute(sql, params)}
        keys = self._codebook_keys(version) if version is not None else None
        stamp = now()
        records, unknown_seg, unknown_code = [], [], []
        for i, rec in enumerate(frame.to_dict("records")):
            sid, code, coder = (None if is_missing(rec[c]) else str(rec[c]) for c in ("segment_id", "code", "coder"))
            if not sid or not code or not coder:
                raise InputError(
                    f"codings row {i}: segment_id, code and coder must not be empty, got {sid!r}, {code!r}, {coder!r}"
                )
            if sid not in segs:
                unknown_seg.append(sid)
                continue
            if keys is not None and code not in keys:
                unknown_code.append(code)
                continue
            row_status = rec.get("status")
            row_status = status if is_missing(row_status) else str(row_status)
            if row_status not in schema.CODING_STATUSES:
                raise InputError(f"codings row {i}: status must be one of {list(schema.CODING_STATUSES)}, got {row_status!r}")
            start: Any = rec.get("start_char")
            end: Any = rec.get("end_char")
            if is_missing(start) != is_missing(end):
                raise InputError(f"codings row {i}: give both start_char and end_char or neither")
            if not is_missing(start):
                start, end = int(start), int(end)
                _tid, s0, e0, n = segs[sid]
                if not (0 <= start < end <= n) or end <= s0 or start >= e0:
                    raise InputError(
                        f"codings row {i}: span {start}:{end} must lie in the transcript text (0:{n}) and "
                        f"overlap segment {sid} ({s0}:{e0})"
                    )
                if (start, end) == (s0, e0):  # exactly the whole turn: stored as a whole-segment coding
                    start = end = None
            else:
                start = end = None
            created = rec.get("created_at")
            created = stamp if is_missing(created) else str(created)
            records.append(
                (
                    sid,
                    code,
                    coder,
                    sql_value(rec.get("method")) or "manual",
                    sql_value(rec.get("confidence")),
                    sql_value(rec.get("evidence")),
                    start,
                    end,
                    row_status,
                    created,
                    version,
                    tx.action_id,
                )
            )
        if unknown_seg:
            raise InputError(
                f"codings: {len(set(unknown_seg))} segment_id(s) not in the project, e.g. "
                f"{sorted(set(unknown_seg))[:5]}; add the transcripts first",
                path=self.path,
            )
        if unknown_code:
            raise InputError(
                f"codings: code(s) {sorted(set(unknown_code))[:8]} not in codebook version {version}; "
                f"known codes start {sorted(keys or ())[:6]}",
                path=self.path,
            )
        return records

    def _insert_codings(self, records: list[tuple]) -> list[int]:
        ids = []
        for values in _coding_rows(records):
            cur = self.conn.execute(
                "INSERT INTO codings(segment_id, code, coder, method, confidence, evidence, start_char, end_char, "
                "status, created_at, codebook_version, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            ids.append(_inserted_id(cur))
        return ids

    def add_codings(
        self, codings: pd.DataFrame, *, codebook: Codebook | int | None = None, status: str = "suggested"
    ) -> list[int]:
        """Store codings from any coder (machine or person); return their coding ids.

        Parameters
        ----------
        codings : DataFrame
            At least segment_id, code and coder; also method, confidence,
            evidence, and optionally start_char/end_char (a span inside the
            transcript text that overlaps the segment; a span of exactly the
            whole segment is stored as a whole-segment coding, with no span),
            status and created_at.
        codebook : Codebook, int or None
            The codebook the codings were made under: a Codebook (stored as a
            version if new), a version id, or None for the latest version.
            Codes must be keys of that codebook.
        status : {"suggested", "accepted", "rejected"}
            Status of rows without their own ``status``.

        Raises
        ------
        InputError
            Unknown segment ids or codes, bad spans or statuses. Nothing is stored then.
        """
        if not isinstance(codings, pd.DataFrame):
            raise InputError(f"codings: expected a DataFrame, got {type(codings).__name__}")
        coders = sorted({str(c) for c in codings.get("coder", pd.Series(dtype=object)).dropna()})
        desc = f"add_codings: {len(codings)} coding(s) by {', '.join(coders[:5]) or '?'} ({status})"
        with self._transaction("add_codings", desc, actor=", ".join(coders[:5]) or None) as tx:
            ids = self._insert_codings(self._prepare_codings(tx, codings, codebook, status))
            tx.noop = not ids and codebook is None
        logger.info("%s: %s", self.path, desc)
        return ids

    def codings(
        self,
        *,
        status: str | Iterable[str] | None = None,
        coder: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Codings as a DataFrame (:data:`PROJECT_CODING_COLUMNS`), oldest first.

        Parameters
        ----------
        status, coder : str or list of str, optional
            Keep only these statuses / coders.
        """
        where, params = [], []
        for col, value in (("status", status), ("coder", coder)):
            if value is None:
                continue
            values = [value] if isinstance(value, str) else list(value)
            where.append(f"{col} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        sql = f"SELECT {', '.join(PROJECT_CODING_COLUMNS)} FROM codings"
        if where:
            sql += " WHERE " + " AND ".join(where)
        frame = self._frame(sql + " ORDER BY coding_id", params, PROJECT_CODING_COLUMNS)
        frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce").astype("float64")
        frame["coding_id"] = frame["coding_id"].astype("int64")
        for col in ("start_char", "end_char", "codebook_version"):
            frame[col] = pd.array([None if is_missing(v) else int(v) for v in frame[col]], dtype="Int64")
        return frame

    def _set_status(self, ids: Iterable[Any] | int, status: str, reviewer: str | None, expect: str | None = None) -> int:
        ids = list(dict.fromkeys(_ids(ids)))
        if not ids:
            return 0
        who = f" by {reviewer}" if reviewer else ""
        with self._transaction(status, f"{status} {len(ids)} coding(s){who}", actor=reviewer) as tx:
            conn = self.conn
            rows = []
            for k in range(0, len(ids), _CHUNK):
                part = ids[k : k + _CHUNK]
                rows += conn.execute(
                    "SELECT coding_id, status, reviewed_by, reviewed_at FROM codings "
                    f"WHERE coding_id IN ({', '.join('?' * len(part))})",
                    part,
                ).fetchall()
            missing = sorted(set(ids) - {r[0] for r in rows})
            if missing:
                raise InputError(f"coding id(s) not in the project: {missing[:8]}", path=self.path)
            stale = [r for r in rows if expect is not None and r[1] != expect]
            if stale:
                cid, old, by, at = stale[0]
                who = f" by {by}" if by else ""
                when = f" at {str(at)[:16].replace('T', ' ')}" if at else ""
                raise StaleCodingError(
                    f"coding {cid} is no longer {expect}: it was {old}{who}{when}", coding_id=cid, status=old, decided=who + when
                )
            stamp, changed = now(), 0
            for cid, old, old_by, old_at in rows:
                if old == status:
                    continue
                for col, value in (("status", old), ("reviewed_by", old_by), ("reviewed_at", old_at)):
                    self._record_change(tx, "codings", "coding_id", cid, col, value)
                conn.execute(
                    "UPDATE codings SET status = ?, reviewed_by = ?, reviewed_at = ? WHERE coding_id = ?",
                    (status, reviewer, stamp, cid),
                )
                changed += 1
            tx.noop = changed == 0
        return changed

    def accept(self, ids: Iterable[Any] | int, *, reviewer: str | None = None, expect: str | None = None) -> int:
        """Mark codings as accepted; return how many changed status.

        ``expect`` (e.g. ``"suggested"``): refuse with :class:`StaleCodingError`,
        changing nothing, when any of the codings has another status (someone
        decided it in the meantime). The check and the write are one transaction.
        """
        return self._set_status(ids, "accepted", reviewer, expect)

    def reject(self, ids: Iterable[Any] | int, *, reviewer: str | None = None, expect: str | None = None) -> int:
        """Mark codings as rejected (they are kept, for the audit trail); return how many changed.

        ``expect`` as for :meth:`accept`.
        """
        return self._set_status(ids, "rejected", reviewer, expect)

    # ------------------------------------------------------------ memos
    def add_memo(self, target_type: str, target_id: Any, text: str, *, author: str, created_at: str | None = None) -> int:
        """Attach a memo to the project, a code, transcript, segment, participant or coding; return its id.

        Raises
        ------
        InputError
            Unknown target type or target, or empty text or author.
        """
        if target_type not in MEMO_TARGETS:
            raise InputError(f"target_type: expected one of {list(MEMO_TARGETS)}, got {target_type!r}")
        if not str(text).strip() or not str(author).strip():
            raise InputError("add_memo: text and author must not be empty")
        target = None if target_id is None else str(target_id)
        checks = {
            "transcript": "SELECT 1 FROM transcripts WHERE transcript_id = ?",
            "segment": "SELECT 1 FROM segments WHERE segment_id = ?",
            "participant": "SELECT 1 FROM participants WHERE participant_id = ?",
            "coding": "SELECT 1 FROM codings WHERE coding_id = ?",
        }
        with self._transaction("add_memo", f"add_memo on {target_type} {target}", actor=author) as tx:
            if target_type in checks and not self.conn.execute(checks[target_type], (target,)).fetchone():
                raise InputError(f"add_memo: {target_type} {target!r} is not in the project", path=self.path)
            if target_type == "code":
                known = set()
                for (data,) in self.conn.execute("SELECT data FROM codebooks"):
                    known |= {c["key"] for c in json.loads(data)["codes"]}
                if known and target not in known:
                    raise InputError(f"add_memo: code {target!r} is in no codebook of the project", path=self.path)
            cur = self.conn.execute(
                "INSERT INTO memos(target_type, target_id, text, author, created_at, action_id) VALUES (?, ?, ?, ?, ?, ?)",
                (target_type, target, str(text), str(author), created_at or now(), tx.action_id),
            )
        return _inserted_id(cur)

    def memos(self) -> pd.DataFrame:
        """Memos (:data:`MEMO_COLUMNS`), oldest first."""
        frame = self._frame(f"SELECT {', '.join(MEMO_COLUMNS)} FROM memos ORDER BY memo_id", (), MEMO_COLUMNS)
        frame["memo_id"] = frame["memo_id"].astype("int64")
        return frame

    # ------------------------------------------------------------ pseudonymisation mapping
    def set_name_mapping(self, mapping: pd.DataFrame) -> None:
        """Keep the mapping from pseudonyms back to real names in the project.

        The mapping (e.g. from :func:`outcomes_qual.anonymise.pseudonymise_corpus`)
        is sensitive: it stays in the project file and is never written by
        ``project export``. A call with a mapping that differs from the latest
        stores a new version (the same mapping again stores nothing);
        :meth:`name_mapping` returns the latest.
        """
        if not isinstance(mapping, pd.DataFrame):
            raise InputError(f"mapping: expected a DataFrame, got {type(mapping).__name__}")
        records = [{c: json_value(v) for c, v in rec.items()} for rec in mapping.to_dict("records")]
        data = json.dumps({"columns": [str(c) for c in mapping.columns], "rows": records}, ensure_ascii=False)
        latest = self.conn.execute("SELECT data FROM name_mappings ORDER BY mapping_id DESC LIMIT 1").fetchone()
        if latest is not None and latest[0] == data:
            return
        with self._transaction("set_name_mapping", f"set_name_mapping: {len(mapping)} name(s)") as tx:
            self.conn.execute(
                "INSERT INTO name_mappings(data, created_at, action_id) VALUES (?, ?, ?)", (data, now(), tx.action_id)
            )

    def name_mapping(self) -> pd.DataFrame:
        """The latest pseudonymisation mapping (an empty frame when none was stored)."""
        row = self.conn.execute("SELECT data FROM name_mappings ORDER BY mapping_id DESC LIMIT 1").fetchone()
        if row is None:
            return pd.DataFrame()
        data = json.loads(row[0])
        return pd.DataFrame.from_records(data["rows"], columns=data["columns"])

    # ------------------------------------------------------------ audit log and undo
    def actions(self) -> pd.DataFrame:
        """The action log (:data:`ACTION_COLUMNS`): every write, who made it, when, and whether it was undone."""
        frame = self._frame(f"SELECT {', '.join(ACTION_COLUMNS)} FROM actions ORDER BY action_id", (), ACTION_COLUMNS)
        frame["action_id"] = frame["action_id"].astype("int64")
        return frame

    def _undo_conflict(self, aid: int) -> tuple | None:
        """A later action, not undone, that changed a row action ``aid`` wrote or changed (else None)."""
        return self.conn.execute(
            "WITH touched(table_name, row_key) AS ("
            "  SELECT table_name, row_key FROM changes WHERE action_id = :aid"
            "  UNION SELECT 'codings', coding_id FROM codings WHERE action_id = :aid) "
            "SELECT a.action_id, a.actor, a.description FROM changes ch JOIN actions a USING (action_id) "
            "JOIN touched t ON t.table_name = ch.table_name AND t.row_key = ch.row_key "
            "WHERE ch.action_id > :aid AND a.undone_at IS NULL AND a.kind != 'undo' "
            "UNION SELECT a.action_id, a.actor, a.description FROM codings c JOIN actions a USING (action_id) "
            "JOIN segments s USING (segment_id) JOIN transcripts t ON t.transcript_id = s.transcript_id "
            "WHERE t.action_id = :aid AND c.action_id != :aid AND a.undone_at IS NULL "
            "ORDER BY 1 LIMIT 1",
            {"aid": aid},
        ).fetchone()

    def undo(self, *, actor: str | None = None, action_id: int | None = None) -> str | None:
        """Reverse the most recent action not yet undone; return its description (None if nothing to undo).

        Parameters
        ----------
        actor : str, optional
            Undo the last action of this person (the coder or reviewer who made
            it), leaving other people's later work alone.
        action_id : int, optional
            Undo exactly this action (the web app undoes only the actions its
            browser session made). None is returned when it was already undone.

        Undo is a stack: calling it again reverses the action before. The
        undone action stays in the log, marked with ``undone_at``. An action is
        never undone over a later one: when a later action that is not undone
        changed a row this action wrote or changed (someone rejected the
        suggestion this action accepted, or reviewed a coding it added), undo
        refuses and names that action; undo it first, or leave both.

        Raises
        ------
        InputError
            When a later action, not undone, changed the same rows (nothing is changed then).
        """
        with self._transaction("undo", "undo", actor=actor) as tx:
            conn = self.conn
            sql = "SELECT action_id, description FROM actions WHERE undone_at IS NULL AND kind != 'undo' AND action_id != ?"
            params: list[Any] = [tx.action_id]
            if actor is not None:
                sql += " AND actor = ?"
                params.append(actor)
            if action_id is not None:
                sql += " AND action_id = ?"
                params.append(int(action_id))
            row = conn.execute(sql + " ORDER BY action_id DESC LIMIT 1", params).fetchone()
            if row is None:
                tx.noop = True
                return None
            aid, description = row
            later = self._undo_conflict(aid)
            if later is not None:
                raise InputError(
                    f"cannot undo #{aid} ({description}): a later action #{later[0]} by {later[1] or 'someone'} "
                    f"({later[2]}) changed the same coding(s); undo that one first or leave both",
                    path=self.path,
                )
            for table, key_col, key, col, old in conn.execute(
                "SELECT table_name, key_column, row_key, column_name, old_value FROM changes "
                "WHERE action_id = ? ORDER BY change_id DESC",
                (aid,),
            ).fetchall():
                conn.execute(f"UPDATE {table} SET {col} = ? WHERE {key_col} = ?", (old, key))
            conn.execute("DELETE FROM memos WHERE action_id = ?", (aid,))
            conn.execute("DELETE FROM name_mappings WHERE action_id = ?", (aid,))
            conn.execute("DELETE FROM codings WHERE action_id = ?", (aid,))
            conn.execute("DELETE FROM codebooks WHERE action_id = ?", (aid,))
            conn.execute("DELETE FROM transcripts WHERE action_id = ?", (aid,))
            conn.execute("UPDATE actions SET undone_at = ? WHERE action_id = ?", (now(), aid))
            conn.execute("UPDATE actions SET description = ? WHERE action_id = ?", (f"undo #{aid}: {description}", tx.action_id))
        logger.info("%s: undid %s", self.path, description)
        return description

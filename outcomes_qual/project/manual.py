r"""Manual coding in a project: code a segment or a span, or every turn a text search finds.

These methods are mixed into :class:`outcomes_qual.project.Project`. A person's
coding is stored with method ``"manual"`` and status ``"accepted"`` (it is a
decision, not a suggestion). Each call is one action, so :meth:`Project.undo`
reverses it whole.

Text search works like NVivo's text search query: a plain query matches a
word or phrase (whole words, case-insensitive by default, ``*`` as a
wildcard within a word); ``regex=True`` takes a regular expression. Preview the
matches with :meth:`search`, then code them with :meth:`code_matches`.

Examples
--------
>>> compile_query("time*").pattern
'(?<!\\w)time\\w*(?!\\w)'
>>> bool(compile_query("home visit").search("After the Home  visit we"))
True
>>> bool(compile_query("time").search("sometimes"))
False
"""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import schema
from ..errors import InputError

logger = logging.getLogger(__name__)

#: Columns of :meth:`ManualCodingMixin.search`, declared once.
SEARCH_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "transcript_id",
    "turn",
    "role",
    "n_matches",
    "match_start",
    "match_end",
    "preview",
    "text",
)

#: Columns of :meth:`ManualCodingMixin.review`, declared once.
REVIEW_COLUMNS: tuple[str, ...] = (
    "coding_id",
    "segment_id",
    "role",
    "code",
    "coder",
    "method",
    "confidence",
    "evidence",
    "status",
    "quote",
)

#: Characters of context either side of a match in the preview.
PREVIEW_CONTEXT: int = 40


def compile_query(query: str, *, regex: bool = False, case: bool = False) -> re.Pattern:
    """Compile a text-search query.

    Parameters
    ----------
    query : str
        A word or phrase (``*`` matches any letters within a word; spaces match
        any run of white space), or a regular expression when ``regex``.
    regex : bool, default False
    case : bool, default False
        Match case exactly.

    Raises
    ------
    InputError
        Empty query or invalid regular expression.
    """
    if not query or not query.strip():
        raise InputError("query: expected a word, phrase or regular expression, got an empty string")
    flags = 0 if case else re.IGNORECASE
    if regex:
        try:
            return re.compile(query, flags)
        except re.error as err:
            raise InputError(f"query: invalid regular expression {query!r}: {err}") from None
    words = query.strip().split()
    body = r"\s+".join(re.escape(w).replace(r"\*", r"\w*") for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", flags)


def _preview(text: str, start: int, end: int) -> str:
    left = max(0, start - PREVIEW_CONTEXT)
    right = min(len(text), end + PREVIEW_CONTEXT)
    before = ("…" if left > 0 else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    return " ".join(f"{before}[{text[start:end]}]{after}".split())


class ManualCodingMixin:
    """Manual coding methods of :class:`~outcomes_qual.project.Project`."""

    if TYPE_CHECKING:  # provided by Project (store.py)
        path: Path

        @property
        def conn(self) -> sqlite3.Connection:
            """The open SQLite connection."""

        def _transaction(self, kind: str, description: str, actor: str | None = None) -> AbstractContextManager[Any]: ...

        def _insert_codings(self, records: list[tuple]) -> list[int]: ...

    def _manual_records(self, tx, rows, code, coder, *, method="manual", evidence=None):
        frame = pd.DataFrame(
            [
                {
                    "segment_id": sid,
                    "code": code,
                    "coder": coder,
                    "method": method,
                    "confidence": 1.0,
                    "evidence": evidence,
                    "start_char": start,
                    "end_char": end,
                }
                for sid, start, end in rows
            ],
            columns=[*schema.CODING_COLUMNS, "start_char", "end_char"],
        )
        return self._prepare_codings(tx, frame, None, "accepted")

    def _already_coded(self, code: str, coder: str) -> set[tuple]:
        return {
            (sid, s, e)
            for sid, s, e in self.conn.execute(
                "SELECT segment_id, start_char, end_char FROM codings WHERE code = ? AND coder = ? AND status != 'rejected'",
                (code, coder),
            )
        }

    def code_segment(self, segment_id: str, code: str, *, coder: str) -> int:
        """Code a whole segment (turn); return the coding id.

        Coding the same segment with the same code twice keeps one coding
        (the existing id is returned).

        Raises
        ------
        InputError
            Unknown segment, or a code not in the latest codebook.
        """
        desc = f"code_segment: {coder} coded {segment_id} as {code!r}"
        with self._transaction("code_segment", desc, actor=coder) as tx:
            existing = self.conn.execute(
                "SELECT coding_id FROM codings WHERE segment_id = ? AND code = ? AND coder = ? AND start_char IS NULL "
                "AND status != 'rejected' ORDER BY coding_id LIMIT 1",
                (str(segment_id), code, coder),
            ).fetchone()
            if existing:
                tx.noop = True
                return int(existing[0])
            ids = self._insert_codings(self._manual_records(tx, [(str(segment_id), None, None)], code, coder))
        return ids[0]

    def code_span(self, transcript_id: str, start_char: int, end_char: int, code: str, *, coder: str) -> list[int]:
        """Code a character span of a transcript's text; return the coding ids.

        The span is split at turn boundaries: each segment it overlaps gets a
        coding whose span is the part inside that segment. A span this coder
        already coded with this code is not stored again (its id is returned);
        when nothing is new, no action is logged.

        Raises
        ------
        InputError
            Unknown transcript, a span outside the text or touching no turn.
        """
        start_char, end_char = int(start_char), int(end_char)
        desc = f"code_span: {coder} coded {transcript_id}[{start_char}:{end_char}] as {code!r}"
        with self._transaction("code_span", desc, actor=coder) as tx:
            row = self.conn.execute(
                "SELECT length(text) FROM transcripts WHERE transcript_id = ?", (str(transcript_id),)
            ).fetchone()
            if row is None:
                raise InputError(f"code_span: transcript {transcript_id!r} is not in the project", path=self.path)
            if not 0 <= start_char < end_char <= row[0]:
                raise InputError(
                    f"code_span: expected 0 <= start_char < end_char <= {row[0]} (the text's length), got {start_char}:{end_char}"
                )
            hits = self.conn.execute(
                "SELECT segment_id, max(start_char, ?), min(end_char, ?), start_char, end_char FROM segments "
                "WHERE transcript_id = ? AND start_char < ? AND end_char > ? ORDER BY seq",
                (start_char, end_char, str(transcript_id), end_char, start_char),
            ).fetchall()
            if not hits:
                raise InputError(
                    f"code_span: {transcript_id}[{start_char}:{end_char}] overlaps no turn "
                    "(it lies in a speaker label or between turns)"
                )
            # a span this coder already has with this code is not stored twice (a whole turn is stored unspanned)
            have: dict[tuple, int] = {}
            for cid, sid, s, e in self.conn.execute(
                "SELECT coding_id, segment_id, start_char, end_char FROM codings WHERE code = ? AND coder = ? "
                "AND status != 'rejected' AND segment_id IN (SELECT segment_id FROM segments "
                "WHERE transcript_id = ?)",
                (code, coder, str(transcript_id)),
            ):
                have.setdefault((sid, s, e), int(cid))
            new, ids = [], []
            for sid, a, b, s0, e0 in hits:
                key = (sid, None, None) if (a, b) == (s0, e0) else (sid, a, b)
                if key in have:
                    ids.append(have[key])
                else:
                    new.append((sid, a, b))
            if not new:
                tx.noop = True
                return ids
            ids += self._insert_codings(self._manual_records(tx, new, code, coder))
        return sorted(ids)

    def search(self, query: str, *, regex: bool = False, case: bool = False, include_facilitator: bool = False) -> pd.DataFrame:
        """Preview the turns a text search finds (:data:`SEARCH_COLUMNS`), in transcript order.

        ``preview`` shows the first match in brackets with some context;
        ``match_start``/``match_end`` are its offsets in the transcript text.
        """
        pattern = compile_query(query, regex=regex, case=case)
        sql = "SELECT segment_id, transcript_id, turn, role, start_char, text FROM segments"
        if not include_facilitator:
            sql += " WHERE role IS NULL OR role != 'facilitator'"
        rows = []
        for sid, tid, turn, role, start, text in self.conn.execute(sql + " ORDER BY seq"):
            matches = list(pattern.finditer(text))
            if not matches:
                continue
            m = matches[0]
            rows.append(
                (sid, tid, turn, role, len(matches), start + m.start(), start + m.end(), _preview(text, m.start(), m.end()), text)
            )
        if not rows:
            return schema.empty_frame(SEARCH_COLUMNS)
        return pd.DataFrame.from_records(rows, columns=list(SEARCH_COLUMNS))

    def code_matches(
        self,
        query: str,
        code: str,
        *,
        coder: str,
        regex: bool = False,
        case: bool = False,
        spread: str = "turn",
        include_facilitator: bool = False,
    ) -> list[int]:
        """Code every turn a text search finds; return the new coding ids.

        Parameters
        ----------
        query, regex, case, include_facilitator
            As for :meth:`search`.
        code : str
            Code key (in the latest codebook, when the project has one).
        coder : str
        spread : {"turn", "match"}
            Code the whole turn (like NVivo's "broad context"), or only each
            matched text as a span.

        Turns this coder already has this code on are skipped. The whole
        search is one action: :meth:`undo` reverses it.
        """
        if spread not in ("turn", "match"):
            raise InputError(f"spread: expected 'turn' or 'match', got {spread!r}")
        pattern = compile_query(query, regex=regex, case=case)
        found = self.search(query, regex=regex, case=case, include_facilitator=include_facilitator)
        desc = f"code_matches: {coder} coded turns matching {query!r} as {code!r}"
        with self._transaction("code_matches", desc, actor=coder) as tx:
            done = self._already_coded(code, coder)
            rows: list[tuple[str, int | None, int | None]] = []
            for sid, match_start, text in found[["segment_id", "match_start", "text"]].itertuples(index=False, name=None):
                cand: list[tuple[str, int | None, int | None]]
                if spread == "turn":
                    cand = [(sid, None, None)]
                else:
                    first = pattern.search(text)
                    if first is None:  # search() found the turn by this pattern; never reached
                        continue
                    seg_start = int(match_start) - first.start()
                    cand = [(sid, seg_start + m.start(), seg_start + m.end()) for m in pattern.finditer(text)]
                rows.extend(c for c in cand if c not in done)
            if not rows:
                tx.noop = True
                return []
            ids = self._insert_codings(self._manual_records(tx, rows, code, coder, evidence=f"search: {query}"))
        logger.info("%s: %s (%d turn(s), %d new coding(s))", self.path, desc, len(found), len(ids))
        return ids

    def review(self, *, status: str | None = "suggested", coder: str | None = None, code: str | None = None) -> pd.DataFrame:
        """Codings to review with their turn's role and text (:data:`REVIEW_COLUMNS`), least confident first.

        ``quote`` is the coded span, or the whole turn. Speakers appear by
        role only. Pass the ``coding_id`` values a reviewer agrees with to
        :meth:`accept` and the others to :meth:`reject`.
        """
        sql = (
            "SELECT c.coding_id, c.segment_id, s.role, c.code, c.coder, c.method, c.confidence, c.evidence, "
            "c.status, CASE WHEN c.start_char IS NULL THEN s.text ELSE substr(t.text, c.start_char + 1, "
            "c.end_char - c.start_char) END FROM codings c JOIN segments s USING (segment_id) "
            "JOIN transcripts t ON t.transcript_id = s.transcript_id"
        )
        where, params = [], []
        for col, value in (("c.status", status), ("c.coder", coder), ("c.code", code)):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(value)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(sql + " ORDER BY c.confidence IS NULL, c.confidence, c.coding_id", params).fetchall()
        if not rows:
            return schema.empty_frame(REVIEW_COLUMNS)
        frame = pd.DataFrame.from_records(rows, columns=list(REVIEW_COLUMNS))
        frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce").astype("float64")
        return frame

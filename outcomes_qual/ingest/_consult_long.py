"""The long layout: one row per answer, gathered into one record per respondent.

:class:`LongCollector` takes rows in file order (in chunks) and keeps, per
respondent, the first row number, the attribute values and the answers by
question key; :meth:`LongCollector.records` then gives the same records the
wide layout gives, so both layouts are melted by one function and build the
same corpus. Respondents come in order of first appearance; questions in
order of first appearance across the file.

The collector holds every answer's text until the end (a respondent's
answers may be anywhere in the file).

Examples
--------
>>> from outcomes_qual.ingest._consult_layout import LongLayout
>>> layout = LongLayout.detect(["respondent_id", "question_id", "answer", "sector"])
>>> col = LongCollector(layout)
>>> col.add([(2, ["r1", "Q1", "More time.", "NHS"]), (3, ["r2", "Q1", "Less paper.", "Council"]),
...          (4, ["r1", "Q2", "N/A", "NHS"])])
>>> [(rid, answers) for _, rid, _, answers in col.records()]
[('r1', {'q1': 'More time.', 'q2': 'N/A'}), ('r2', {'q1': 'Less paper.'})]
>>> col.attribute_decisions()[0][:2]
('sector', 'attribute')
"""

from __future__ import annotations

from collections import Counter

from ..errors import InputError
from ._consult_layout import _RESERVED, LongLayout, attribute_name, cell_text, question_key


class LongCollector:
    """Gather long-layout rows into per-respondent records (see the module doc)."""

    def __init__(self, layout: LongLayout, *, path=None):
        self.layout = layout
        self.path = path
        self.respondents: dict[str, dict] = {}
        self.questions: dict[str, dict] = {}  # key -> {"id", "text"} in order of first appearance
        self._key_of: dict[str, str] = {}
        self.problems: list[InputError] = []
        self.n_rows = 0
        self.conflicts: dict[int, set] = {}
        self.text_mismatch: Counter = Counter()
        self.unread_questions: Counter = Counter()

    def _key(self, qid: str | None, qtext: str | None) -> str:
        ident = qid if qid is not None else qtext
        if ident is None:  # the caller skips a row with neither
            raise ValueError("a question needs an id or a text")
        key = self._key_of.get(ident)
        if key is None:
            base = question_key(ident)
            key, n = base, 1
            while key in self.questions or key in self.unread_questions:
                n += 1
                key = f"{base}_{n}"
            self._key_of[ident] = key
        return key

    def add(self, rows) -> None:
        """Take ``(row_number, cells)`` rows; malformed ones become problems naming the file and row."""
        lay = self.layout
        n_cols = len(lay.headers)
        for rownum, cells in rows:
            self.n_rows += 1
            cells = list(cells)
            if len(cells) != n_cols:
                self.problems.append(
                    InputError(
                        f"row {rownum}: expected {n_cols} fields (as in the header), got {len(cells)}; row skipped",
                        path=self.path,
                        line=rownum,
                    )
                )
                continue
            rid = cell_text(cells[lay.id_index])
            if rid is None:
                self.problems.append(
                    InputError(
                        f"row {rownum}: no respondent id in column {lay.headers[lay.id_index]!r}; row skipped",
                        path=self.path,
                        line=rownum,
                    )
                )
                continue
            qid = cell_text(cells[lay.qid_index]) if lay.qid_index is not None else None
            qtext = cell_text(cells[lay.qtext_index]) if lay.qtext_index is not None else None
            if qid is None and qtext is None:
                cols = " or ".join(repr(lay.headers[i]) for i in (lay.qid_index, lay.qtext_index) if i is not None)
                self.problems.append(InputError(f"row {rownum}: no question in {cols}; row skipped", path=self.path, line=rownum))
                continue
            key = self._key(qid, qtext)
            if not lay.wants(qid, qtext, key):
                self.unread_questions[qid if qid is not None else qtext] += 1
                continue
            q = self.questions.setdefault(key, {"id": qid, "text": qtext if qtext is not None else qid})
            if qtext is not None and q["text"] != qtext and qid is not None:
                self.text_mismatch[key] += 1
            r = self.respondents.setdefault(rid, {"row": rownum, "attrs": {}, "answers": {}, "rows": {}})
            if key in r["answers"]:
                self.problems.append(
                    InputError(
                        f"row {rownum}: respondent {rid!r} answers question {q['id'] or key!r} again "
                        f"(first on row {r['rows'][key]}); row skipped",
                        path=self.path,
                        line=rownum,
                    )
                )
                continue
            r["answers"][key] = cells[lay.answer_index]
            r["rows"][key] = rownum
            for i in lay.others:
                v = cell_text(cells[i])
                if v is None:
                    continue
                prev = r["attrs"].setdefault(i, v)
                if prev != v:
                    self.conflicts.setdefault(i, set()).add(rid)

    def attribute_decisions(self) -> list[tuple[str, str, str, str | None, int]]:
        """Per other column: (name, ``attribute`` or ``unread``, why, doubt, column index)."""
        lay = self.layout
        out: list[tuple[str, str, str, str | None, int]] = []
        taken: set[str] = set()
        for i in lay.others:
            header = lay.headers[i]
            name = attribute_name(header)
            if name in taken or name in _RESERVED:
                name = f"{name}_attribute" if f"{name}_attribute" not in taken else f"{name}_{i}"
            n_conf = len(self.conflicts.get(i, ()))
            has_values = any(i in r["attrs"] for r in self.respondents.values())
            if lay.attribute_filter is not None and i not in lay.attribute_filter:
                out.append((name, "unread", "not named in attributes", None, i))
                continue
            if lay.attribute_filter is not None:
                doubt = None
                if n_conf:
                    doubt = (
                        f"column {header!r}: named in attributes but varies within {n_conf} respondent(s); their first value kept"
                    )
                out.append((name, "attribute", "named in attributes", doubt, i))
                taken.add(name)
                continue
            if n_conf:
                out.append(
                    (
                        name,
                        "unread",
                        f"varies within {n_conf} respondent(s), so not a respondent attribute",
                        f"column {header!r}: varies within {n_conf} respondent(s): not read as an attribute "
                        "(pass it to attributes to keep each respondent's first value)",
                        i,
                    )
                )
            elif not has_values:
                out.append((name, "unread", "empty column", None, i))
            else:
                out.append((name, "attribute", "one value per respondent", None, i))
                taken.add(name)
        return out

    def doubts(self) -> list[str]:
        """Doubts from the rows: question texts that differ for one question id."""
        return [
            f"question {self.questions[k]['id']!r}: {n} row(s) give another question text than the first; the first is kept"
            for k, n in self.text_mismatch.items()
        ]

    def records(self, attributes: dict | None = None):
        """Yield ``(row_number, respondent_id, attributes, answers)`` per respondent, in order of first appearance.

        ``attributes`` maps attribute name -> column index (default: every column
        :meth:`attribute_decisions` keeps).
        """
        if attributes is None:
            attributes = {name: i for name, role, _why, _d, i in self.attribute_decisions() if role == "attribute"}
        for rid, r in self.respondents.items():
            yield r["row"], rid, {name: r["attrs"].get(i) for name, i in attributes.items()}, r["answers"]

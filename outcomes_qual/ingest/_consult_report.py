"""What a consultation read decided and counted: :class:`ReadReport`.

Every read of a consultation export (wide or long) returns one, in
``corpus.reads``; it is logged at INFO and the CLI prints it. It names the
layout, the respondent id column, the question columns (or the question and
answer columns of a long export), the attribute columns, every column that
was read as neither (with why), the counts (rows, respondents, answers read,
non-responses per question) and any doubt. With ``strict`` a doubt is an
error (:meth:`ReadReport.raise_for_doubts`).

Examples
--------
>>> r = ReadReport(path="c.csv", layout="wide", id_column="respondent_id", n_rows=2, n_respondents=2, sampled_rows=2,
...                questions=[QuestionCount("q1", "Q1. What works?", "Q1. What works?", "free text", 1, 1, 0)],
...                attributes={"region": "Region"}, attribute_reasons={"region": "few repeated values"})
>>> print(r)  # doctest: +NORMALIZE_WHITESPACE
c.csv: wide layout (one row per respondent), 2 row(s); columns decided on the first 2
  respondent id: 'respondent_id'
  1 question(s), answered / non-response / blank:
    q1 <- 'Q1. What works?': 1 / 1 / 0  free text
  1 attribute column(s):
    region <- 'Region': few repeated values
  columns not read: none
  2 respondent(s): 1 answer(s) read, one segment each; 1 non-response(s) (N/A, none, ...) and 0 blank counted, not coded
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError


@dataclass(frozen=True)
class QuestionCount:
    """One question of a read: its key, where it came from, and its counts."""

    key: str
    column: str  # the wide column, or the long question id (else its text)
    text: str  # the question as written
    reason: str
    n_answered: int
    n_nonresponse: int  # an answer that is a non-response (N/A, none, no comment, -, ...)
    n_blank: int  # an empty cell, or (long layout) no row for this respondent and question


@dataclass
class ReadReport:
    """What a consultation read decided and counted (see the module doc)."""

    path: str | None
    layout: str  # "wide" or "long"
    id_column: str
    questions: list = field(default_factory=list)  # QuestionCount
    attributes: dict = field(default_factory=dict)  # attribute name -> column header
    attribute_reasons: dict = field(default_factory=dict)  # attribute name -> why
    unread: list = field(default_factory=list)  # (column, why)
    doubts: list = field(default_factory=list)
    n_rows: int = 0
    n_respondents: int = 0
    n_problems: int = 0
    sampled_rows: int = 0
    question_column: str | None = None  # long layout: question id column
    question_text_column: str | None = None  # long layout: question text column
    answer_column: str | None = None  # long layout
    unread_questions: dict = field(default_factory=dict)  # long layout: question -> rows not read (not named)

    @property
    def n_answers(self) -> int:
        """Answers read (one segment each)."""
        return sum(q.n_answered for q in self.questions)

    @property
    def n_nonresponse(self) -> int:
        """Answers that were non-responses (counted, not coded)."""
        return sum(q.n_nonresponse for q in self.questions)

    @property
    def n_blank(self) -> int:
        """(respondent, question) pairs with no answer at all."""
        return sum(q.n_blank for q in self.questions)

    def lines(self) -> list[str]:
        """The report as lines of text (what the CLI prints)."""
        where = self.path or "consultation"
        if self.layout == "long":
            out = [f"{where}: long layout (one row per answer), {self.n_rows} row(s)"]
            qcols = " and ".join(
                f"{what} {col!r}" for what, col in (("id", self.question_column), ("text", self.question_text_column)) if col
            )
            out.append(f"  respondent id: {self.id_column!r}; question: {qcols}; answer: {self.answer_column!r}")
        else:
            out = [
                f"{where}: wide layout (one row per respondent), {self.n_rows} row(s); "
                f"columns decided on the first {self.sampled_rows}"
            ]
            out.append(f"  respondent id: {self.id_column!r}")
        out.append(f"  {len(self.questions)} question(s), answered / non-response / blank:")
        for q in self.questions:
            text = q.text if len(q.text) <= 60 else q.text[:57] + "..."
            about = q.reason if self.layout == "wide" else ""
            if q.text != q.column:
                about = f"{text!r}" + (f"; {about}" if about else "")
            out.append(
                f"    {q.key} <- {q.column!r}: {q.n_answered} / {q.n_nonresponse} / {q.n_blank}" + (f"  {about}" if about else "")
            )
        if self.attributes:
            out.append(f"  {len(self.attributes)} attribute column(s):")
            for name, col in self.attributes.items():
                out.append(f"    {name} <- {col!r}: {self.attribute_reasons.get(name, '')}")
        else:
            out.append("  attribute columns: none")
        if self.unread:
            out.append(f"  {len(self.unread)} column(s) not read:")
            for col, why in self.unread:
                out.append(f"    {col!r}: {why}")
        else:
            out.append("  columns not read: none")
        for q, n in self.unread_questions.items():
            out.append(f"  question {q!r} not read (not named in questions): {n} row(s)")
        out.append(
            f"  {self.n_respondents} respondent(s): {self.n_answers} answer(s) read, one segment each; "
            f"{self.n_nonresponse} non-response(s) (N/A, none, ...) and {self.n_blank} blank counted, not coded"
            + (f"; {self.n_problems} malformed row(s) skipped" if self.n_problems else "")
        )
        for d in self.doubts:
            out.append(f"  doubt: {d}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def raise_for_doubts(self) -> None:
        """Raise :class:`InputError` (one line, naming the file) when there is any doubt.

        Examples
        --------
        >>> ReadReport(path="x.csv", layout="wide", id_column="id", doubts=["column 'a': unsure"]).raise_for_doubts()
        Traceback (most recent call last):
        ...
        outcomes_qual.errors.InputError: x.csv: strict: 1 doubt about the columns: column 'a': unsure; name the columns with
        questions/attributes (--questions/--attributes)
        """
        if self.doubts:
            n = len(self.doubts)
            raise InputError(
                f"strict: {n} doubt{'s' if n > 1 else ''} about the columns: {' | '.join(self.doubts)}; "
                "name the columns with questions/attributes (--questions/--attributes)",
                path=self.path,
            )

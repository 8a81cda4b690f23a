"""Which columns of a consultation export are questions, attributes, or neither.

Two layouts are told apart from the header:

- **long** (one row per answer): a respondent id column, a question id
  and/or question text column, and an answer column (names in
  :data:`QUESTION_ID_COLUMNS`, :data:`QUESTION_TEXT_COLUMNS`,
  :data:`ANSWER_COLUMNS`);
- **wide** (one row per respondent): a respondent id column and one column
  per question.

In the wide layout each other column is profiled on a sample of rows
(:func:`profile_column`) and its content decides (:func:`decide_column`):
free text (long, varied answers) is a question; numbers, dates, yes/no and a
few repeated values are attributes. Header hints (``Q1 ...``, ending in
``?``; known attribute names such as ``authority``) decide where the content
does not, and a disagreement between header and content is a *doubt*,
named in the read report (an error with ``strict``). ``questions`` and
``attributes`` given by the user override the guess.

Examples
--------
>>> free = ["I was listened to for once.", "Forms take too long to fill in.", "More time with families, please."]
>>> profile_column(free).kind, profile_column(["Yes", "No", "yes"]).kind, profile_column(["3", "12", "7"]).kind
('free_text', 'yes_no', 'numbers')
>>> profile_column(["Public university", "Community college", "Public university", "Public university", "Community college"]).kind
'categories'
>>> decide_column("open_7", profile_column(free)).role, decide_column("Q3", profile_column(["Yes", "No"])).role
('question', 'attribute')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..errors import InputError

#: Headers (canonical) that name the respondent id column, in order of preference.
ID_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "respondent",
    "response_id",
    "responseid",
    "respondentid",
    "id",
    "respondent_number",
    "ref",
    "participant_id",
    "record_id",
    "submission_id",
    "case_id",
)

#: Headers (canonical) that name a long layout's respondent id column (not ``id`` or
#: ``response_id``: in a table of answers those name the answer, not who gave it).
LONG_ID_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "respondent",
    "respondentid",
    "respondent_number",
    "participant_id",
    "participant",
    "record_id",
    "submission_id",
    "case_id",
)

#: Headers (canonical) of a long layout's question id column.
QUESTION_ID_COLUMNS: tuple[str, ...] = (
    "question_id",
    "questionid",
    "qid",
    "question_key",
    "question_code",
    "question_number",
    "item_id",
)

#: Headers (canonical) of a long layout's question text column.
QUESTION_TEXT_COLUMNS: tuple[str, ...] = ("question", "question_text", "questiontext", "question_label", "prompt", "item_text")

#: Headers (canonical) of a long layout's answer column.
ANSWER_COLUMNS: tuple[str, ...] = ("answer", "answer_text", "response", "response_text", "text", "comment", "comments", "reply")

#: Canonical attribute names and the headers that mean them.
ATTRIBUTE_ALIASES: dict[str, str] = {
    "respondent_type": "respondent_type",
    "type": "respondent_type",
    "responding_as": "respondent_type",
    "role": "respondent_type",
    "organisation": "organisation",
    "organization": "organisation",
    "organisation_name": "organisation",
    "authority": "authority",
    "local_authority": "authority",
    "council": "authority",
    "region": "region",
    "area": "region",
    "sector": "sector",
    "department": "department",
}

#: Rows of the file the wide layout is decided on (the first ones).
SAMPLE_ROWS = 2000

#: Cells left out when profiling a column (markers of no answer, whatever the column).
_BLANK_MARKERS = frozenset({"n/a", "na", "n.a", "n.a.", "-", "--", "---", ".", "?"})

_QUESTION_KEY = re.compile(r"^\s*(q(?:uestion)?\s*[\.\-_ ]?\s*(\d+[a-z]?))\b", re.I)
_NUMBER = re.compile(r"^[<>~]?\s*[-+]?\d[\d,]*(?:\.\d+)?\s*(?:[-\u2013]\s*\d[\d,]*(?:\.\d+)?)?\s*(?:\+|%|years?|yrs?)?$", re.I)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?)?"
    rf"|\d{{1,2}}\s+(?:{_MONTHS})[a-z]*\.?,?\s+\d{{4}}|(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}},?\s+\d{{4}}|(?:{_MONTHS})[a-z]*\s+\d{{4}})$",
    re.I,
)
_YES_NO = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f"})


def canonical(header: object) -> str:
    """Canonical column name: lower case, runs of spaces/dashes to ``_``.

    Examples
    --------
    >>> canonical(" Local Authority "), canonical("Responding-as")
    ('local_authority', 'responding_as')
    """
    return re.sub(r"[\s\-]+", "_", str(header).strip().lower())


def question_key(header: object) -> str:
    """Short key for a question: ``q1`` from ``"Q1. What works?"``, else a slug.

    Examples
    --------
    >>> question_key("Q1. What works?"), question_key("Question 12b: other"), question_key("Any other comments?")
    ('q1', 'q12b', 'any_other_comments')
    >>> question_key("N2"), question_key("open_7")
    ('n2', 'open_7')
    """
    text = str(header).strip()
    m = _QUESTION_KEY.match(text)
    if m:
        return "q" + m.group(2).lower()
    slug = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return slug[:40].rstrip("_") or "question"


def attribute_name(header: object) -> str:
    """Snake-case name of an attribute column (standard names for known aliases).

    Examples
    --------
    >>> attribute_name("Local authority"), attribute_name("Q1. Which sector?"), attribute_name("Opt in to follow-up")
    ('authority', 'q1_which_sector', 'opt_in_to_follow_up')
    """
    c = canonical(header)
    if c in ATTRIBUTE_ALIASES:
        return ATTRIBUTE_ALIASES[c]
    return re.sub(r"[^0-9a-z]+", "_", str(header).strip().lower()).strip("_")[:60] or "attribute"


def header_hint(header: str) -> str | None:
    """``"question"`` for ``Q1 ...`` / ``Question 2`` / ending in ``?``; ``"attribute"`` for a known attribute name.

    Examples
    --------
    >>> header_hint("Q12. Why?"), header_hint("Local authority"), header_hint("N2")
    ('question', 'attribute', None)
    """
    text = str(header).strip()
    if _QUESTION_KEY.match(text) or text.endswith("?"):
        return "question"
    if canonical(text) in ATTRIBUTE_ALIASES:
        return "attribute"
    return None


def cell_text(v) -> str | None:
    """A cell as stripped text, or None when empty (whole floats lose their ``.0``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pass
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


@dataclass(frozen=True)
class ColumnProfile:
    """What the non-empty cells of a column look like (on the sampled rows)."""

    n_cells: int
    n_filled: int
    n_distinct: int
    mean_words: float
    share_numbers: float
    share_dates: float
    share_yes_no: float

    @property
    def kind(self) -> str:
        """``empty``, ``numbers``, ``dates``, ``yes_no``, ``categories``, ``free_text`` or ``short_text``."""
        n = self.n_filled
        if n == 0:
            return "empty"
        if self.share_numbers >= 0.9:
            return "numbers"
        if self.share_dates >= 0.9:
            return "dates"
        if self.share_yes_no >= 0.9:
            return "yes_no"
        ratio = self.n_distinct / n
        if self.mean_words >= LONG_ANSWER_WORDS:
            # sentences, even when many are the same (a campaign's copied answer): answers, not categories
            return "free_text"
        if n >= 5 and ratio <= 0.5 and self.n_distinct <= 30:
            return "categories"
        if self.mean_words >= 3.5 and ratio > 0.5:
            return "free_text"
        return "short_text"

    def describe(self) -> str:
        """The content in a few words, for the read report.

        Examples
        --------
        >>> profile_column(["Public", "Private", "Public", "Public", "Private"]).describe()
        'few repeated values (2 distinct in 5 cells)'
        """
        kind = self.kind
        spread = f"{self.n_distinct} distinct in {self.n_filled} cells"
        if kind in ("free_text", "short_text"):
            return f"{kind.replace('_', ' ')} ({self.mean_words:.1f} words on average, {spread})"
        return {
            "empty": "no values",
            "numbers": "numbers",
            "dates": "dates",
            "yes_no": "yes/no",
            "categories": f"few repeated values ({spread})",
        }[kind]


#: Cells this long on average (words) are answers even when they repeat: no category is a sentence.
LONG_ANSWER_WORDS = 8.0


def profile_column(values) -> ColumnProfile:
    """Profile the cells of one column (empty cells and ``N/A``-like markers are left out).

    Examples
    --------
    >>> p = profile_column(["Yes", "", None, "No", "N/A"])
    >>> (p.n_cells, p.n_filled, p.kind)
    (5, 2, 'yes_no')
    """
    values = list(values)
    filled = []
    for v in values:
        t = cell_text(v)
        if t is None or t.lower() in _BLANK_MARKERS:
            continue
        filled.append(" ".join(t.split()))
    n = len(filled)
    if not n:
        return ColumnProfile(len(values), 0, 0, 0.0, 0.0, 0.0, 0.0)
    low = [t.lower() for t in filled]
    return ColumnProfile(
        n_cells=len(values),
        n_filled=n,
        n_distinct=len(set(low)),
        mean_words=sum(len(t.split()) for t in filled) / n,
        share_numbers=sum(bool(_NUMBER.match(t)) for t in low) / n,
        share_dates=sum(bool(_DATE.match(t)) for t in low) / n,
        share_yes_no=sum(t.rstrip(".!") in _YES_NO for t in low) / n,
    )


@dataclass(frozen=True)
class ColumnDecision:
    """How one column was read: ``role`` is ``id``, ``question``, ``attribute`` or ``unread``."""

    column: str
    role: str
    reason: str
    doubt: str | None = None
    name: str | None = None  # question key or attribute name


def decide_column(header: str, profile: ColumnProfile) -> ColumnDecision:
    """Question, attribute or unread, from the content first and the header where the content does not tell.

    Examples
    --------
    >>> decide_column("Institution type", profile_column(["Public", "Private", "Public", "Public", "Public"])).reason
    'few repeated values (2 distinct in 5 cells)'
    >>> d = decide_column("Q7. Are you a manager?", profile_column(["Yes", "No", "No"]))
    >>> (d.role, d.doubt is not None)
    ('attribute', True)
    """
    hint = header_hint(header)
    kind = profile.kind
    what = profile.describe()
    if kind == "empty":
        if hint == "question":
            return ColumnDecision(
                header,
                "question",
                f"header looks like a question; no answers in the {profile.n_cells} row(s) the columns were decided on",
            )
        return ColumnDecision(header, "unread", f"no values in the {profile.n_cells} row(s) the columns were decided on")
    if kind in ("numbers", "dates", "yes_no", "categories"):
        reason = what
        doubt = None
        if hint == "question":
            doubt = (
                f"column {header!r}: the header looks like a question but the cells are {reason}; "
                "read as an attribute (a closed question): pass it to questions to read it as answers"
            )
        return ColumnDecision(header, "attribute", reason, doubt)
    if kind == "free_text" and hint == "attribute" and profile.mean_words < 6:
        # names of organisations and the like: a few words each, under an attribute's name
        return ColumnDecision(header, "attribute", f"header names an attribute ({what})")
    if kind == "free_text":
        doubt = None
        if hint == "attribute":
            doubt = (
                f"column {header!r}: the header names an attribute but the cells are free text ({what}); "
                "read as a question: pass it to attributes to keep it as an attribute"
            )
        elif profile.n_filled < 3 and hint is None:
            doubt = f"column {header!r}: only {profile.n_filled} answer(s) to judge from; read as a question"
        return ColumnDecision(header, "question", what, doubt)
    # short, varied text: names, codes, or short answers
    if hint == "question":
        return ColumnDecision(header, "question", f"header looks like a question ({what})")
    if hint == "attribute":
        return ColumnDecision(header, "attribute", f"header names an attribute ({what})")
    return ColumnDecision(
        header,
        "unread",
        f"neither question nor attribute: {what}",
        f"column {header!r}: {what}: neither free-text answers nor a few repeated values; not read "
        "(pass it to questions or attributes)",
    )


def _match_columns(wanted, headers, *, what: str, path, extra_keys=None) -> list[int]:
    """Indices of ``headers`` named in ``wanted`` (by header, canonical header or question key)."""
    canon = [canonical(h) for h in headers]
    keys = [question_key(h) for h in headers]
    out: list[int] = []
    missing: list = []

    def hits_of(w):
        cw, kw = canonical(w), question_key(w)
        hits = [i for i in range(len(headers)) if headers[i].strip() == str(w).strip()]
        return hits or [i for i in range(len(headers)) if canon[i] == cw] or [i for i in range(len(headers)) if keys[i] == kw]

    for w in wanted:
        hits = hits_of(w)
        if not hits and "," in str(w):  # "N2,N3,Q5" from the command line
            pieces = [p.strip() for p in str(w).split(",") if p.strip()]
            missing.extend(p for p in pieces if not hits_of(p))
            hits = [i for p in pieces for i in hits_of(p)]
        elif not hits:
            missing.append(str(w))
        for i in hits:
            if i not in out:
                out.append(i)
    if missing:
        raise InputError(
            f"{what}: expected columns of the header {list(headers)}, got {missing} which are not there", path=path, line=1
        )
    return out


def find_id_column(headers, *, path=None, id_column=None) -> int:
    """Index of the respondent id column.

    Raises
    ------
    InputError
        When ``id_column`` is not a header, or no header names a respondent id.
    """
    canon = [canonical(h) for h in headers]
    if id_column is not None:
        want = canonical(id_column)
        if want not in canon:
            raise InputError(f"id_column: expected one of the headers {list(headers)}, got {id_column!r}", path=path, line=1)
        return canon.index(want)
    found = [canon.index(c) for c in ID_COLUMNS if c in canon]
    if not found:
        raise InputError(f"expected a respondent id column (one of {list(ID_COLUMNS)}), got {list(headers)}", path=path, line=1)
    return found[0]


def unique_keys(headers_or_ids) -> list[str]:
    """Question keys, made unique with ``_2``, ``_3`` ... where two give the same key.

    Examples
    --------
    >>> unique_keys(["Q1. What?", "Q1 (continued)", "N2"])
    ['q1', 'q1_2', 'n2']
    """
    out: list[str] = []
    seen: dict[str, int] = {}
    for h in headers_or_ids:
        key = question_key(h)
        if key in seen:
            seen[key] += 1
            key = f"{key}_{seen[key]}"
            while key in seen:
                key += "_"
        seen.setdefault(key, 1)
        out.append(key)
    return out


@dataclass(frozen=True)
class ConsultationLayout:
    """A wide export's columns: the id, the attributes and the questions, and why.

    Built once (from the header and the first :data:`SAMPLE_ROWS` rows, see
    :meth:`detect`); the same layout is used for every chunk or partition.
    """

    headers: tuple[str, ...]
    id_index: int
    attributes: dict = field(default_factory=dict)  # attribute name -> column index
    questions: dict = field(default_factory=dict)  # question key -> column index
    decisions: tuple = ()  # ColumnDecision per column, in header order
    layout: str = "wide"

    @classmethod
    def detect(cls, headers, rows=(), *, path=None, questions=None, attributes=None, id_column=None) -> "ConsultationLayout":
        """Decide each column from its header and content (see the module doc).

        Parameters
        ----------
        headers : sequence of str
        rows : iterable of (row_number, cells)
            Sample rows; without them only the headers decide.
        questions, attributes : list of str, optional
            Columns to read as questions / attributes (headers, or keys such as
            ``q1``); when given, no other column is read as one.
        id_column : str, optional

        Raises
        ------
        InputError
            When there is no id column, a named column is missing, or no column is a question.
        """
        headers = tuple("" if h is None else str(h) for h in headers)
        id_index = find_id_column(headers, path=path, id_column=id_column)
        rest = [i for i in range(len(headers)) if i != id_index and headers[i].strip()]
        want_q = set(_match_columns(questions, headers, what="questions", path=path)) if questions is not None else None
        want_a = set(_match_columns(attributes, headers, what="attributes", path=path)) if attributes is not None else None
        if want_q is not None and want_a is not None and want_q & want_a:
            both = [headers[i] for i in sorted(want_q & want_a)]
            raise InputError(f"questions and attributes: a column cannot be both, got {both} in both", path=path, line=1)
        rows = [cells for _, cells in rows]
        have_rows = bool(rows)
        decisions: list[ColumnDecision] = []
        for i in range(len(headers)):
            h = headers[i]
            if i == id_index:
                decisions.append(ColumnDecision(h, "id", "respondent id"))
                continue
            if i not in rest:
                decisions.append(ColumnDecision(h, "unread", "no header"))
                continue
            if want_q is not None and i in want_q:
                decisions.append(ColumnDecision(h, "question", "named in questions"))
                continue
            if want_a is not None and i in want_a:
                decisions.append(ColumnDecision(h, "attribute", "named in attributes"))
                continue
            if have_rows:
                d = decide_column(h, profile_column(cells[i] if i < len(cells) else None for cells in rows))
            else:
                hint = header_hint(h)
                d = ColumnDecision(
                    h,
                    hint or "question",
                    "header only ("
                    + ("looks like a question" if hint == "question" else "attribute name" if hint else "no rows read")
                    + ")",
                )
            if want_q is not None and d.role == "question":
                d = ColumnDecision(
                    h,
                    "attribute" if d.doubt is None and header_hint(h) == "attribute" else "unread",
                    f"not named in questions ({d.reason})",
                )
            if want_a is not None and d.role == "attribute":
                d = ColumnDecision(h, "unread", f"not named in attributes ({d.reason})")
            if want_q is not None and want_a is not None:
                d = ColumnDecision(d.column, d.role, d.reason, None)  # every column was named or left out on purpose
            decisions.append(d)
        if not have_rows and questions is None and any(header_hint(headers[i]) == "question" for i in rest):
            # headers only: where some headers look like questions, the others are attributes (as before content profiling)
            decisions = [
                ColumnDecision(d.column, "attribute", "header only (not like a question)")
                if d.role == "question" and header_hint(d.column) != "question"
                else d
                for d in decisions
            ]
        q_idx = [i for i, d in enumerate(decisions) if d.role == "question"]
        if not q_idx:
            raise InputError(
                f"expected at least one open-question column (free text) besides the id and attributes, got {list(headers)}"
                + (" (pass questions to name them)" if questions is None else ""),
                path=path,
                line=1,
            )
        keys = unique_keys(headers[i] for i in q_idx)
        qmap = dict(zip(keys, q_idx, strict=True))
        key_of = {i: k for k, i in qmap.items()}
        attrs: dict[str, int] = {}
        final = []
        for i, d in enumerate(decisions):
            name = None
            if d.role == "attribute":
                name = attribute_name(headers[i])
                if name in attrs or name in _RESERVED:
                    name = f"{name}_attribute" if f"{name}_attribute" not in attrs else f"{name}_{i}"
                attrs[name] = i
            elif d.role == "question":
                name = key_of[i]
            final.append(ColumnDecision(d.column, d.role, d.reason, d.doubt, name))
        return cls(headers, id_index, attrs, qmap, tuple(final), "wide")

    @classmethod
    def from_header(cls, headers, *, path=None, questions=None, id_column=None) -> "ConsultationLayout":
        """The layout from the header alone (no content): see :meth:`detect`."""
        return cls.detect(headers, (), path=path, questions=questions, id_column=id_column)

    @property
    def attribute_names(self) -> list[str]:
        """Attribute columns in output order: the standard ones, then the others sorted."""
        std = [c for c in ("respondent_type", "organisation", "authority", "region") if c in self.attributes]
        return std + sorted(c for c in self.attributes if c not in std)

    @property
    def question_texts(self) -> dict:
        """Question key -> the question as written (the header)."""
        return {k: self.headers[i].strip() for k, i in self.questions.items()}

    @property
    def doubts(self) -> list[str]:
        """Doubtful decisions, one sentence each."""
        return [d.doubt for d in self.decisions if d.doubt]


#: Names an attribute may not take (segment columns and the question columns).
_RESERVED = frozenset(
    {
        "segment_id",
        "transcript_id",
        "turn",
        "speaker",
        "participant_id",
        "role",
        "text",
        "start_char",
        "end_char",
        "start_s",
        "end_s",
        "question",
        "question_text",
        "respondent_id",
        "method",
        "n_turns",
        "source_path",
        "format",
        "date",
        "nonresponse",
        "n_questions",
        "n_answered",
    }
)


@dataclass(frozen=True)
class LongLayout:
    """A long export's columns: respondent id, question id and/or text, answer, and the other columns."""

    headers: tuple[str, ...]
    id_index: int
    qid_index: int | None
    qtext_index: int | None
    answer_index: int
    others: tuple = ()  # column indices that may be attributes (kept when constant per respondent)
    questions: tuple | None = None  # wanted question ids/keys/texts (None: all)
    attribute_filter: tuple | None = None  # indices named in attributes (None: every constant column)
    layout: str = "long"

    @classmethod
    def detect(cls, headers, *, path=None, questions=None, attributes=None, id_column=None) -> "LongLayout | None":
        """The long layout, or None when the header is not one (see the module doc)."""
        headers = tuple("" if h is None else str(h) for h in headers)
        canon = [canonical(h) for h in headers]
        qid = next((canon.index(c) for c in QUESTION_ID_COLUMNS if c in canon), None)
        qtext = next((canon.index(c) for c in QUESTION_TEXT_COLUMNS if c in canon), None)
        ans = next((canon.index(c) for c in ANSWER_COLUMNS if c in canon), None)
        if ans is None or (qid is None and qtext is None):
            return None
        id_index: int | None
        if id_column is not None:
            id_index = find_id_column(headers, path=path, id_column=id_column)
        else:
            id_index = next((canon.index(c) for c in LONG_ID_COLUMNS if c in canon), None)
            if id_index is None:
                return None
        used = {id_index, qid, qtext, ans}
        others = tuple(i for i in range(len(headers)) if i not in used and headers[i].strip())
        filt = None
        if attributes is not None:
            filt = tuple(_match_columns(attributes, headers, what="attributes", path=path))
            bad = [headers[i] for i in filt if i in used]
            if bad:
                raise InputError(f"attributes: {bad} are the id, question or answer column, not attributes", path=path, line=1)
        wanted = None
        if questions is not None:
            wanted = tuple(
                dict.fromkeys([*map(str, questions), *(p.strip() for q in questions for p in str(q).split(",") if p.strip())])
            )
        return cls(headers, id_index, qid, qtext, ans, others, wanted, filt)

    def wants(self, qid: str | None, qtext: str | None, key: str) -> bool:
        """True when the question is to be read (every question unless ``questions`` was given)."""
        if self.questions is None:
            return True
        for w in self.questions:
            if w.strip() in (qid or "", qtext or "") or question_key(w) == key:
                return True
        return False


def is_long_header(headers) -> bool:
    """True for a long-layout header (respondent id, question id or text, answer).

    Examples
    --------
    >>> is_long_header(["respondent_id", "question_id", "question", "answer"]), is_long_header(["id", "text", "role"])
    (True, False)
    """
    try:
        return LongLayout.detect(headers) is not None
    except InputError:  # pragma: no cover - detect raises only for attributes given
        return False

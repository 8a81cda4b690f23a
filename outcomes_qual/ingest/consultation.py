"""Consultation exports: one row per respondent, one column per open question.

A consultation export is *wide*: a respondent id column, respondent
attributes (respondent type or role, organisation, authority, region, ...)
and one column per open question. Formats: CSV, XLSX (first sheet) and
Parquet (``pyarrow``, the ``scale`` extra, imported lazily).

Each non-empty answer becomes one segment (respondent x question):

- ``segment_id`` is ``"{respondent_id}:{question}"``, ``question`` (a short key
  such as ``q1`` taken from a ``Q1. ...`` header, else a slug of the header)
  is kept as a segment column;
- each respondent is one transcript (``"{file stem}:{respondent_id}"``) whose
  plain text is their answers joined by blank lines, so
  ``texts[transcript_id][start_char:end_char] == text`` holds and offsets
  never depend on other rows (the Dask engine reads partitions on their own);
- ``role`` is the respondent type (``"Team manager"`` -> ``manager`` as for
  rosters; ``"Individual"`` -> ``individual``); the type as written and every
  attribute column are participant attributes and segment columns;
- empty answers and non-responses (``N/A``, ``no comment``, ``none``, ``-``,
  ... see :data:`NON_RESPONSES`) are counted, not coded: the transcript row
  lists them in ``nonresponse`` and :func:`nonresponse_by_question` tables
  them.

A malformed row (wrong number of fields, no respondent id, a repeated id) is
reported as an :class:`~outcomes_qual.errors.InputError` naming the file and
row (the CSV line, the sheet row, or the Parquet row counting the header as
row 1) and the rest is read.

Examples
--------
>>> data = ("respondent_id,respondent_type,authority,Q1. What works?,Q2. What would you change?\\n"
...         "r1,Individual,Glanafon,Being asked what matters.,N/A\\n"
...         "r2,Team manager,Strathlinn,Fewer forms.,More time with families.\\n")
>>> corpus = parse_consultation_csv(data, "nc")
>>> corpus.segments[["segment_id", "question", "role", "text"]].values.tolist()
[['r1:q1', 'q1', 'individual', 'Being asked what matters.'], ['r2:q1', 'q1', 'manager', 'Fewer forms.'], ['r2:q2', 'q2', 'manager', 'More time with families.']]
>>> nonresponse_by_question(corpus)[["question", "n_respondents", "n_answered", "n_nonresponse"]].values.tolist()
[['q1', 2, 2, 0], ['q2', 2, 1, 1]]
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..corpus import Corpus
from ..errors import InputError
from ..text import normalise_text
from .roles import normalise_role

logger = logging.getLogger(__name__)

#: Answers that are counted as non-response, not coded (compared lower-case, trimmed, without a final full stop).
NON_RESPONSES: frozenset[str] = frozenset(
    {
        "", "n/a", "na", "n.a", "n.a.", "n / a", "no comment", "no comments", "none", "nothing", "nil",
        "-", "--", "---", ".", "no", "no response", "not answered", "nothing to add", "no further comments",
    }
)

#: Headers (canonical) that name the respondent id column, in order of preference.
ID_COLUMNS: tuple[str, ...] = ("respondent_id", "respondent", "response_id", "id", "respondent_number", "ref")

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

#: Columns of :func:`nonresponse_by_question`.
NONRESPONSE_COLUMNS: tuple[str, ...] = ("question", "n_respondents", "n_answered", "n_nonresponse", "share_nonresponse")

#: Segment columns a consultation adds after :data:`outcomes_qual.schema.SEGMENT_COLUMNS`.
CONSULTATION_SEGMENT_COLUMNS: tuple[str, ...] = ("question", "respondent_type", "organisation", "authority", "region")

_QUESTION_KEY = re.compile(r"^\s*(q(?:uestion)?\s*[\.\-_ ]?\s*(\d+[a-z]?))\b", re.I)


def canonical(header: object) -> str:
    """Canonical column name: lower case, runs of spaces/dashes to ``_``.

    Examples
    --------
    >>> canonical(" Local Authority "), canonical("Responding-as")
    ('local_authority', 'responding_as')
    """
    return re.sub(r"[\s\-]+", "_", str(header).strip().lower())


def question_key(header: object) -> str:
    """Short key for a question column: ``q1`` from ``"Q1. What works?"``, else a slug.

    Examples
    --------
    >>> question_key("Q1. What works?"), question_key("Question 12b: other"), question_key("Any other comments?")
    ('q1', 'q12b', 'any_other_comments')
    """
    text = str(header).strip()
    m = _QUESTION_KEY.match(text)
    if m:
        return "q" + m.group(2).lower()
    slug = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return slug[:40].rstrip("_") or "question"


def is_nonresponse(value: object) -> bool:
    """True for an empty answer or one of :data:`NON_RESPONSES`.

    Examples
    --------
    >>> [is_nonresponse(v) for v in ["N/A", " No comment. ", None, "-", "None of it works"]]
    [True, True, True, True, False]
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    text = " ".join(str(value).split()).lower().rstrip(".!")
    return text in NON_RESPONSES


def _slug_type(raw: object) -> str:
    if raw is None or not str(raw).strip():
        return "unknown"
    role = normalise_role(raw)
    if role in ("practitioner", "senior", "manager", "mentor"):
        return role
    return re.sub(r"[^0-9a-z]+", "_", str(raw).strip().lower()).strip("_") or "unknown"


@dataclass(frozen=True)
class ConsultationLayout:
    """Which columns of a consultation export are the id, attributes and questions.

    Built once from the header by :meth:`from_header`; the same layout is used
    for every chunk or partition of the file.
    """

    headers: tuple[str, ...]
    id_index: int
    attributes: dict = field(default_factory=dict)  # canonical name -> column index
    questions: dict = field(default_factory=dict)  # question key -> column index

    @classmethod
    def from_header(cls, headers, *, path=None, questions=None, id_column=None) -> "ConsultationLayout":
        """Find the id, attribute and question columns.

        Question columns are those given in ``questions``; else those whose
        header looks like a question (``Q1 ...`` or ending in ``?``); else every
        column that is neither the id nor a known attribute. Columns that are
        neither become attributes under their canonical name.

        Raises
        ------
        InputError
            When there is no id column or no question column.
        """
        headers = tuple("" if h is None else str(h) for h in headers)
        canon = [canonical(h) for h in headers]
        if id_column is not None:
            want = canonical(id_column)
            if want not in canon:
                raise InputError(f"id_column: expected one of the headers {list(headers)}, got {id_column!r}", path=path, line=1)
            id_index = canon.index(want)
        else:
            found = [canon.index(c) for c in ID_COLUMNS if c in canon]
            if not found:
                raise InputError(
                    f"expected a respondent id column (one of {list(ID_COLUMNS)}), got {list(headers)}", path=path, line=1
                )
            id_index = found[0]
        rest = [i for i in range(len(headers)) if i != id_index and headers[i].strip()]
        if questions is not None:
            wanted = {canonical(q) for q in questions}
            q_idx = [i for i in rest if canon[i] in wanted or question_key(headers[i]) in wanted]
            if len(q_idx) != len(wanted):
                raise InputError(f"questions: expected columns {sorted(wanted)}, found {[headers[i] for i in q_idx]}", path=path, line=1)
        else:
            q_idx = [i for i in rest if _QUESTION_KEY.match(headers[i]) or headers[i].strip().endswith("?")]
            if not q_idx:
                q_idx = [i for i in rest if canon[i] not in ATTRIBUTE_ALIASES]
        if not q_idx:
            raise InputError(f"expected at least one open-question column besides the id and attributes, got {list(headers)}", path=path, line=1)
        qkeys: dict[str, int] = {}
        for i in q_idx:
            key = question_key(headers[i])
            if key in qkeys:
                raise InputError(f"two question columns give the key {key!r}: {headers[qkeys[key]]!r} and {headers[i]!r}", path=path, line=1)
            qkeys[key] = i
        attrs: dict[str, int] = {}
        for i in rest:
            if i in q_idx:
                continue
            name = ATTRIBUTE_ALIASES.get(canon[i], canon[i])
            attrs.setdefault(name, i)
        return cls(headers, id_index, attrs, qkeys)

    @property
    def attribute_names(self) -> list[str]:
        """Attribute columns in output order: the standard ones, then the others sorted."""
        std = [c for c in ("respondent_type", "organisation", "authority", "region") if c in self.attributes]
        return std + sorted(c for c in self.attributes if c not in std)


#: Columns of the ``respondents`` (transcripts) rows a chunk yields besides the transcript columns.
RESPONDENT_EXTRA_COLUMNS: tuple[str, ...] = ("respondent_id", "n_questions", "n_answered", "nonresponse")


def _cell(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


def melt_rows(rows, layout: ConsultationLayout, *, stem: str, path=None):
    """Turn wide rows into segments, respondent rows and problems.

    Parameters
    ----------
    rows : iterable of (row_number, sequence of cells)
        Cells in header order; ``row_number`` is what messages name.
    layout : ConsultationLayout
    stem : str
        The file's stem, prefixing transcript ids.
    path : str, optional
        For messages.

    Returns
    -------
    segments : pandas.DataFrame
        :data:`schema.SEGMENT_COLUMNS` + :data:`CONSULTATION_SEGMENT_COLUMNS` + other attributes.
    respondents : pandas.DataFrame
        One row per respondent: :data:`schema.TRANSCRIPT_COLUMNS` + :data:`RESPONDENT_EXTRA_COLUMNS` + attributes.
    problems : list of InputError
        Malformed rows (skipped).
    ids : dict
        respondent id -> row number, for the caller's duplicate check across chunks.
    """
    attr_names = layout.attribute_names
    seg_rows, resp_rows, problems, ids = [], [], [], {}
    n_cols = len(layout.headers)
    qitems = list(layout.questions.items())
    fmt = Path(path).suffix.lstrip(".").lower() if path else "table"
    for rownum, cells in rows:
        cells = list(cells)
        if len(cells) != n_cols:
            problems.append(InputError(f"row {rownum}: expected {n_cols} fields (as in the header), got {len(cells)}; row skipped", path=path, line=rownum))
            continue
        rid = _cell(cells[layout.id_index])
        if rid is None:
            problems.append(InputError(f"row {rownum}: no respondent id in column {layout.headers[layout.id_index]!r}; row skipped", path=path, line=rownum))
            continue
        if rid in ids:
            problems.append(InputError(f"row {rownum}: respondent id {rid!r} repeats (first in row {ids[rid]}); row skipped", path=path, line=rownum))
            continue
        ids[rid] = rownum
        attrs = {name: _cell(cells[i]) for name, i in layout.attributes.items()}
        role = _slug_type(attrs.get("respondent_type"))
        tid = f"{stem}:{rid}"
        pos = 0
        n_answered = 0
        skipped = []
        for qkey, i in qitems:
            raw = cells[i]
            if is_nonresponse(raw):
                skipped.append(qkey)
                continue
            body = normalise_text(str(raw)).strip()
            if n_answered:
                pos += 2
            n_answered += 1
            row = {
                "segment_id": f"{rid}:{qkey}",
                "transcript_id": tid,
                "turn": n_answered,
                "speaker": rid,
                "participant_id": tid,
                "role": role,
                "text": body,
                "start_char": pos,
                "end_char": pos + len(body),
                "start_s": np.nan,
                "end_s": np.nan,
                "question": qkey,
            }
            for name in attr_names:
                row[name] = attrs.get(name)
            seg_rows.append(row)
            pos += len(body)
        resp = {
            "transcript_id": tid,
            "source_path": path,
            "format": fmt,
            "method": "other",
            "authority": attrs.get("authority"),
            "department": attrs.get("department"),
            "date": None,
            "n_turns": n_answered,
            "respondent_id": rid,
            "n_questions": len(qitems),
            "n_answered": n_answered,
            "nonresponse": "|".join(skipped),
            "role": role,
        }
        for name in attr_names:
            resp.setdefault(name, attrs.get(name))
        resp_rows.append(resp)
    seg_cols = [*schema.SEGMENT_COLUMNS, "question", *attr_names]
    resp_cols = [*schema.TRANSCRIPT_COLUMNS, *RESPONDENT_EXTRA_COLUMNS, "role", *[a for a in attr_names if a not in ("authority", "department")]]
    segments = pd.DataFrame(seg_rows, columns=seg_cols)
    respondents = pd.DataFrame(resp_rows, columns=resp_cols)
    return segments, respondents, problems, ids


def _corpus_from(segments: pd.DataFrame, respondents: pd.DataFrame, problems, layout: ConsultationLayout) -> Corpus:
    texts: dict[str, str] = {}
    for tid, group in segments.groupby("transcript_id", sort=False):
        texts[tid] = "\n\n".join(group["text"])
    attr_names = layout.attribute_names
    participants = pd.DataFrame(
        {
            "participant_id": respondents["transcript_id"],
            "transcript_id": respondents["transcript_id"],
            "speaker": respondents["respondent_id"],
            "role": respondents["role"],
            "authority": respondents.get("authority"),
            "department": respondents.get("department"),
            "method": "other",
        }
    )
    for name in attr_names:
        if name not in participants:
            participants[name] = respondents[name]
    participants = participants.reindex(columns=[*schema.PARTICIPANT_COLUMNS, *[a for a in attr_names if a not in schema.PARTICIPANT_COLUMNS]])
    for tid in respondents["transcript_id"]:
        texts.setdefault(tid, "")  # a respondent who answered nothing: counted, no text
    return Corpus(
        respondents.drop(columns=["role"]).reset_index(drop=True),
        participants.reset_index(drop=True),
        segments.reset_index(drop=True),
        texts,
        list(problems),
    )


def _csv_rows(text: str):
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return None, iter(())

    def rows():
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            yield reader.line_num, row

    return header, rows()


def parse_consultation_csv(text: str, stem: str, *, path=None, questions=None, id_column=None) -> Corpus:
    """Return the corpus of a consultation CSV given its text (see the module doc).

    Raises
    ------
    InputError
        For a file with no header, no id column or no question column.
    """
    header, rows = _csv_rows(normalise_text(text))
    if header is None:
        raise InputError("empty file", path=path)
    layout = ConsultationLayout.from_header(header, path=path, questions=questions, id_column=id_column)
    segments, respondents, problems, _ = melt_rows(rows, layout, stem=stem, path=path)
    return _finish(segments, respondents, problems, layout, path)


def _finish(segments, respondents, problems, layout, path) -> Corpus:
    if not len(respondents):
        raise InputError("has a header but no respondent rows could be read" + (f" ({problems[0].message})" if problems else ""), path=path)
    for p in problems:
        logger.warning("%s", p)
    n_non = int(len(respondents) * len(layout.questions) - len(segments))
    if n_non:
        logger.info("%s: %d empty or non-response answer(s) counted, not coded", path or "consultation", n_non)
    return _corpus_from(segments, respondents, problems, layout)


def iter_table_rows(path, *, chunk_rows: int = 50_000):
    """Yield ``(header, [(row_number, cells), ...])`` chunks of a CSV, XLSX or Parquet file.

    The header comes with every chunk; memory holds one chunk. Row numbers are
    CSV lines, sheet rows, or for Parquet the row counting the header as 1.

    Raises
    ------
    InputError
        For an unreadable file, or Parquet without ``pyarrow``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    spath = os.fspath(path)
    if suffix == ".parquet":
        pq = _pyarrow_parquet(spath)
        try:
            pf = pq.ParquetFile(spath)
        except Exception as err:  # pyarrow raises several types for a broken file
            raise InputError(f"not a readable Parquet file ({str(err).splitlines()[0]})", path=spath) from None
        header = list(pf.schema_arrow.names)
        row = 2
        for batch in pf.iter_batches(batch_size=chunk_rows):
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            out = [(row + k, cells) for k, cells in enumerate(zip(*cols))]
            row += batch.num_rows
            yield header, out
        return
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(spath, read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises zip, key and value errors for a broken file
            raise InputError(f"not a readable .xlsx workbook ({str(err).splitlines()[0] if str(err) else type(err).__name__})", path=spath) from None
        try:
            ws = wb.worksheets[0]
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if header is None:
                raise InputError("empty sheet", path=spath)
            while header and header[-1] is None:
                header = header[:-1]
            header = list(header)
            chunk = []
            for k, cells in enumerate(it, start=2):
                cells = list(cells)
                if not any(_cell(c) for c in cells):
                    continue
                while len(cells) > len(header) and cells[-1] is None:
                    cells.pop()
                cells += [None] * (len(header) - len(cells))
                chunk.append((k, cells))
                if len(chunk) >= chunk_rows:
                    yield header, chunk
                    chunk = []
            yield header, chunk
        finally:
            wb.close()
        return
    from .detect import decode_bytes

    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror})", path=spath) from None
    header, rows = _csv_rows(normalise_text(decode_bytes(data, path=spath)))
    if header is None:
        raise InputError("empty file", path=spath)
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= chunk_rows:
            yield header, chunk
            chunk = []
    yield header, chunk


def _pyarrow_parquet(path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: install outcomes_qual[scale] (or pip install pyarrow)", path=path) from None
    return pq


def read_consultation(path, *, questions=None, id_column=None, transcript_prefix: str | None = None) -> Corpus:
    """Read a wide consultation export (CSV, XLSX or Parquet) into a corpus.

    Parameters
    ----------
    path : path-like
    questions : list of str, optional
        Question columns (headers or keys such as ``q1``); found from the header by default.
    id_column : str, optional
        The respondent id column (default: ``respondent_id``, ``respondent``, ``response_id`` or ``id``).
    transcript_prefix : str, optional
        Prefix of transcript ids (default: the file stem).

    Returns
    -------
    Corpus
        Segments carry ``question`` and the respondent attributes;
        ``corpus.transcripts`` has one row per respondent with ``nonresponse``;
        malformed rows are in ``corpus.problems``.

    Raises
    ------
    InputError
        For an unreadable file, no id or question column, or no readable row.
    """
    spath = os.fspath(path)
    stem = transcript_prefix or Path(path).stem
    layout = None
    seg_parts, resp_parts, problems, seen = [], [], [], {}
    for header, chunk in iter_table_rows(path):
        if layout is None:
            layout = ConsultationLayout.from_header(header, path=spath, questions=questions, id_column=id_column)
        fresh = []
        for rownum, cells in chunk:
            rid = _cell(cells[layout.id_index]) if len(cells) > layout.id_index else None
            if rid is not None and rid in seen:
                problems.append(InputError(f"row {rownum}: respondent id {rid!r} repeats (first in row {seen[rid]}); row skipped", path=spath, line=rownum))
                continue
            fresh.append((rownum, cells))
        seg, resp, probs, ids = melt_rows(fresh, layout, stem=stem, path=spath)
        seen.update(ids)
        seg_parts.append(seg)
        resp_parts.append(resp)
        problems.extend(probs)
    segments = pd.concat(seg_parts, ignore_index=True) if seg_parts else None
    respondents = pd.concat(resp_parts, ignore_index=True) if resp_parts else None
    if layout is None or respondents is None:
        raise InputError("empty file", path=spath)
    return _finish(segments, respondents, problems, layout, spath)


def looks_like_consultation(header) -> bool:
    """True for a CSV header with a respondent id column and no ``text`` column.

    Examples
    --------
    >>> looks_like_consultation(["respondent_id", "type", "Q1. What works?"])
    True
    >>> looks_like_consultation(["id", "text", "role"])
    False
    """
    canon = [canonical(h) for h in header]
    text_like = {"text", "response", "answer", "comment", "comments", "quote"}
    if text_like & set(canon):
        return False
    if "speaker" in canon and ("transcript_id" in canon or "transcript" in canon):
        return False
    return any(c in canon for c in ID_COLUMNS) and len(canon) >= 2


def nonresponse_by_question(data, *, questions=None) -> pd.DataFrame:
    """Per question: respondents, answers coded, and empty or non-response answers.

    Parameters
    ----------
    data : Corpus or pandas.DataFrame
        A consultation corpus, or its respondent rows (``n_questions``, ``nonresponse``)
        joined with segments' ``question`` counts via ``n_answered``.
    questions : list of str, optional
        Question keys in order (default: the order they first appear).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NONRESPONSE_COLUMNS`; ``share_nonresponse`` is a proportion (0-1).
    """
    if isinstance(data, Corpus):
        respondents, segments = data.transcripts, data.segments
    else:
        respondents, segments = data, None
    schema.check_columns(respondents, ("nonresponse",), name="respondents")
    skipped = respondents["nonresponse"].fillna("").astype(str)
    non = skipped[skipped != ""].str.split("|").explode().value_counts()
    answered = segments["question"].value_counts() if segments is not None else pd.Series(dtype=int)
    order = list(questions) if questions is not None else list(dict.fromkeys([*answered.index, *non.index]))
    order = sorted(order, key=_natural) if questions is None else order
    rows = []
    for q in order:
        a, n = int(answered.get(q, 0)), int(non.get(q, 0))
        total = a + n
        rows.append({"question": q, "n_respondents": total, "n_answered": a, "n_nonresponse": n,
                     "share_nonresponse": n / total if total else np.nan})
    return pd.DataFrame(rows, columns=list(NONRESPONSE_COLUMNS))


def _natural(key: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]

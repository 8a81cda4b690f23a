r"""Consultation exports, wide or long: every answer read, or a clear refusal.

Two layouts, told apart from the header (:mod:`._consult_layout`):

- **wide**: one row per respondent, a respondent id column, one column per
  open question and attribute columns (respondent type, organisation,
  authority, institution type, years, an opt-in flag, ...). Which columns
  are questions is decided from their content on the first
  :data:`~._consult_layout.SAMPLE_ROWS` rows: free text (long, varied,
  sentence-like) is a question; numbers, dates, yes/no and a few repeated
  values are attributes; header hints (``Q1``, ending in ``?``, a known
  attribute name) count where the content does not tell. ``questions`` and
  ``attributes`` override the guess.
- **long**: one row per answer, with a respondent id, a question id and/or
  question text, and an answer column (:mod:`._consult_long`); respondents
  repeat. Other columns that hold one value per respondent are attributes.

Both build the same corpus. Each answer becomes one segment (respondent x
question):

- ``segment_id`` is ``"{respondent_id}:{question}"``; ``question`` is a short
  key (``q1`` from ``Q1. ...``, ``n2`` from ``N2``, else a slug of the header
  or question id) and ``question_text`` the question as written; both are
  segment columns;
- each respondent is one transcript (``"{file stem}:{respondent_id}"``) whose
  plain text is their answers joined by blank lines, so
  ``texts[transcript_id][start_char:end_char] == text`` holds and offsets
  never depend on other respondents (the Dask engine reads partitions on their own);
- ``role`` is the respondent type (``"Team manager"`` -> ``manager`` as for
  rosters; ``"Individual"`` -> ``individual``); every attribute column is a
  participant attribute and a segment column;
- empty answers and non-responses (``N/A``, ``no comment``, ``none``, ``-``,
  ... see :data:`NON_RESPONSES`) are counted, not coded: the transcript row
  lists them in ``nonresponse`` (``nonresponse_marked``: those that held a
  non-response rather than nothing) and :func:`nonresponse_by_question` tables them.

Every read returns a :class:`~._consult_report.ReadReport` in
``corpus.reads`` (layout, question and attribute columns, columns read as
neither, counts, doubts); it is logged and the CLI prints it. With
``strict=True`` a doubt is an error.

A malformed row (wrong number of fields, no respondent id, a repeated id in
the wide layout, a repeated respondent and question in the long one) is
reported as an :class:`~outcomes_qual.errors.InputError` naming the file and
row (the CSV line, the sheet row, or the Parquet row counting the header as
row 1) and the rest is read.

Examples
--------
>>> data = ("respondent_id,respondent_type,authority,Q1. What works?,Q2. What would you change?\n"
...         "r1,Individual,Glanafon,Being asked what matters.,N/A\n"
...         "r2,Team manager,Strathlinn,Fewer forms.,More time with families.\n")
>>> corpus = parse_consultation_csv(data, "nc")
>>> corpus.segments[["segment_id", "question", "role", "text"]].values.tolist()
[['r1:q1', 'q1', 'individual', 'Being asked what matters.'], ['r2:q1', 'q1', 'manager', 'Fewer forms.'], ['r2:q2', 'q2',
'manager', 'More time with families.']]
>>> nonresponse_by_question(corpus)[["question", "n_respondents", "n_answered", "n_nonresponse"]].values.tolist()
[['q1', 2, 2, 0], ['q2', 2, 1, 1]]
>>> long = ("respondent_id,question_id,question,answer\n"
...         "r1,N2,Why did you try it?,It was recommended.\n"
...         "r2,N2,Why did you try it?,N/A\n"
...         "r1,open_7,Anything else?,Cost matters to us.\n")
>>> corpus = parse_consultation_csv(long, "lg")
>>> corpus.segments[["segment_id", "question", "question_text"]].values.tolist()
[['r1:n2', 'n2', 'Why did you try it?'], ['r1:open_7', 'open_7', 'Anything else?']]
>>> r = corpus.reads[0]
>>> (r.layout, r.n_respondents, r.n_answers, r.n_nonresponse, r.n_blank)
('long', 2, 2, 1, 1)
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..corpus import Corpus
from ..errors import InputError
from ..text import normalise_text
from ._consult_layout import (  # noqa: F401 - re-exported
    ATTRIBUTE_ALIASES,
    ID_COLUMNS,
    SAMPLE_ROWS,
    ConsultationLayout,
    LongLayout,
    canonical,
    cell_text,
    is_long_header,
    question_key,
)
from ._consult_long import LongCollector
from ._consult_report import QuestionCount, ReadReport
from .roles import normalise_role

logger = logging.getLogger(__name__)

#: Answers that are counted as non-response, not coded (compared lower-case, trimmed, without a final full stop).
NON_RESPONSES: frozenset[str] = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a",
        "n.a.",
        "n / a",
        "no comment",
        "no comments",
        "none",
        "nothing",
        "nil",
        "-",
        "--",
        "---",
        ".",
        "no",
        "no response",
        "not answered",
        "nothing to add",
        "no further comments",
    }
)

#: Columns of :func:`nonresponse_by_question`.
NONRESPONSE_COLUMNS: tuple[str, ...] = ("question", "n_respondents", "n_answered", "n_nonresponse", "share_nonresponse")

#: Segment columns a consultation adds after :data:`outcomes_qual.schema.SEGMENT_COLUMNS` (then its other attributes).
CONSULTATION_SEGMENT_COLUMNS: tuple[str, ...] = (
    *schema.QUESTION_COLUMNS,
    "respondent_type",
    "organisation",
    "authority",
    "region",
)

#: Columns of the ``respondents`` (transcripts) rows besides the transcript columns.
RESPONDENT_EXTRA_COLUMNS: tuple[str, ...] = ("respondent_id", "n_questions", "n_answered", "nonresponse", "nonresponse_marked")

_cell = cell_text


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


def melt_records(records, questions, attr_names, *, stem: str, path=None, question_texts=None):
    """Turn respondent records into segments and respondent rows (both layouts end here).

    Parameters
    ----------
    records : iterable of (row_number, respondent_id, attributes, answers)
        ``attributes`` maps attribute name -> value, ``answers`` question key -> raw answer.
    questions : list of str
        Question keys in order (a respondent's answers are joined in this order).
    attr_names : list of str
    stem : str
        The file's stem, prefixing transcript ids.
    path : str, optional
    question_texts : dict, optional
        Question key -> the question as written.

    Returns
    -------
    segments, respondents : pandas.DataFrame
    """
    question_texts = question_texts or {}
    fmt = Path(path).suffix.lstrip(".").lower() if path else "table"
    seg_rows, resp_rows = [], []
    for _rownum, rid, attrs, answers in records:
        role = _slug_type(attrs.get("respondent_type"))
        tid = f"{stem}:{rid}"
        pos = n_answered = 0
        skipped, marked = [], []
        for qkey in questions:
            raw = answers.get(qkey)
            if is_nonresponse(raw):
                skipped.append(qkey)
                if _cell(raw) is not None:
                    marked.append(qkey)
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
                "question_text": question_texts.get(qkey, qkey),
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
            "n_questions": len(questions),
            "n_answered": n_answered,
            "nonresponse": "|".join(skipped),
            "nonresponse_marked": "|".join(marked),
            "role": role,
        }
        for name in attr_names:
            resp.setdefault(name, attrs.get(name))
        resp_rows.append(resp)
    seg_cols = [*schema.SEGMENT_COLUMNS, *schema.QUESTION_COLUMNS, *attr_names]
    resp_cols = [
        *schema.TRANSCRIPT_COLUMNS,
        *RESPONDENT_EXTRA_COLUMNS,
        "role",
        *[a for a in attr_names if a not in ("authority", "department")],
    ]
    return pd.DataFrame(seg_rows, columns=seg_cols), pd.DataFrame(resp_rows, columns=resp_cols)


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
        :data:`schema.SEGMENT_COLUMNS` + ``question``, ``question_text`` + the attributes.
    respondents : pandas.DataFrame
        One row per respondent: :data:`schema.TRANSCRIPT_COLUMNS` + :data:`RESPONDENT_EXTRA_COLUMNS` + attributes.
    problems : list of InputError
        Malformed rows (skipped).
    ids : dict
        respondent id -> row number, for the caller's duplicate check across chunks.
    """
    problems, records = [], []
    ids: dict[str, int] = {}
    n_cols = len(layout.headers)
    for rownum, cells in rows:
        cells = list(cells)
        if len(cells) != n_cols:
            problems.append(
                InputError(
                    f"row {rownum}: expected {n_cols} fields (as in the header), got {len(cells)}; row skipped",
                    path=path,
                    line=rownum,
                )
            )
            continue
        rid = _cell(cells[layout.id_index])
        if rid is None:
            problems.append(
                InputError(
                    f"row {rownum}: no respondent id in column {layout.headers[layout.id_index]!r}; row skipped",
                    path=path,
                    line=rownum,
                )
            )
            continue
        if rid in ids:
            problems.append(
                InputError(
                    f"row {rownum}: respondent id {rid!r} repeats (first in row {ids[rid]}); row skipped", path=path, line=rownum
                )
            )
            continue
        ids[rid] = rownum
        attrs = {name: _cell(cells[i]) for name, i in layout.attributes.items()}
        records.append((rownum, rid, attrs, {k: cells[i] for k, i in layout.questions.items()}))
    segments, respondents = melt_records(
        records, list(layout.questions), layout.attribute_names, stem=stem, path=path, question_texts=layout.question_texts
    )
    return segments, respondents, problems, ids


def _corpus_from(segments: pd.DataFrame, respondents: pd.DataFrame, problems, attr_names) -> Corpus:
    texts: dict[str, str] = {}
    for tid, group in segments.groupby("transcript_id", sort=False):
        texts[str(tid)] = "\n\n".join(group["text"])
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
    participants = participants.reindex(
        columns=[*schema.PARTICIPANT_COLUMNS, *[a for a in attr_names if a not in schema.PARTICIPANT_COLUMNS]]
    )
    for tid in respondents["transcript_id"]:
        texts.setdefault(tid, "")  # a respondent who answered nothing: counted, no text
    return Corpus(
        respondents.drop(columns=["role"]).reset_index(drop=True),
        participants.reset_index(drop=True),
        segments.reset_index(drop=True),
        texts,
        list(problems),
    )


def _question_counts(segments, respondents, questions, columns, texts, reasons) -> list[QuestionCount]:
    answered = segments["question"].value_counts()

    def split(col):
        s = respondents[col].fillna("").astype(str)
        return s[s != ""].str.split("|").explode().value_counts()

    non, marked = split("nonresponse"), split("nonresponse_marked")
    out = []
    for k in questions:
        m = int(marked.get(k, 0))
        out.append(
            QuestionCount(
                k, columns.get(k, k), texts.get(k, k), reasons.get(k, ""), int(answered.get(k, 0)), m, int(non.get(k, 0)) - m
            )
        )
    return out


def wide_report(layout: ConsultationLayout, segments, respondents, *, path, n_rows, n_problems, sampled_rows) -> ReadReport:
    """The :class:`ReadReport` of a wide read."""
    dec = {d.column: d for d in layout.decisions}
    qcols = {k: layout.headers[i] for k, i in layout.questions.items()}
    reasons = {k: dec[layout.headers[i]].reason for k, i in layout.questions.items()}
    return ReadReport(
        path=path,
        layout="wide",
        id_column=layout.headers[layout.id_index],
        questions=_question_counts(segments, respondents, list(layout.questions), qcols, layout.question_texts, reasons),
        attributes={n: layout.headers[layout.attributes[n]] for n in layout.attribute_names},
        attribute_reasons={n: dec[layout.headers[layout.attributes[n]]].reason for n in layout.attribute_names},
        unread=[(d.column or "(no header)", d.reason) for d in layout.decisions if d.role == "unread"],
        doubts=layout.doubts,
        n_rows=n_rows,
        n_respondents=len(respondents),
        n_problems=n_problems,
        sampled_rows=sampled_rows,
    )


def _finish(segments, respondents, problems, attr_names, path, report: ReadReport, strict: bool) -> Corpus:
    if not len(respondents):
        raise InputError(
            "has a header but no respondent rows could be read" + (f" ({problems[0].message})" if problems else ""), path=path
        )
    for p in problems:
        logger.warning("%s", p)
    logger.info("%s", report)
    if strict:
        report.raise_for_doubts()
    corpus = _corpus_from(segments, respondents, problems, attr_names)
    corpus.reads = [report]
    return corpus


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


def _chunks(rows, size):
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    yield chunk


def parse_consultation_csv(
    text: str, stem: str, *, path=None, questions=None, attributes=None, id_column=None, strict: bool = False
) -> Corpus:
    """Return the corpus of a consultation CSV (wide or long) given its text (see the module doc).

    Raises
    ------
    InputError
        For a file with no header, no id column or no question column; with
        ``strict``, for any doubt about the columns.
    """
    header, rows = _csv_rows(normalise_text(text))
    if header is None:
        raise InputError("empty file", path=path)
    return _read_stream(
        header,
        ((header, c) for c in _chunks(rows, 50_000)),
        stem=stem,
        path=path,
        questions=questions,
        attributes=attributes,
        id_column=id_column,
        strict=strict,
    )


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
            out = [(row + k, cells) for k, cells in enumerate(zip(*cols, strict=True))]
            row += batch.num_rows
            yield header, out
        return
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(spath, read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises zip, key and value errors for a broken file
            raise InputError(
                f"not a readable .xlsx workbook ({str(err).splitlines()[0] if str(err) else type(err).__name__})", path=spath
            ) from None
        try:
            ws = wb.worksheets[0]
            it = ws.iter_rows(values_only=True)
            first = next(it, None)
            if first is None:
                raise InputError("empty sheet", path=spath)
            while first and first[-1] is None:
                first = first[:-1]
            header = list(first)
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
    for chunk in _chunks(rows, chunk_rows):
        yield header, chunk


def _pyarrow_parquet(path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "reading Parquet needs pyarrow: install outcomes_qual[scale] (or pip install pyarrow)", path=path
        ) from None
    return pq


def head_rows(chunks, n: int = SAMPLE_ROWS):
    """Split a stream of ``(header, rows)`` chunks.

    Returns (header, the first ``n`` rows, the buffered chunks, the rest of the stream).
    """
    header = None
    sample: list = []
    buffered: list = []
    for h, chunk in chunks:
        header = h
        buffered.append((h, chunk))
        sample.extend(chunk[: max(0, n - len(sample))])
        if len(sample) >= n:
            break
    return header, sample, buffered, chunks


def detect_layout(path, *, questions=None, attributes=None, id_column=None):
    """The layout of a consultation file: a :class:`LongLayout`, or a :class:`ConsultationLayout` decided on its first rows.

    The Dask engine and :func:`read_consultation` decide on the same rows, so they read the same columns.
    """
    spath = os.fspath(path)
    header, sample, _, _ = head_rows(iter_table_rows(path, chunk_rows=SAMPLE_ROWS))
    if header is None:
        raise InputError("empty file", path=spath)
    long = LongLayout.detect(header, path=spath, questions=questions, attributes=attributes, id_column=id_column)
    if long is not None:
        return long
    return ConsultationLayout.detect(header, sample, path=spath, questions=questions, attributes=attributes, id_column=id_column)


def long_result(collector: LongCollector, *, stem: str, path=None):
    """Melt what a :class:`LongCollector` gathered: (segments, respondents, attribute names, report)."""
    lay = collector.layout
    decisions = collector.attribute_decisions()
    attrs = {name: i for name, role, _w, _d, i in decisions if role == "attribute"}
    std = [c for c in ("respondent_type", "organisation", "authority", "region") if c in attrs]
    attr_names = std + sorted(c for c in attrs if c not in std)
    attrs = {n: attrs[n] for n in attr_names}
    keys = list(collector.questions)
    texts = {k: q["text"] for k, q in collector.questions.items()}
    segments, respondents = melt_records(collector.records(attrs), keys, attr_names, stem=stem, path=path, question_texts=texts)
    cols = {k: (q["id"] if q["id"] is not None else q["text"]) for k, q in collector.questions.items()}
    report = ReadReport(
        path=path,
        layout="long",
        id_column=lay.headers[lay.id_index],
        questions=_question_counts(segments, respondents, keys, cols, texts, {}),
        attributes={n: lay.headers[attrs[n]] for n in attr_names},
        attribute_reasons={name: why for name, role, why, _d, _i in decisions if role == "attribute"},
        unread=[(lay.headers[i], why) for _n, role, why, _d, i in decisions if role == "unread"],
        doubts=[d for *_x, d, _i in decisions if d] + collector.doubts(),
        n_rows=collector.n_rows,
        n_respondents=len(respondents),
        n_problems=len(collector.problems),
        question_column=lay.headers[lay.qid_index] if lay.qid_index is not None else None,
        question_text_column=lay.headers[lay.qtext_index] if lay.qtext_index is not None else None,
        answer_column=lay.headers[lay.answer_index],
        unread_questions=dict(collector.unread_questions),
    )
    return segments, respondents, attr_names, report


def _read_stream(header, chunks, *, stem, path, questions, attributes, id_column, strict) -> Corpus:
    """Read a consultation from its chunks (the header is ``header``); see :func:`read_consultation`."""
    long = LongLayout.detect(header, path=path, questions=questions, attributes=attributes, id_column=id_column)
    if long is not None:
        collector = LongCollector(long, path=path)
        for _, chunk in chunks:
            collector.add(chunk)
        if not collector.respondents:
            raise InputError(
                "has a header but no answer rows could be read"
                + (f" ({collector.problems[0].message})" if collector.problems else ""),
                path=path,
            )
        segments, respondents, attr_names, report = long_result(collector, stem=stem, path=path)
        return _finish(segments, respondents, collector.problems, attr_names, path, report, strict)
    header, sample, buffered, rest = head_rows(chunks)
    if header is None:
        raise InputError("empty file", path=path)
    layout = ConsultationLayout.detect(header, sample, path=path, questions=questions, attributes=attributes, id_column=id_column)
    if strict and layout.doubts:
        ReadReport(path=path, layout="wide", id_column="", doubts=layout.doubts).raise_for_doubts()
    seg_parts, resp_parts, problems = [], [], []
    seen: dict[str, int] = {}
    n_rows = 0

    def stream():
        yield from buffered
        yield from rest

    for _, chunk in stream():
        n_rows += len(chunk)
        fresh = []
        for rownum, cells in chunk:
            rid = _cell(cells[layout.id_index]) if len(cells) > layout.id_index else None
            if rid is not None and rid in seen and len(cells) == len(layout.headers):
                problems.append(
                    InputError(
                        f"row {rownum}: respondent id {rid!r} repeats (first in row {seen[rid]}); row skipped",
                        path=path,
                        line=rownum,
                    )
                )
                continue
            fresh.append((rownum, cells))
        seg, resp, probs, ids = melt_rows(fresh, layout, stem=stem, path=path)
        seen.update(ids)
        seg_parts.append(seg)
        resp_parts.append(resp)
        problems.extend(probs)
    if not resp_parts:
        raise InputError("empty file", path=path)
    problems.sort(key=lambda p: p.line or 0)
    segments = pd.concat(seg_parts, ignore_index=True)
    respondents = pd.concat(resp_parts, ignore_index=True)
    report = wide_report(
        layout, segments, respondents, path=path, n_rows=n_rows, n_problems=len(problems), sampled_rows=len(sample)
    )
    return _finish(segments, respondents, problems, layout.attribute_names, path, report, strict)


def read_consultation(
    path, *, questions=None, attributes=None, id_column=None, transcript_prefix: str | None = None, strict: bool = False
) -> Corpus:
    r"""Read a consultation export (CSV, XLSX or Parquet; wide or long) into a corpus.

    Parameters
    ----------
    path : path-like
    questions : list of str, optional
        The question columns (wide: headers or keys such as ``q1``) or the
        questions to read (long: question ids, keys or texts); decided from
        the content by default. When given, no other column is a question.
    attributes : list of str, optional
        The attribute columns; decided from the content by default. When
        given, no other column is an attribute.
    id_column : str, optional
        The respondent id column (default: ``respondent_id``, ``respondent``,
        ``response_id``, ``id``, ... see :data:`ID_COLUMNS`).
    transcript_prefix : str, optional
        Prefix of transcript ids (default: the file stem).
    strict : bool, default False
        Raise :class:`InputError` when any column's reading is in doubt
        (see :attr:`ReadReport.doubts`).

    Returns
    -------
    Corpus
        Segments carry ``question``, ``question_text`` and the respondent
        attributes; ``corpus.transcripts`` has one row per respondent with
        ``nonresponse``; malformed rows are in ``corpus.problems``; what was
        read is ``corpus.reads[0]`` (a :class:`ReadReport`).

    Raises
    ------
    InputError
        For an unreadable file, no id or question column, no readable row,
        or (``strict``) a doubt.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = p.write_text("respondent_id,Years teaching,N2\nr1,12,Students asked for it.\nr2,3,I had no choice at all.\n")
    >>> corpus = read_consultation(p)
    >>> corpus.segments[["segment_id", "years_teaching"]].values.tolist()
    [['r1:n2', '12'], ['r2:n2', '3']]
    >>> print("\n".join(corpus.reads[0].lines()[2:4]))
      1 question(s), answered / non-response / blank:
        n2 <- 'N2': 2 / 0 / 0  free text (5.0 words on average, 2 distinct in 2 cells)
    >>> corpus.reads[0].doubts
    ["column 'N2': only 2 answer(s) to judge from; read as a question"]
    """
    spath = os.fspath(path)
    stem = transcript_prefix or Path(path).stem
    chunks = iter_table_rows(path)
    first = next(chunks, None)
    if first is None:
        raise InputError("empty file", path=spath)

    def stream():
        yield first
        yield from chunks

    return _read_stream(
        first[0], stream(), stem=stem, path=spath, questions=questions, attributes=attributes, id_column=id_column, strict=strict
    )


def looks_like_consultation(header) -> bool:
    """True for a long-layout header, or a header with a respondent id column and no ``text`` column.

    Examples
    --------
    >>> looks_like_consultation(["respondent_id", "type", "Q1. What works?"])
    True
    >>> looks_like_consultation(["respondent_id", "question_id", "question", "answer"])
    True
    >>> looks_like_consultation(["id", "text", "role"])
    False
    >>> looks_like_consultation(["segment_id", "transcript_id", "participant_id", "text", "question"])  # a segments table
    False
    """
    canon = [canonical(h) for h in header]
    if "segment_id" in canon and "transcript_id" in canon:  # a segments table (as `segments` writes it), read back as such
        return False
    if is_long_header(header):
        return True
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
        Question keys in order (default: sorted naturally).

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
        rows.append(
            {
                "question": q,
                "n_respondents": total,
                "n_answered": a,
                "n_nonresponse": n,
                "share_nonresponse": n / total if total else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(NONRESPONSE_COLUMNS))


def _natural(key: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]

"""Input to Parquet partitions, and outputs that appear whole or not at all.

Ingest writes the segments as a folder of Parquet parts (``part.00000.parquet``,
...) in input order, one respondent's answers or one transcript's turns
always in one part, so per-partition aggregations by participant are exact.

- A consultation's layout and columns are decided on its header and first
  rows exactly as :func:`outcomes_qual.ingest.read_consultation` decides
  (:func:`consultation_layout`), so both read the same segments.
- A wide consultation in Parquet is split by row groups, each read and melted by
  a Dask task (:func:`melt_row_group`); a CSV or XLSX export is streamed on
  the client in chunks of ``chunk_rows`` rows (CSV rows may hold line breaks,
  so byte ranges cannot be split safely), each chunk written as one part.
- A long consultation (one row per answer) is gathered per respondent on the
  client (a respondent's rows may be anywhere in the file, so their text is
  held in memory), melted as on one process, and written in parts of
  ``chunk_rows`` respondents.
- A folder of transcripts is read in parallel, ``files_per_part`` files per task.

Malformed rows and unreadable files become :class:`~outcomes_qual.errors.InputError`
problems naming the file and row; the rest is processed. A respondent id that
repeats in another part is reported and its later rows dropped.

Every output folder or file is written under a temporary name beside its
target and renamed into place when complete (:func:`atomic_dir`), so an
interrupted run leaves no half-written output where a finished one is expected.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_dir(root / "codings") as tmp:
...     _ = (tmp / "part.0.parquet").write_bytes(b"x")
...     (root / "codings").exists()
False
>>> sorted(p.name for p in (root / "codings").iterdir())
['part.0.parquet']
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from pathlib import Path

import pandas as pd

from outcomes_qual import schema
from outcomes_qual.errors import InputError
from outcomes_qual.safe_tables import write_csv

logger = logging.getLogger(__name__)

#: Extensions read as consultation exports.
CONSULTATION_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".xlsm", ".parquet")


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike):
    """Yield a temporary folder beside ``target``; on success it replaces ``target``, on error it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()


def atomic_write_csv(frame: pd.DataFrame, target: str | os.PathLike) -> Path:
    """Write ``frame`` as CSV to a temporary name and rename it to ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        write_csv(frame, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def part_name(i: int) -> str:
    """File name of part ``i``.

    Examples
    --------
    >>> part_name(7)
    'part.00007.parquet'
    """
    return f"part.{i:05d}.parquet"


def _write_part(frame: pd.DataFrame, path: Path) -> None:
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("string")
    frame.to_parquet(path, index=False, engine="pyarrow")


# ------------------------------------------------------------------ consultations
def consultation_layout(path, *, questions=None, attributes=None, id_column=None):
    """The layout of a consultation export, decided on its header and first rows exactly as the single-process reader decides.

    Returns a :class:`~outcomes_qual.ingest._consult_layout.LongLayout` (one
    row per answer) or a :class:`~outcomes_qual.ingest._consult_layout.ConsultationLayout` (wide).
    """
    from outcomes_qual.ingest.consultation import detect_layout

    return detect_layout(path, questions=questions, attributes=attributes, id_column=id_column)


def _write_melted(rows, layout, *, stem, path, seg_path: Path, resp_path: Path) -> dict:
    from outcomes_qual.ingest.consultation import melt_rows

    rows = list(rows)
    seg, resp, problems, _ = melt_rows(rows, layout, stem=stem, path=path)
    resp["row"] = _rownums(rows, resp, layout)
    _write_part(seg, seg_path)
    _write_part(resp, resp_path)
    return {"segments": len(seg), "respondents": len(resp), "problems": [(p.message, p.path, p.line) for p in problems]}


def _rownums(rows, resp, layout):
    from outcomes_qual.ingest.consultation import _cell

    by_id = {}
    for rownum, cells in rows:
        if len(cells) == len(layout.headers):
            rid = _cell(cells[layout.id_index])
            if rid is not None:
                by_id.setdefault(rid, rownum)
    return [by_id[r] for r in resp["respondent_id"]]


def melt_row_group(
    path: str, group: int, offset: int, length: int, first_row: int, layout, stem: str, seg_path: str, resp_path: str
) -> dict:
    """Dask task: read rows ``offset:offset+length`` of row group ``group`` of a Parquet consultation, write its parts."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(group).slice(offset, length)
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [(first_row + k, cells) for k, cells in enumerate(zip(*cols, strict=True))]
    return _write_melted(rows, layout, stem=stem, path=path, seg_path=Path(seg_path), resp_path=Path(resp_path))


def ingest_consultation(
    client,
    path,
    seg_dir: Path,
    resp_dir: Path,
    *,
    first_part: int = 0,
    chunk_rows: int = 20_000,
    questions=None,
    attributes=None,
    id_column=None,
    strict: bool = False,
):
    """Write a consultation export as segments and respondents parts; return (parts written, problems, layout, long report).

    Wide: Parquet row groups are melted by Dask tasks in parallel; CSV and
    XLSX are streamed on the client in chunks of ``chunk_rows`` respondents.
    Long (one row per answer): the client gathers each respondent's answers
    (they may be anywhere in the file; the answers' text is held in memory),
    melts them as the single-process reader does, and writes parts of
    ``chunk_rows`` respondents; its :class:`~outcomes_qual.ingest.ReadReport`
    is returned (a wide read's is built by :func:`consultation_report` once
    repeated ids are dropped).
    """
    from outcomes_qual.ingest._consult_layout import LongLayout
    from outcomes_qual.ingest._consult_long import LongCollector
    from outcomes_qual.ingest.consultation import iter_table_rows, long_result

    spath = os.fspath(path)
    stem = Path(path).stem
    layout = consultation_layout(path, questions=questions, attributes=attributes, id_column=id_column)
    if strict and getattr(layout, "doubts", None):
        from outcomes_qual.ingest import ReadReport

        ReadReport(path=spath, layout="wide", id_column="", doubts=layout.doubts).raise_for_doubts()
    results = []
    k = first_part
    if isinstance(layout, LongLayout):
        collector = LongCollector(layout, path=spath)
        for _, chunk in iter_table_rows(path, chunk_rows=chunk_rows):
            collector.add(chunk)
        if not collector.respondents:
            raise InputError(
                "has a header but no answer rows could be read"
                + (f" ({collector.problems[0].message})" if collector.problems else ""),
                path=spath,
            )
        seg, resp, _names, report = long_result(collector, stem=stem, path=spath)
        if strict:
            report.raise_for_doubts()
        resp["row"] = [r["row"] for r in collector.respondents.values()]
        for lo in range(0, len(resp), chunk_rows):
            part_resp = resp.iloc[lo : lo + chunk_rows]
            part_seg = seg[seg["transcript_id"].isin(set(part_resp["transcript_id"]))]
            _write_part(part_seg.reset_index(drop=True), seg_dir / part_name(k))
            _write_part(part_resp.reset_index(drop=True), resp_dir / part_name(k))
            k += 1
        return k - first_part, list(collector.problems), layout, report
    if Path(path).suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(spath).metadata
        futures, row = [], 2
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            for off in range(0, n, chunk_rows):
                length = min(chunk_rows, n - off)
                futures.append(
                    client.submit(
                        melt_row_group,
                        spath,
                        g,
                        off,
                        length,
                        row + off,
                        layout,
                        stem,
                        os.fspath(seg_dir / part_name(k)),
                        os.fspath(resp_dir / part_name(k)),
                        pure=False,
                    )
                )
                k += 1
            row += n
        results = client.gather(futures)
    else:
        for _, chunk in iter_table_rows(path, chunk_rows=chunk_rows):
            if not chunk:
                continue
            results.append(
                _write_melted(
                    chunk, layout, stem=stem, path=spath, seg_path=seg_dir / part_name(k), resp_path=resp_dir / part_name(k)
                )
            )
            k += 1
    problems = [InputError(m, path=p, line=ln) for r in results for (m, p, ln) in r["problems"]]
    if k == first_part:
        problems.append(InputError("has a header but no respondent rows", path=spath))
    return k - first_part, problems, layout, None


def consultation_report(path, layout, seg_dir: Path, resp_dir: Path, parts: list[str], *, n_problems: int = 0):
    """The :class:`~outcomes_qual.ingest.ReadReport` of a wide read from its parts (question and non-response columns only)."""
    from outcomes_qual.ingest._consult_layout import SAMPLE_ROWS
    from outcomes_qual.ingest.consultation import wide_report

    seg_parts = [pd.read_parquet(seg_dir / p, columns=["question"]) for p in parts if (seg_dir / p).exists()]
    resp_parts = [
        pd.read_parquet(resp_dir / p, columns=["nonresponse", "nonresponse_marked", "row"])
        for p in parts
        if (resp_dir / p).exists()
    ]
    seg = pd.concat(seg_parts, ignore_index=True) if seg_parts else pd.DataFrame({"question": []})
    resp = (
        pd.concat(resp_parts, ignore_index=True)
        if resp_parts
        else pd.DataFrame({"nonresponse": [], "nonresponse_marked": [], "row": []})
    )
    n_rows = len(resp) + n_problems
    return wide_report(
        layout, seg, resp, path=os.fspath(path), n_rows=n_rows, n_problems=n_problems, sampled_rows=min(SAMPLE_ROWS, n_rows)
    )


def drop_repeated_respondents(seg_dir: Path, resp_dir: Path, parts: list[str]) -> list[InputError]:
    """Report respondent ids that repeat across parts of one file; keep the first, rewrite the parts that held later ones."""
    import pyarrow.parquet as pq

    frames = []
    for name in parts:
        t = pq.read_table(resp_dir / name, columns=["respondent_id", "source_path", "row"]).to_pandas()
        t["part"] = name
        frames.append(t)
    if not frames:
        return []
    ids = pd.concat(frames, ignore_index=True)
    dup = ids.duplicated(["source_path", "respondent_id"], keep="first")
    if not dup.any():
        return []
    first = ids[~dup].set_index(["source_path", "respondent_id"])["row"]
    problems = []
    for name, group in ids[dup].groupby("part", sort=False):
        drop_rows = set(zip(group["source_path"], group["respondent_id"], group["row"], strict=True))
        for r in group.itertuples(index=False):
            problems.append(
                InputError(
                    f"row {r.row}: respondent id {r.respondent_id!r} repeats "
                    f"(first in row {first[(r.source_path, r.respondent_id)]}); row skipped",
                    path=r.source_path,
                    line=int(r.row),
                )
            )
        resp = pd.read_parquet(resp_dir / name)
        keep = [
            (s, i, w) not in drop_rows for s, i, w in zip(resp["source_path"], resp["respondent_id"], resp["row"], strict=True)
        ]
        dropped_tids = set(resp.loc[[not x for x in keep], "transcript_id"])
        _write_part(resp[keep].reset_index(drop=True), resp_dir / name)
        seg = pd.read_parquet(seg_dir / name)
        # a repeated id's later row has the same transcript id as the first only when both are in this part;
        # within a part melt_rows already skipped it, so every segment of a dropped transcript id here is the later row's
        _write_part(seg[~seg["transcript_id"].isin(dropped_tids)].reset_index(drop=True), seg_dir / name)
    return problems


# ------------------------------------------------------------------ transcripts
def read_transcript_batch(paths: list[str], seg_path: str, roster=None) -> dict:
    """Dask task: read transcript files, write their segments as one part; return problems and counts."""
    from outcomes_qual.ingest import read_corpus

    if roster is not None:  # only this batch's rows: the others name transcripts other tasks read
        stems = {Path(p).stem.lower() for p in paths}
        roster = roster[roster["transcript"].astype(str).str.lower().isin(stems)]
        roster = roster if len(roster) else None
    corpus = read_corpus(paths, roster=roster)
    seg = corpus.segment_context()
    seg = seg.reindex(columns=[*schema.SEGMENT_COLUMNS, "method", "authority", "department"])
    _write_part(seg, Path(seg_path))
    return {"segments": len(seg), "problems": [(p.message, p.path, p.line) for p in corpus.problems]}


def ingest_transcripts(
    client, paths, seg_dir: Path, *, roster=None, files_per_part: int = 20, first_part: int = 0
) -> tuple[int, list[InputError]]:
    """Read transcripts in parallel, ``files_per_part`` files per task and part; return (parts, problems)."""
    from outcomes_qual.ingest import iter_input_files, read_roster

    roster_frame = read_roster(roster) if roster is not None and not isinstance(roster, pd.DataFrame) else roster
    files = [os.fspath(p) for p in iter_input_files(paths, exclude=[roster] if isinstance(roster, (str, os.PathLike)) else [])]
    batches = [files[i : i + files_per_part] for i in range(0, len(files), files_per_part)]
    futures = [
        client.submit(read_transcript_batch, b, os.fspath(seg_dir / part_name(first_part + k)), roster_frame, pure=False)
        for k, b in enumerate(batches)
    ]
    results = client.gather(futures)
    problems = [InputError(m, path=p, line=ln) for r in results for (m, p, ln) in r["problems"]]
    if roster_frame is not None:
        stems = {Path(f).stem.lower() for f in files}
        unread = sorted({str(t) for t in roster_frame["transcript"] if str(t).lower() not in stems})
        if unread:
            problems.append(
                InputError(
                    f"roster names {len(unread)} transcript(s) that were not read: {unread[:10]}",
                    path=roster if isinstance(roster, (str, os.PathLike)) else None,
                )
            )
    return len(batches), problems

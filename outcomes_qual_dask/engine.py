"""The Dask run: ingest to Parquet partitions, fit once, code partitions, aggregate.

``autocode_at_scale(inputs, codebook, out=DIR, workers=N)`` (or
``scheduler="tcp://HOST:8786"``, or ``client=``) writes into ``DIR``:

- ``segments/`` and, for consultations, ``respondents/``: Parquet parts;
- ``codings/``: Parquet parts, :data:`outcomes_qual.schema.MACHINE_CODING_COLUMNS`
  followed by each segment's transcript, participant, role and attributes;
- ``tables/``: ``role_by_theme.csv`` (the respondent type in a consultation),
  ``question_by_theme.csv``, ``authority_by_theme.csv`` and
  ``nonresponse_by_question.csv``, computed as Dask aggregations from the
  codings (:mod:`.aggregations`), the same values as the library's
  ``role_by_theme`` and ``nonresponse_by_question`` on one process;
- ``problems.csv``: one row per unreadable file or malformed row (file, line, message).

Every folder and file appears under its name only when complete (written
under a temporary name, then renamed), so an interrupted run leaves no
half-written output where a finished one is expected.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from outcomes_qual import schema
from outcomes_qual.errors import InputError
from outcomes_qual.safe_tables import write_csv

from ._deps import require_scale
from .coder import code_partition, codings_meta, make_plugin
from .partitions import (
    atomic_dir,
    atomic_write_csv,
    consultation_report,
    drop_repeated_respondents,
    ingest_consultation,
    ingest_transcripts,
    part_name,
)
from .sampling import count_rows, fit_frame, read_parts

if TYPE_CHECKING:  # the topics module imports nothing from here; this is for the annotation only
    from .topics import TopicsAtScale

logger = logging.getLogger(__name__)

#: Tables written to ``tables/``: file stem -> grouping column, unit.
TABLES: dict[str, tuple[str, str]] = {
    "role_by_theme": ("role", "segments"),
    "question_by_theme": ("question", "segments"),
    "authority_by_theme": ("authority", "participants"),
}

#: Segment columns that are carried into the codings when present (besides transcript, participant and role).
#: (A segment's data-collection ``method`` is not carried: the codings' ``method`` column names the coder's method.)
ATTRIBUTE_COLUMNS: tuple[str, ...] = ("question", "respondent_type", "organisation", "authority", "region", "department")


@dataclass
class ScaleResult:
    """What a Dask run wrote and found."""

    out: Path
    n_segments: int
    n_codings: int
    n_partitions: int
    problems: list[InputError] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    fitted_on: int = 0
    dashboard_link: str | None = None
    coder_token: str | None = None
    topics: TopicsAtScale | None = None  # when topics were asked for
    reads: list = field(default_factory=list)  # ReadReport per consultation file

    @property
    def codings_path(self) -> Path:
        """The folder of codings Parquet parts."""
        return self.out / "codings"

    @property
    def segments_path(self) -> Path:
        """The folder of segments Parquet parts."""
        return self.out / "segments"


def _is_consultation(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".xlsx", ".xlsm"):
        return True
    if suffix == ".csv":
        import csv
        import io

        from outcomes_qual.ingest.consultation import looks_like_consultation
        from outcomes_qual.ingest.detect import decode_bytes

        try:
            with open(path, "rb") as fh:
                head = fh.read(65536)
        except OSError:
            return False
        try:
            text = decode_bytes(head, path=path).lstrip("\ufeff")
        except InputError:
            return False
        return looks_like_consultation(next(csv.reader(io.StringIO(text)), []))
    return False


def split_inputs(inputs) -> tuple[list[Path], list[Path]]:
    """(consultation files, transcript files and folders) among ``inputs``; a folder is walked for consultations too."""
    from outcomes_qual.ingest import iter_input_files

    consult: list[Path] = []
    other: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if not p.exists():
            raise InputError("no such file or directory", path=p)
        files = iter_input_files([p]) if p.is_dir() else [p]
        if p.is_dir():
            walked = [f for f in _walk_consultations(p)]
            consult.extend(walked)
            other.extend(f for f in files if f not in walked)
        elif _is_consultation(p):
            consult.append(p)
        else:
            other.append(p)
    return consult, other


def _walk_consultations(folder: Path) -> list[Path]:
    from outcomes_qual.ingest import iter_input_files

    found = [f for f in iter_input_files([folder]) if _is_consultation(f)]
    for f in sorted(folder.rglob("*.parquet")):
        if not any(part.startswith(".") for part in f.relative_to(folder).parts) and f not in found:
            found.append(f)
    return found


def autocode_at_scale(
    inputs,
    codebook,
    *,
    out: str | os.PathLike,
    method: str = "ensemble",
    backend: str = "auto",
    model_path=None,
    coder: str = "outcomes_qual",
    include_facilitator: bool = False,
    random_state: int = 0,
    roster=None,
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
    partition_rows: int = 5_000,
    files_per_part: int = 20,
    fit_max: int = 100_000,
    progress: bool = False,
    on_start=None,
    topics_sample: int | None = None,
    topics_backend: str = "light",
    questions=None,
    attributes=None,
    strict: bool = False,
) -> ScaleResult:
    """Code consultations or transcripts on Dask; write segments, codings and tables under ``out``.

    Parameters
    ----------
    inputs : path or list of paths
        Consultation exports (CSV, XLSX, Parquet), transcript files or folders.
    codebook : Codebook or path
    out : path
        Output folder (created; outputs in it are replaced only when the new ones are complete).
    method, backend, model_path, coder, include_facilitator, random_state
        As for :func:`outcomes_qual.coding.autocode`.
    roster : path or DataFrame, optional
        For transcripts.
    workers, scheduler, client
        Exactly one: a new ``LocalCluster`` of ``workers`` processes, an
        existing scheduler address, or a ``distributed.Client``.
    partition_rows : int, default 5000
        Respondents per partition (consultations); does not change the results.
    files_per_part : int, default 20
        Transcript files per partition.
    fit_max : int, default 100000
        Fit the coder on every segment when there are at most this many,
        else on a stratified sample of this size (by question, else role).
    progress : bool, default False
        Show Dask's progress bar (on stdout) while coding.
    on_start : callable, optional
        Called with the client once connected (the CLI prints the dashboard link).
    topics_sample : int, optional
        Also find topics: fit on a stratified sample of this many segments,
        assign every segment partition by partition (:mod:`.topics`).
    topics_backend : {"light", "bertopic", "auto"}, default "light"
    questions, attributes, strict
        For consultation exports, as for :func:`outcomes_qual.ingest.read_consultation`:
        the layout (wide or long) and the question and attribute columns are
        decided on the same rows, so the segments equal the single-process reader's.

    Returns
    -------
    ScaleResult
    """
    require_scale()
    from .cluster import dask_client

    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if int(partition_rows) < 1:
        raise ValueError(f"partition_rows: expected a whole number >= 1, got {partition_rows!r}")
    from outcomes_qual.coding import as_codebook

    cb = as_codebook(codebook)
    out = Path(out)
    consult, other = split_inputs(inputs)
    if consult and other:
        raise InputError(
            "give consultation exports or transcripts in one run, not both "
            f"(consultations: {', '.join(map(str, consult[:3]))}; transcripts: {', '.join(map(str, other[:3]))})"
        )
    if not consult and not other:
        raise InputError(f"no consultation or transcript files found in {', '.join(map(str, inputs))}")
    with dask_client(workers=workers, scheduler=scheduler, client=client) as c:
        if on_start is not None:
            on_start(c)
        return _run(
            c,
            consult,
            other,
            cb,
            out=out,
            method=method,
            backend=backend,
            model_path=model_path,
            coder=coder,
            include_facilitator=include_facilitator,
            random_state=random_state,
            roster=roster,
            partition_rows=int(partition_rows),
            files_per_part=int(files_per_part),
            fit_max=int(fit_max),
            progress=progress,
            topics_sample=topics_sample,
            topics_backend=topics_backend,
            questions=questions,
            attributes=attributes,
            strict=strict,
        )


def _run(
    c,
    consult,
    other,
    cb,
    *,
    out,
    method,
    backend,
    model_path,
    coder,
    include_facilitator,
    random_state,
    roster,
    partition_rows,
    files_per_part,
    fit_max,
    progress,
    topics_sample=None,
    topics_backend="light",
    questions=None,
    attributes=None,
    strict=False,
) -> ScaleResult:
    from outcomes_qual.coding import make_coder

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    problems: list[InputError] = []
    reads: list = []
    work = out / f".work-{uuid.uuid4().hex[:8]}"
    try:
        seg_dir, resp_dir = work / "segments", work / "respondents"
        seg_dir.mkdir(parents=True)
        resp_dir.mkdir()
        k = 0
        for path in consult:
            try:
                n, probs, layout, report = ingest_consultation(
                    c,
                    path,
                    seg_dir,
                    resp_dir,
                    first_part=k,
                    chunk_rows=partition_rows,
                    questions=questions,
                    attributes=attributes,
                    strict=strict,
                )
            except InputError as err:
                problems.append(err)
                continue
            parts = [part_name(i) for i in range(k, k + n)]
            dropped = drop_repeated_respondents(seg_dir, resp_dir, parts)
            problems.extend(dropped)
            problems.extend(probs)
            if report is None:
                report = consultation_report(path, layout, seg_dir, resp_dir, parts, n_problems=len(probs) + len(dropped))
            logger.info("%s", report)
            reads.append(report)
            k += n
        if other:
            n, probs = ingest_transcripts(c, other, seg_dir, roster=roster, files_per_part=files_per_part, first_part=k)
            problems.extend(probs)
            k += n
        n_parts = k
        timings["ingest_s"] = time.perf_counter() - t0
        if not n_parts or not any(seg_dir.iterdir()):
            first = f" (first problem: {problems[0]})" if problems else ""
            raise InputError("no segments could be read from the inputs" + first)
        # -- fit once, on the client
        t1 = time.perf_counter()
        has_question = bool(consult)
        fit_seg = fit_frame(seg_dir, fit_max=fit_max, by="question" if has_question else "role")
        est = make_coder(
            method,
            cb,
            backend=backend,
            model_path=model_path,
            include_facilitator=include_facilitator,
            coder=coder,
            random_state=random_state,
        )
        est.fit(fit_seg)
        n_fit = len(fit_seg)
        del fit_seg
        token, plugin = make_plugin(est)
        del est
        timings["fit_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        c.register_plugin(plugin)  # returns when every worker has installed the coder
        timings["ship_s"] = time.perf_counter() - t1
        # -- code partition by partition
        t2 = time.perf_counter()
        segments = read_parts(seg_dir)
        extra = [col for col in ATTRIBUTE_COLUMNS if col in segments.columns]
        n_segments = count_rows(seg_dir)
        with atomic_dir(out / "codings") as tmp_codings:
            codings = segments.map_partitions(code_partition, token, extra, meta=codings_meta(extra))
            job = codings.to_parquet(
                os.fspath(tmp_codings), write_index=False, compute=False, engine="pyarrow", name_function=part_name
            )
            future = c.compute(job)
            if progress:
                from distributed import progress as show_progress

                show_progress(future)
            future.result()
        timings["code_s"] = time.perf_counter() - t2
        # -- keep the parts, then aggregate
        t3 = time.perf_counter()
        with atomic_dir(out / "segments") as tmp:
            _move_parts(seg_dir, tmp)
        if any(resp_dir.iterdir()):
            with atomic_dir(out / "respondents") as tmp:
                _move_parts(resp_dir, tmp)
        codings = read_parts(out / "codings")
        segments = read_parts(out / "segments")
        n_codings = count_rows(out / "codings")
        tables = compute_tables(
            codings, segments, out / "respondents" if consult else None, codebook=cb, include_facilitator=include_facilitator
        )
        with atomic_dir(out / "tables") as tmp:
            for name, table in tables.items():
                write_csv(table, tmp / f"{name}.csv")
        atomic_write_csv(
            pd.DataFrame(
                [{"file": p.path, "line": p.line, "message": p.message} for p in problems], columns=["file", "line", "message"]
            ),
            out / "problems.csv",
        )
        timings["tables_s"] = time.perf_counter() - t3
        topics = None
        if topics_sample:
            from .topics import topics_at_scale

            t4 = time.perf_counter()
            topics = topics_at_scale(
                c,
                out / "segments",
                out=out,
                codebook=cb,
                sample_size=int(topics_sample),
                backend=topics_backend,
                random_state=random_state,
            )
            timings["topics_s"] = time.perf_counter() - t4
        timings["total_s"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ScaleResult(
        out=out,
        n_segments=n_segments,
        n_codings=n_codings,
        n_partitions=n_parts,
        problems=problems,
        tables=tables,
        timings=timings,
        fitted_on=n_fit,
        dashboard_link=getattr(c, "dashboard_link", None),
        coder_token=token,
        topics=topics,
        reads=reads,
    )


def _move_parts(src: Path, dst: Path) -> None:
    for f in sorted(src.iterdir()):
        os.replace(f, dst / f.name)


def compute_tables(
    codings, segments, respondents_dir: Path | None, *, codebook=None, include_facilitator: bool = False
) -> dict[str, pd.DataFrame]:
    """The group x theme tables (and non-response per question) from the codings and segments partitions."""
    import dask

    from .aggregations import group_table, many_group_counts, nonresponse_table, split_counts

    specs = [(name, by, unit) for name, (by, unit) in TABLES.items() if by in segments.columns and by in codings.columns]
    lazy = many_group_counts(codings, segments, specs, include_facilitator=include_facilitator)
    non = None
    if respondents_dir is not None and respondents_dir.exists() and "question" in segments.columns:
        from .aggregations import nonresponse_counts

        non = nonresponse_counts(read_parts(respondents_dir, columns=["nonresponse"]), segments)
    (counts, bases), non = dask.compute(lazy, non)
    tables = {
        name: group_table(*split_counts(counts, bases, name), by=by, unit=unit, codebook=codebook) for name, by, unit in specs
    }
    if non is not None:
        tables["nonresponse_by_question"] = nonresponse_table(*non)
    return tables


def read_codings(out: str | os.PathLike) -> pd.DataFrame:
    """The codings a run wrote (all parts, in order) as one DataFrame with :data:`MACHINE_CODING_COLUMNS` first."""
    frame = _default_strings(pd.read_parquet(Path(out) / "codings", engine="pyarrow"))
    first = [c for c in schema.MACHINE_CODING_COLUMNS if c in frame.columns]
    return frame[[*first, *[c for c in frame.columns if c not in first]]]


#: ``--out`` suffixes that name one codings file rather than an output folder.
FILE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet")


def write_codings_file(
    out: str | os.PathLike,
    target: str | os.PathLike,
    *,
    columns: tuple[str, ...] = schema.MACHINE_CODING_COLUMNS,
    batch_rows: int = 50_000,
) -> Path:
    """Write the codings of the run in ``out`` to one file, ``target`` (``.csv`` or ``.parquet``).

    The Parquet parts are read one record batch at a time (at most ``batch_rows``
    rows in memory), in part order, so the file holds the codings in the same
    order as a single-process run and the corpus never has to fit in memory. The
    file is written under a temporary name beside ``target``, flushed to disk,
    then renamed: ``target`` is either the previous file or the complete new one.
    A CSV goes through :func:`outcomes_qual.safe_tables.write_csv` (formula
    triggers neutralised), as every CSV the toolkit writes.

    Parameters
    ----------
    out : path
        The folder of a finished run (its ``codings/`` parts are read).
    target : path
        The file to write; its suffix picks the format.
    columns : tuple of str
        Columns written, in this order (default: those of the single-process
        ``autocode`` CSV, so the two are interchangeable).

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(target)
    kind = target.suffix.lower()
    if kind not in FILE_SUFFIXES:
        raise InputError(f"--out: expected a folder or a file ending in {' or '.join(FILE_SUFFIXES)}, got {target.name!r}")
    parts = sorted((Path(out) / "codings").glob("*.parquet"))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        if kind == ".parquet":
            writer = None
            try:
                for part in parts:
                    for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=list(columns)):
                        table = pa.Table.from_batches([batch])
                        if writer is None:
                            writer = pq.ParquetWriter(os.fspath(tmp), table.schema)
                        writer.write_table(table.cast(writer.schema))
                if writer is None:  # no codings at all: an empty file with the columns
                    pd.DataFrame(columns=list(columns)).to_parquet(tmp, index=False, engine="pyarrow")
            finally:
                if writer is not None:
                    writer.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                header = True
                for part in parts:
                    for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=list(columns)):
                        write_csv(_default_strings(batch.to_pandas()), fh, header=header)
                        header = False
                if header:
                    write_csv(pd.DataFrame(columns=list(columns)), fh)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(target.parent)
    return target


def _default_strings(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        if str(frame[col].dtype).startswith("string"):
            frame[col] = frame[col].astype(pd.Series([""]).dtype)  # the default string dtype, as the library's tables have
    return frame


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - not every platform opens folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

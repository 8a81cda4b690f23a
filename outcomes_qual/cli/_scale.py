"""``autocode --workers N`` / ``--scheduler tcp://HOST:8786``: the Dask engine behind the ``autocode`` command.

The engine is the separate top-level package ``outcomes_qual_dask`` (the
``scale`` extra); it is imported only here, lazily, and the library never
imports it.

``--out`` ending in ``.csv`` or ``.parquet`` names one codings file, as
without ``--workers``: the run goes into a hidden working folder beside it,
the codings are streamed from the partitions into the file (written under a
temporary name, then renamed), and the folder is removed. Any other ``--out``
is a folder with the full layout (codings and segments as Parquet parts,
tables, problems.csv).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import uuid
from pathlib import Path

from ..errors import InputError
from ._common import refuse_output_over_inputs

#: ``--out`` suffixes that name one codings file (the same as :data:`outcomes_qual_dask.engine.FILE_SUFFIXES`).
FILE_SUFFIXES = (".csv", ".parquet")


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--scheduler``, ``--partition-rows``, ``--fit-max`` and ``--no-progress``."""
    group = parser.add_argument_group(
        "at scale on Dask (needs outcomes_qual[scale]; --out FILE.csv or FILE.parquet writes the codings, "
        "--out DIR the codings and segments as Parquet parts and the tables)"
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="start a local Dask cluster of N worker processes")
    where.add_argument("--scheduler", metavar="tcp://HOST:8786", help="use an existing Dask cluster")
    group.add_argument(
        "--partition-rows",
        type=int,
        default=5_000,
        metavar="N",
        help="respondents per partition (default 5000; does not change the results)",
    )
    group.add_argument(
        "--fit-max",
        type=int,
        default=100_000,
        metavar="N",
        help="fit the coder on every segment up to N, else on a stratified sample of N (default 100000)",
    )
    group.add_argument(
        "--topics-sample",
        type=int,
        metavar="N",
        help="also find topics: fit on a stratified sample of N segments, assign the rest (light backend)",
    )
    group.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def wants_scale(args: argparse.Namespace) -> bool:
    """True when ``--workers`` or ``--scheduler`` was given."""
    return getattr(args, "workers", None) is not None or getattr(args, "scheduler", None) is not None


def run_scale(args: argparse.Namespace) -> int:
    """Run ``autocode`` on Dask; print where outputs are and each problem; return the exit code."""
    if args.project:
        raise InputError("--workers/--scheduler code INPUT files into an --out folder; they do not work with --project")
    if args.train:
        raise InputError("--workers/--scheduler do not support --train yet; run without them to learn from codings")
    if not args.out or args.out == "-":
        raise InputError(
            "--workers/--scheduler need --out CODINGS.csv, CODINGS.parquet or DIR (a folder for the codings Parquet and tables)"
        )
    as_file = Path(args.out).suffix.lower() in FILE_SUFFIXES
    if as_file:
        if Path(args.out).is_dir():
            raise InputError(
                "--out names a file (.csv or .parquet) but is an existing folder; remove it or choose another name", path=args.out
            )
        if getattr(args, "topics_sample", None):
            raise InputError("--topics-sample writes a topics/ folder: give --out DIR, not a file", path=args.out)
        refuse_output_over_inputs(args.out, [*args.inputs, *(p for p in (args.roster, args.codebook) if p)])
    if not args.inputs:
        raise InputError("no INPUT given: name consultation exports (CSV, XLSX, Parquet) or transcript folders")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers: expected a whole number >= 1, got {args.workers}")
    try:
        import outcomes_qual_dask as oqd

        oqd.require_scale()
    except ImportError as err:
        hint = "" if "install outcomes_qual[scale]" in str(err) else "; install outcomes_qual[scale]"
        raise InputError(f"--workers/--scheduler need the Dask engine: {err}{hint}") from None
    import logging

    from ..codebook import load_codebook

    for name in ("distributed", "dask"):  # the cluster's own INFO lines would bury ours; warnings still show
        if logging.getLogger(name).getEffectiveLevel() < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)
    codebook = load_codebook(args.codebook)

    def started(client):
        link = getattr(client, "dashboard_link", None)
        n = len(client.scheduler_info().get("workers", {}))
        print(f"Dask: {n} workers" + (f"; dashboard {link}" if link else ""), file=sys.stderr)

    target = Path(args.out)
    run_dir = target.parent / f".{target.name}.run-{uuid.uuid4().hex[:8]}" if as_file else target
    try:
        result = oqd.autocode_at_scale(
            args.inputs,
            codebook,
            out=run_dir,
            method=args.method,
            backend=args.backend,
            model_path=args.model,
            coder=args.coder,
            include_facilitator=args.include_facilitator,
            roster=args.roster,
            workers=args.workers,
            scheduler=args.scheduler,
            partition_rows=args.partition_rows,
            fit_max=args.fit_max,
            progress=args.progress,
            on_start=started,
            topics_sample=getattr(args, "topics_sample", None),
            questions=getattr(args, "questions", None),
            attributes=getattr(args, "attributes", None),
            strict=getattr(args, "strict", False),
        )
        if as_file:
            oqd.write_codings_file(run_dir, target)
    except OSError as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"cannot reach or run the Dask cluster ({err})") from None
    finally:
        if as_file:
            shutil.rmtree(run_dir, ignore_errors=True)
    for report in result.reads:
        print(str(report), file=sys.stderr)
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(
        f"{result.n_codings} codings ({args.method}) on {result.n_segments} segments in {result.n_partitions} partitions; "
        f"coder fitted on {result.fitted_on} segments",
        file=sys.stderr,
    )
    if result.topics is not None:
        t = result.topics
        print(
            f"topics: {len(t.topics) - 1} fitted on {t.n_sample} sampled segments; {t.unassigned_share:.1%} of "
            f"{t.n_segments} segments unassigned; {t.out}/topics.csv",
            file=sys.stderr,
        )
    if as_file:
        print(f"wrote {target}", file=sys.stderr)
    else:
        print(f"wrote {result.out}/codings (Parquet), {result.out}/tables/*.csv", file=sys.stderr)
    return 1 if result.problems else 0

"""Consultations at scale: one process against the Dask engine, 10k to 1M answers.

For each size N a synthetic consultation (``_consultation.py``; 5 questions,
~11% non-response, so N answer cells give ~0.89 N coded answers) is written to
Parquet in chunks, then each variant runs in a fresh process:

- ``single``: ``read_consultation`` + ``autocode`` + the question, respondent
  type and authority x theme tables and the non-response table, in one process;
- ``dask2``: :func:`outcomes_qual_dask.autocode_at_scale` on a ``LocalCluster``
  of 2 worker processes (cluster start-up included), the same outputs.

It prints wall time, peak resident memory of the main process and of the
largest worker, and for Dask runs the per-partition task cost, the worker's
coder install (model load) time and the task count, from which it projects
8 and 32 workers (:func:`project`). These are measurements, never pass/fail.

Usage::

    python benchmarks/scale.py --sizes 10000 100000 --methods keyword ensemble-lsa
    python benchmarks/scale.py --sizes 1000000 --methods keyword --engines dask2
    python benchmarks/scale.py --sizes 10000 --methods ensemble-st --engines single
    python benchmarks/scale.py --sizes 100000 --methods ensemble-st --engines dask2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import peak_rss_mb, print_table

HERE = Path(__file__).resolve().parent

CODEBOOK = HERE.parent / "codebooks" / "outcomes_practice.yaml"
METHODS = {
    "keyword": ("keyword", "lsa"),
    "ensemble-lsa": ("ensemble", "lsa"),
    "ensemble-st": ("ensemble", "sentence-transformers"),
}


def _worker_stats():
    from outcomes_qual_dask import coder

    return {
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "install_s": round(sum(coder._INSTALL_SECONDS.values()), 2),
    }


def run_single(path: Path, method: str, backend: str) -> dict:
    from outcomes_qual.analysis import role_by_theme
    from outcomes_qual.codebook import load_codebook
    from outcomes_qual.coding import autocode
    from outcomes_qual.ingest import nonresponse_by_question, read_consultation

    t0 = time.perf_counter()
    cb = load_codebook(CODEBOOK)
    corpus = read_consultation(path)
    t1 = time.perf_counter()
    codings = autocode(corpus, cb, method=method, backend=backend)
    t2 = time.perf_counter()
    seg = corpus.segment_context()
    role_by_theme(corpus, codings, codebook=cb)
    role_by_theme(seg.assign(role=seg["question"]), codings, codebook=cb)
    role_by_theme(seg.assign(role=seg["authority"]), codings, codebook=cb, unit="participants")
    nonresponse_by_question(corpus)
    t3 = time.perf_counter()
    return {
        "segments": len(corpus.segments),
        "codings": len(codings),
        "ingest_s": round(t1 - t0, 1),
        "code_s": round(t2 - t1, 1),
        "tables_s": round(t3 - t2, 1),
        "wall_s": round(t3 - t0, 1),
        "peak_main_mb": peak_rss_mb(),
        "peak_worker_mb": None,
    }


def run_dask(path: Path, method: str, backend: str, workers: int, partition_rows: int) -> dict:
    from distributed import Client, LocalCluster, get_task_stream

    from outcomes_qual_dask import autocode_at_scale

    t0 = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as out,
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, memory_limit="4GiB"
        ) as cluster,
        Client(cluster) as client,
    ):
        t_up = time.perf_counter() - t0
        with get_task_stream(client) as ts:
            result = autocode_at_scale(
                path, CODEBOOK, out=out, method=method, backend=backend, client=client, partition_rows=partition_rows
            )
        stats = client.run(_worker_stats)
        wall = time.perf_counter() - t0
        durations: dict[str, list[float]] = {}
        for task in ts.data:
            name = str(task["key"]).split("-")[0].strip("('\"")
            for ss in task["startstops"]:
                if ss["action"] == "compute":
                    durations.setdefault(name, []).append(ss["stop"] - ss["start"])
        n_tasks = sum(len(v) for v in durations.values())
        busy = sum(sum(v) for v in durations.values())
    return {
        "segments": result.n_segments,
        "codings": result.n_codings,
        "partitions": result.n_partitions,
        "startup_s": round(t_up, 1),
        **{k: round(v, 1) for k, v in result.timings.items() if k != "total_s"},
        "wall_s": round(wall, 1),
        "peak_main_mb": peak_rss_mb(),
        "peak_worker_mb": max(s["peak_rss_mb"] for s in stats.values()),
        "install_s": max(s["install_s"] for s in stats.values()),
        "tasks": n_tasks,
        "task_busy_s": round(busy, 1),
        "task_groups": {k: [len(v), round(sum(v), 2)] for k, v in sorted(durations.items(), key=lambda kv: -sum(kv[1]))[:6]},
    }


def make_input(n: int, folder: Path) -> Path:
    from _consultation import write_consultation_parquet

    path = folder / f"consultation_{n}.parquet"
    if not path.exists():
        write_consultation_parquet(path, n, seed=n)
    return path


def child(args) -> None:
    method, backend = METHODS[args.method]
    path = Path(args.input)
    if args.engine == "single":
        row = run_single(path, method, backend)
    else:
        row = run_dask(path, method, backend, int(args.engine.removeprefix("dask")), args.partition_rows)
    print(json.dumps(row))


def project(row: dict, workers: int) -> float:
    """Projected wall time on ``workers`` workers from a measured Dask row (see docs/scale.md).

    Only the task time scales: partitions are spread over the workers in
    rounds (``ceil(partitions / workers)`` rounds of the mean partition's
    cost), everything else (start-up, the fit on the client, shipping the
    coder, scheduling, the client's own work) is kept as measured.
    """
    busy, parts = row["task_busy_s"], max(int(row["partitions"]), 1)
    measured_parallel = busy / min(2, parts)
    fixed = row["wall_s"] - measured_parallel
    rounds = -(-parts // workers)
    return fixed + rounds * busy / parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--methods", nargs="+", default=["keyword"], choices=list(METHODS))
    ap.add_argument("--engines", nargs="+", default=["single", "dask2"])
    ap.add_argument(
        "--partition-rows", type=int, default=1_000, help="respondents per partition (default 1000, about 4,500 answers)"
    )
    ap.add_argument("--data", help="folder for the generated Parquet (default: a temporary folder)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--method", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        child(args)
        return
    import subprocess

    tmp = tempfile.TemporaryDirectory() if not args.data else None
    folder = Path(args.data or tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for n in args.sizes:
        t = time.perf_counter()
        path = make_input(n, folder)
        print(
            f"# {n:,} answer cells -> {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s",
            flush=True,
        )
        for method in args.methods:
            for engine in args.engines:
                cmd = [
                    sys.executable,
                    __file__,
                    "--one",
                    "--engine",
                    engine,
                    "--method",
                    method,
                    "--input",
                    str(path),
                    "--partition-rows",
                    str(args.partition_rows),
                ]
                t = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if proc.returncode != 0:
                    print(f"{n} {method} {engine}: failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}", flush=True)
                    continue
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                row = {"answers": n, "method": method, "engine": engine, "process_s": round(time.perf_counter() - t, 1), **row}
                print(json.dumps(row), flush=True)
                rows.append(row)
    cols = [
        "answers",
        "method",
        "engine",
        "segments",
        "partitions",
        "wall_s",
        "process_s",
        "ingest_s",
        "fit_s",
        "ship_s",
        "code_s",
        "tables_s",
        "peak_main_mb",
        "peak_worker_mb",
    ]
    print()
    print_table([{c: r.get(c) for c in cols} for r in rows], cols)
    dask_rows = [r for r in rows if r["engine"].startswith("dask")]
    if dask_rows:
        print("\nprojection from the measured task cost (docs/scale.md):")
        prow = []
        for r in dask_rows:
            prow.append(
                {
                    "answers": r["answers"],
                    "method": r["method"],
                    "partitions": r["partitions"],
                    "tasks": r["tasks"],
                    "task_busy_s": r["task_busy_s"],
                    "per_partition_s": round(r["task_busy_s"] / max(r["partitions"], 1), 2),
                    "model_install_s": r["install_s"],
                    "fit_s": r["fit_s"],
                    "ship_s": r["ship_s"],
                    "fixed_s": round(r["wall_s"] - r["task_busy_s"] / min(2, max(r["partitions"], 1)), 1),
                    "measured_2": r["wall_s"],
                    "proj_8": round(project(r, 8), 1),
                    "proj_32": round(project(r, 32), 1),
                }
            )
        print_table(prow, list(prow[0]))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()

"""The consultation report from the Dask engine's output: wall time and peak memory of all processes.

For each size (respondents) a synthetic consultation (``_consultation.py``,
5 questions, ~11% non-response) is written to Parquet and coded by
``outcomes-qual autocode --workers 2 --method keyword`` (set-up, timed but not
the subject). Then ``outcomes-qual report OUT --codebook ... --out REPORT`` runs
in a fresh process, once on Dask's threaded scheduler in that process and once
with ``--workers 2`` (a LocalCluster of 2 worker processes). A sampler reads
the resident memory of the report process and all its descendants (workers,
nannies) every 0.1 s: ``peak_tree_mb`` is the largest sum seen, ``peak_one_mb``
the largest single process. These are measurements, never pass/fail.

Usage::

    python benchmarks/report_scale.py --respondents 20000
    python benchmarks/report_scale.py --respondents 200000 --variants threads
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import print_table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "outcomes_qual", *args]


def measure(cmd: list[str], *, env: dict) -> dict:
    """Run ``cmd``; sample the RSS of it and its descendants; return wall time and peaks (MB)."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"tree": 0.0, "one": 0.0, "n": 0}
    done = threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = []
            for p in procs:
                try:
                    rss.append(p.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            if rss:
                peak["tree"] = max(peak["tree"], sum(rss))
                peak["one"] = max(peak["one"], max(rss))
                peak["n"] = max(peak["n"], len(rss))
            done.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    done.set()
    thread.join()
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(
            f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.strip().splitlines()[-1] if err.strip() else ''}", file=sys.stderr
        )
    return {
        "wall_s": round(wall, 1),
        "peak_tree_mb": round(peak["tree"]),
        "peak_one_mb": round(peak["one"]),
        "processes": peak["n"],
        "rc": proc.returncode,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, nargs="+", default=[20_000])
    ap.add_argument("--variants", nargs="+", default=["threads", "workers2"], choices=["threads", "workers2"])
    ap.add_argument("--partition-rows", type=int, default=5_000)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (kept) instead of a temporary folder")
    args = ap.parse_args(argv)
    from _consultation import QUESTIONS, write_consultation_parquet

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in args.respondents:
            src = work / f"consultation_{n}.parquet"
            if not src.exists():
                write_consultation_parquet(src, n * len(QUESTIONS), seed=11)
            out = work / f"coded_{n}"
            if not (out / "codings").is_dir():
                setup = measure(
                    _cli(
                        "autocode",
                        str(src),
                        "--codebook",
                        str(CODEBOOK),
                        "--method",
                        "keyword",
                        "--workers",
                        "2",
                        "--partition-rows",
                        str(args.partition_rows),
                        "--no-progress",
                        "--out",
                        str(out),
                    ),
                    env=env,
                )
                print(f"set-up: autocode --workers 2 on {n} respondents: {setup['wall_s']} s", file=sys.stderr)
            for variant in args.variants:
                rep = work / f"report_{n}_{variant}"
                extra = ["--workers", "2"] if variant == "workers2" else []
                fig = measure(_cli("report", str(out), "--codebook", str(CODEBOOK), "--out", str(rep), *extra), env=env)
                try:
                    import pandas as pd

                    non = pd.read_csv(rep / "tables" / "nonresponse_by_question.csv")
                    answers = int(non["n_answered"].sum())
                except (OSError, ValueError):
                    answers = None
                rows.append({"respondents": n, "answers": answers, "variant": variant, **fig})
    print_table(rows, ["respondents", "answers", "variant", "wall_s", "peak_tree_mb", "peak_one_mb", "processes", "rc"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

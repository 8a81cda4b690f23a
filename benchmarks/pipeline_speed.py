"""Time the rest of the pipeline on a synthetic corpus: ingest, project, report, REFI exchange.

Usage::

    .venv/bin/python benchmarks/pipeline_speed.py [--turns 10000]

Steps, each timed in this one process on the same corpus:

- ``ingest``: read 50 labelled plain-text transcripts (``Name: text``) with
  ``read_corpus``;
- ``autocode_keyword``: keyword codings (the input to the later steps);
- ``project_add``: a new project file, ``add_corpus`` and ``add_codings``;
- ``project_read``: ``corpus()`` and ``codings()`` back from the file;
- ``report``: ``write_report`` without topics (docx, xlsx, CSVs, figures);
- ``qdpx_export`` / ``qdpx_import``: the REFI-QDA round trip.

Prints figures, including the process's peak memory; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _measure import peak_rss_mb, print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_FILES = 50


def write_transcripts(seg, folder: Path) -> None:
    """Write the synthetic turns as ``N_FILES`` labelled plain-text transcripts."""
    ids = sorted(seg["transcript_id"].unique())
    for i, tid in enumerate(ids):
        group = seg[seg["transcript_id"] == tid]
        header = f"Focus group {i + 1}\nAuthority: {group['authority'].iloc[0]}\nMethod: focus group\n\n"
        body = "\n\n".join(f"{sp}: {text}" for sp, text in zip(group["speaker"], group["text"], strict=True))
        (folder / f"{tid}.txt").write_text(header + body + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--turns", type=int, default=10_000)
    args = ap.parse_args(argv)

    from _synthetic import make_synthetic_segments

    from outcomes_qual.codebook import load_codebook
    from outcomes_qual.coding import autocode
    from outcomes_qual.ingest import read_corpus
    from outcomes_qual.interop import export_qdpx, import_qdpx
    from outcomes_qual.project import Project
    from outcomes_qual.report import write_report

    seg = make_synthetic_segments(args.turns, seed=0)
    seg["transcript_id"] = "t" + (seg["turn"].rank(method="first").astype(int) % N_FILES).astype(str).str.zfill(2)
    cb = load_codebook(ROOT / "codebooks" / "outcomes_practice.yaml")
    rows = []

    def timed(step, fn):
        t0 = time.perf_counter()
        out = fn()
        rows.append({"step": step, "seconds": round(time.perf_counter() - t0, 2)})
        return out

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        write_transcripts(seg, tmp / "in")
        corpus = timed("ingest", lambda: read_corpus([tmp / "in"]))
        codings = timed("autocode_keyword", lambda: autocode(corpus, cb, method="keyword"))

        def project_add():
            with Project.create(tmp / "p.sqlite") as proj:
                proj.add_codebook(cb)
                proj.add_corpus(corpus)
                proj.add_codings(codings, codebook=cb)

        def project_read():
            with Project.open(tmp / "p.sqlite") as proj:
                return proj.corpus(), proj.codings()

        timed("project_add", project_add)
        timed("project_read", project_read)
        timed("report", lambda: write_report(corpus, codings, cb, tmp / "report"))
        timed("qdpx_export", lambda: export_qdpx(corpus, codings, cb, tmp / "p.qdpx"))
        imported = timed("qdpx_import", lambda: import_qdpx(tmp / "p.qdpx"))
        size_mb = (tmp / "p.qdpx").stat().st_size / 1e6

    n = len(corpus.segments)
    print(f"pipeline on {n:,} turns in {N_FILES} transcripts ({len(codings):,} keyword codings); {os.cpu_count()} CPU(s)")
    print_table(rows, ["step", "seconds"])
    print(f"qdpx: {size_mb:.1f} MB, {len(imported.codings):,} codings back; peak memory {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

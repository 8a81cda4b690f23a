"""Time ``find_topics`` end to end on a synthetic corpus and report peak memory.

Usage::

    .venv/bin/python benchmarks/topics_speed.py [--turns 10000] [--backends light bertopic]

Each backend runs in a fresh Python process, so its wall time includes
importing what it needs (for BERTopic: torch, sentence-transformers, UMAP's
first-fit compilation) and its peak resident memory (``ru_maxrss``) is its
own. End to end means: build the corpus, embed, match the shipped codebook,
cluster, describe the topics, and write the tables and figures. Targets from
the issue, for 10,000 turns on a 2-core machine: under 90 s with sentence
embeddings (BERTopic), under 20 s on the light path, peak memory under 3 GB.
The corpus (``benchmarks/_synthetic.py``) plants a recurring subject the
codebook does not cover (agency staff and turnover); the share of those turns
that land in emergent topics is printed too. This script prints figures; it
is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _measure import peak_rss_mb, print_table, run_child

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

BACKENDS = ("light", "bertopic")


def corpus_from_segments(seg):
    """A :class:`~outcomes_qual.corpus.Corpus` from a synthetic segments table."""
    from outcomes_qual.corpus import Corpus

    parts = []
    for tid, group in seg.groupby("transcript_id", sort=True):
        turns = list(zip(group["speaker"], group["role"], group["text"], strict=True))
        parts.append(Corpus.from_turns(tid, turns, authority=group["authority"].iloc[0]))
    return Corpus.concat(parts)


def run_one(backend: str, n_turns: int) -> dict:
    """Run one backend in this process and return its figures."""
    sys.path[:0] = [str(ROOT), str(HERE)]
    t0 = time.perf_counter()
    from _synthetic import make_synthetic_segments

    from outcomes_qual.codebook import load_codebook
    from outcomes_qual.topics import find_topics, write_topic_figures, write_topic_tables

    t_import = time.perf_counter() - t0
    seg = make_synthetic_segments(n_turns, seed=0, with_themes=True)
    t1 = time.perf_counter()
    corpus = corpus_from_segments(seg)
    cb = load_codebook(ROOT / "codebooks" / "outcomes_practice.yaml")
    t2 = time.perf_counter()
    result = find_topics(corpus, codebook=cb, backend=backend, random_state=0)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_topic_tables(result, tmp)
        write_topic_figures(result, Path(tmp) / "figures")
    t4 = time.perf_counter()
    planted = dict(zip(seg["segment_id"], seg["planted"], strict=True))
    a = result.assignments.assign(planted=result.assignments["segment_id"].map(planted))
    emergent_ids = set(result.topics.loc[result.topics["emergent"], "topic_id"])
    agency = a[a["planted"] == "agency_staff"]
    s = result.summary
    return {
        "backend": backend,
        "turns": int(len(seg)),
        "modelled": int(s["n_used"]),
        "topics": int(s["n_topics"]),
        "emergent": int(s["n_emergent"]),
        "outliers_before": int(s["n_outliers_before"]),
        "outliers_after": int(s["n_outliers"]),
        "planted_in_emergent": round(float(agency["topic_id"].isin(emergent_ids).mean()), 2) if len(agency) else None,
        "import_s": round(t_import, 2),
        "find_topics_s": round(t3 - t2, 2),
        "end_to_end_s": round(t4 - t1, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--turns", type=int, default=10_000)
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.turns)))
        return 0
    print(f"find_topics on {args.turns:,} synthetic turns; {os.cpu_count()} CPU(s); each backend in a fresh process")
    env = {"TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    rows = [run_child(__file__, name, args.turns, env=env) for name in args.backends]
    rows = [r for r in rows if r is not None]
    if not rows:
        return 1
    cols = [
        "backend",
        "turns",
        "modelled",
        "topics",
        "emergent",
        "outliers_before",
        "outliers_after",
        "planted_in_emergent",
        "find_topics_s",
        "end_to_end_s",
        "process_wall_s",
        "peak_rss_mb",
    ]
    print_table(rows, cols)
    print(
        "end_to_end_s: corpus + find_topics + writing tables and figures; process_wall_s: the whole child "
        "process (imports, model loading); peak_rss_mb: the child's peak resident memory; "
        "planted_in_emergent: share of the planted uncovered subject's turns placed in emergent topics"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How far the demo's figures move with the seed and with the embedding precision.

Usage::

    .venv/bin/python benchmarks/seed_spread.py [--seeds 0 1 2 3 4] [--precisions float32 bfloat16] [--light]

Runs the demo pipeline (``make demo``: the sample corpus, pseudonymised,
auto-coded with the default ensemble, then emergent topics) once per seed,
and does so for each embedding precision in a fresh process
(``OUTCOMES_QUAL_PRECISION``). bfloat16 stands in for "another machine": its
rounding is what a CPU with native bfloat16 computes, and float32 results can
also differ in the last bits between BLAS builds and CPUs. For every run it
prints the topic count, the emergent-topic count and the turns per theme;
then, per precision, the range of each figure over the seeds. A given seed,
precision and machine always gives the same figures (tests/test_determinism.py);
this script shows how far apart the others are. It prints figures; it is not a
pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THEMES = ("culture_shift", "clarity_of_purpose", "resistance", "systems_barriers", "partners", "time")


def run_seeds(seeds: list[int], light: bool) -> list[dict]:
    """Run the pipeline in this process once per seed; return one row per seed."""
    sys.path.insert(0, str(ROOT))
    from outcomes_qual import autocode, find_topics, load_codebook, pseudonymise_corpus, read_corpus
    from outcomes_qual.demo import CODEBOOK, SAMPLE
    from outcomes_qual.embeddings.sentence import default_precision

    corpus = read_corpus([SAMPLE], roster=SAMPLE / "roster.csv")
    corpus, _ = pseudonymise_corpus(corpus, names=SAMPLE / "names.csv")
    codebook = load_codebook(CODEBOOK)
    analysed = set(corpus.analysed_segments()["segment_id"])
    rows = []
    for seed in seeds:
        codings = autocode(corpus, codebook, backend="lsa" if light else "auto", random_state=seed)
        themes = codings.assign(theme=codings["code"].astype(str).str.split("/").str[0])
        themes = themes[themes["segment_id"].isin(analysed)].drop_duplicates(["segment_id", "theme"])
        counts = themes["theme"].value_counts()
        topics = find_topics(corpus, codebook=codebook, codings=codings, random_state=seed, backend="light" if light else "auto")
        t = topics.topics[topics.topics["topic_id"] >= 0]
        row = {
            "precision": default_precision(),
            "seed": seed,
            "topics": len(t),
            "emergent": int(t["emergent"].astype(bool).sum()),
        }
        row.update({theme: int(counts.get(theme, 0)) for theme in THEMES})
        labels = t.loc[t["emergent"].astype(bool), "label"].astype(str).tolist()
        row["emergent_labels"] = "; ".join(labels)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16"], choices=("float32", "bfloat16"))
    parser.add_argument("--light", action="store_true", help="the light path (LSA, k-means): precision does not apply")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_seeds(args.seeds, args.light)))
        return 0
    import pandas as pd

    rows = []
    for precision in ["float32"] if args.light else args.precisions:
        env = dict(os.environ, OUTCOMES_QUAL_PRECISION=precision, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg")
        cmd = [sys.executable, __file__, "--one", "--seeds", *map(str, args.seeds)] + (["--light"] if args.light else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode:
            print(f"{precision}: failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        rows += json.loads(proc.stdout.strip().splitlines()[-1])
    frame = pd.DataFrame(rows)
    if not len(frame):
        return 1
    print("path:", "light (LSA, k-means)" if args.light else "default (sentence embeddings, ensemble, BERTopic)")
    print(frame.drop(columns="emergent_labels").to_string(index=False))
    print()
    print("emergent topics (readable words) per run:")
    for row in frame.itertuples():
        print(f"  {row.precision} seed {row.seed}: {row.emergent_labels or 'none'}")
    print()
    print("range over seeds (min-max):")
    figures = ["topics", "emergent", *THEMES]
    spread = frame.groupby("precision", sort=False)[figures].agg(
        lambda s: f"{s.min()}-{s.max()}" if s.min() != s.max() else f"{s.min()}"
    )
    print(spread.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Agreement between the training corpus's labels and blind second labellings of random turns.

Usage::

    .venv/bin/python benchmarks/corpus_agreement.py

Reads ``benchmarks/data/corpus_second_coder.jsonl``: for each turn sampled
from ``codebooks/outcomes_practice.training.jsonl`` (seeded), the SHA-1 of its
normalised text, the writer's codes, the second analyst's codes (coded from
the codebook and the text alone), whether the turn was dropped from the
corpus because the two disagreed on its themes, and the labelling ``round``
(1: a random 300 of the first four batches; 2: about 65 turns of each batch
added later; rows without ``round`` belong to round 1). Prints, for each round
and for all rows, Cohen's kappa per theme (sub-codes rolled up), for "no
theme", and the sub-code agreement where both chose a sub-code of the same
theme.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outcomes_qual.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]

DATA = Path(__file__).resolve().parent / "data" / "corpus_second_coder.jsonl"


def report(rows: list[dict], themes: list[str], title: str) -> None:
    """Print the per-theme kappa table of one set of doubly labelled turns."""

    def matrix(key):
        return np.array([[t in {c.split("/")[0] for c in r[key]} for t in themes] for r in rows], dtype=int)

    A, B = matrix("writer"), matrix("second")
    print(f"{title}: writer's labels against a blind second labelling, {len(rows)} random turns")
    print(f"{'theme':22s} {'kappa':>6s} {'writer':>7s} {'second':>7s} {'both':>5s}")
    for j, t in enumerate(themes):
        kappa = cohen_kappa_score(A[:, j], B[:, j])
        print(f"{t:22s} {kappa:6.2f} {A[:, j].sum():7d} {B[:, j].sum():7d} {(A[:, j] & B[:, j]).sum():5d}")
    none_a, none_b = (A.sum(axis=1) == 0).astype(int), (B.sum(axis=1) == 0).astype(int)
    print(f"{'no theme':22s} {cohen_kappa_score(none_a, none_b):6.2f} {none_a.sum():7d} {none_b.sum():7d}")
    same = (A == B).all(axis=1)
    pairs = [
        (a, b)
        for r in rows
        for t in themes
        for a in [[c for c in r["writer"] if c.startswith(t + "/")]]
        for b in [[c for c in r["second"] if c.startswith(t + "/")]]
        if a and b
    ]
    print(
        f"same themes: {int(same.sum())} of {len(rows)}; same sub-code where both chose one of the same theme: "
        f"{sum(a == b for a, b in pairs)} of {len(pairs)}; dropped from the corpus: {sum(r['dropped'] for r in rows)}"
    )


def main() -> int:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    themes = load_codebook(ROOT / "codebooks" / "outcomes_practice.yaml").theme_keys()
    rounds = sorted({r.get("round", 1) for r in rows})
    for k in rounds:
        part = [r for r in rows if r.get("round", 1) == k]
        batches = sorted({r["batch"] for r in part if "batch" in r})
        report(part, themes, f"Round {k}" + (f" ({', '.join(batches)})" if batches else " (first four batches)"))
        print()
    if len(rounds) > 1:
        report(rows, themes, "All rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Learning from the evaluator: agreement on the uncoded remainder after a person codes n turns.

Usage::

    .venv/bin/python benchmarks/learning_curve.py [--sizes 0 10 25 50 100] [--seeds 5] [--sources webinar ...]
        [--orders random suggested] [--no-ceiling] [--markdown]

For each dev source (``benchmarks/dev_sources.py``; needs ``../shared``), the
default ensemble is fitted zero-shot on all units, then a simulated
evaluator codes ``n`` units (their gold themes) and the coder learns from
them (``EnsembleCoder.learn``, what ``autocode(train=...)`` does). Scored on
the units not coded: pooled Cohen's kappa over every (unit, theme) decision
(the ``all`` row of ``outcomes_qual.agreement``) and macro-F1 over the themes
present. Two orders: ``random`` (``--seeds`` seeds: mean and standard
deviation) and ``suggested`` (``suggest_next`` picks each batch, 10 then 15
at a time, from the coder fitted on what was coded so far; the seed only
breaks exact ties, so this order is deterministic and shows no spread).
Sizes that would leave fewer than 10 units uncoded are skipped. A last row
per source, ``5-fold``, is the ceiling of these features: each fifth of the
source scored by a coder that learned from the other four fifths.
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import KFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _agreement_protocol as proto
from dev_sources import SOURCE_NAMES, available_sources, load_dev_source

from outcomes_qual.codebook import load_codebook
from outcomes_qual.coding import EnsembleCoder, suggest_next, theme_labels
from outcomes_qual.embeddings import sentence_backend_available

ROOT = Path(__file__).resolve().parents[1]

#: Columns of the printed table, declared once.
CURVE_COLUMNS = ("source", "order", "n_coded", "n_scored", "kappa_mean", "kappa_sd", "macro_f1_mean", "macro_f1_sd")


def score_remainder(coder, seg, Y, themes, coded: set[str]) -> tuple[float, float]:
    """Pooled kappa and macro-F1 of ``coder`` on the units not in ``coded``."""
    rest = ~seg["segment_id"].isin(coded).to_numpy()
    sub = seg[rest]
    P = theme_labels(coder.predict(sub), sub["segment_id"], themes)
    Yr = Y[rest]
    return float(cohen_kappa_score(Yr.ravel(), P.ravel())), proto.macro_f1(Yr, P)


def gold_codings(gold: pd.DataFrame, ids) -> pd.DataFrame:
    """The gold themes of ``ids`` as codings (a coded unit without themes still counts as coded)."""
    sub = gold[gold["segment_id"].isin(set(ids))]
    rows = [(sid, t) for sid, themes in zip(sub["segment_id"], sub["themes"], strict=True) for t in themes]
    frame = pd.DataFrame(rows, columns=["segment_id", "code"])
    # units coded with no theme: present as units through an empty-code row the coder ignores
    empty = [sid for sid, themes in zip(sub["segment_id"], sub["themes"], strict=True) if not themes]
    return pd.concat([frame, pd.DataFrame({"segment_id": empty, "code": ""})], ignore_index=True)


def learned(base: EnsembleCoder, seg: pd.DataFrame, codings: pd.DataFrame) -> EnsembleCoder:
    """``base`` (fitted zero-shot on all units) after learning from ``codings``; ``base`` itself is left as it was.

    ``learn`` sets new supervised and codebook-classifier parts (it does not
    change the fitted ones in place), so a shallow copy shares the fitted
    zero-shot parts instead of fitting them again.
    """
    return copy.copy(base).learn(seg, codings)


def run_source(name, gold, cb, backend, sizes, seeds, orders=("random", "suggested"), with_ceiling=True):
    themes = cb.theme_keys()
    seg = gold[["segment_id", "text"]].assign(role="unknown")
    Y = np.array([[t in g for t in themes] for g in gold["themes"]], dtype=int)
    base = EnsembleCoder(codebook=cb, backend=backend).fit(seg)
    sizes = [n for n in sizes if len(seg) - n >= 10]
    rows = []
    k0, f0 = score_remainder(base, seg, Y, themes, set())
    rows.append(
        dict(
            source=name,
            order="zero-shot",
            n_coded=0,
            n_scored=len(seg),
            kappa_mean=k0,
            kappa_sd=0.0,
            macro_f1_mean=f0,
            macro_f1_sd=0.0,
        )
    )
    for order in orders:
        for n in [s for s in sizes if s > 0]:
            ks, fs = [], []
            for seed in range(seeds):
                if order == "random":
                    ids = list(np.random.default_rng(seed).permutation(seg["segment_id"].to_numpy())[:n])
                else:
                    ids = []
                    coder = base
                    while len(ids) < n:
                        batch = min(10 if not ids else 15, n - len(ids))
                        coded = gold_codings(gold, ids) if ids else None
                        picks = suggest_next(seg, coder=coder, coded=coded, n=batch, random_state=seed)
                        ids += picks["segment_id"].tolist()
                        coder = learned(base, seg, gold_codings(gold, ids))
                coder = learned(base, seg, gold_codings(gold, ids))
                k, f = score_remainder(coder, seg, Y, themes, set(ids))
                ks.append(k)
                fs.append(f)
            rows.append(
                dict(
                    source=name,
                    order=order,
                    n_coded=n,
                    n_scored=len(seg) - n,
                    kappa_mean=np.mean(ks),
                    kappa_sd=np.std(ks),
                    macro_f1_mean=np.mean(fs),
                    macro_f1_sd=np.std(fs),
                )
            )
    if with_ceiling:
        rows.append(ceiling(name, gold, seg, Y, themes, base))
    return rows


def ceiling(name, gold, seg, Y, themes, base, folds: int = 5) -> dict:
    """How far learning can go here: ``folds``-fold cross-validation, each fold coded by a coder that learned from the rest.

    Every unit is scored once, by the coder that learned from the other
    four fifths of the source (pooled kappa and macro-F1 over all units):
    what the same features reach with far more than 50 coded turns.
    """
    P = np.zeros_like(Y)
    ids = seg["segment_id"].to_numpy()
    for train, test in KFold(folds, shuffle=True, random_state=0).split(ids):
        coder = learned(base, seg, gold_codings(gold, ids[train]))
        sub = seg.iloc[test]
        P[test] = theme_labels(coder.predict(sub), sub["segment_id"], themes)
    n_train = int(round(len(ids) * (folds - 1) / folds))
    return dict(
        source=name,
        order=f"{folds}-fold (learned from the rest)",
        n_coded=n_train,
        n_scored=len(ids),
        kappa_mean=float(cohen_kappa_score(Y.ravel(), P.ravel())),
        kappa_sd=0.0,
        macro_f1_mean=proto.macro_f1(Y, P),
        macro_f1_sd=0.0,
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[0, 10, 25, 50, 100])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--codebook", default=str(ROOT / "codebooks" / "outcomes_practice.yaml"))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--sources", nargs="*", choices=list(SOURCE_NAMES), help="dev sources to run (default: every one available)")
    ap.add_argument("--orders", nargs="+", default=["random", "suggested"], choices=["random", "suggested"])
    ap.add_argument("--no-ceiling", action="store_true", help="leave out the 5-fold row")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    names = [n for n in available_sources() if not args.sources or n in args.sources]
    if not names:
        print("no dev source found: the dev sources need ../shared beside the repository", file=sys.stderr)
        return 2
    cb = load_codebook(args.codebook)
    backend = "sentence-transformers" if sentence_backend_available()[0] else "lsa"
    rows = []
    for name in names:
        rows += run_source(name, load_dev_source(name), cb, backend, args.sizes, args.seeds, args.orders, not args.no_ceiling)
    table = pd.DataFrame(rows, columns=list(CURVE_COLUMNS))
    print(f"Learning curve (backend {backend}; {args.seeds} seeds; scored on the units not coded)")
    with pd.option_context("display.width", 200, "display.max_rows", None, "display.float_format", "{:.2f}".format):
        print(table.to_string(index=False))
    if args.markdown:
        print("\n| source | order | coded | kappa (sd) | macro-F1 (sd) |\n|---|---|---|---|---|")
        for r in table.itertuples():
            kappa, f1 = f"{r.kappa_mean:.2f} ({r.kappa_sd:.2f})", f"{r.macro_f1_mean:.2f} ({r.macro_f1_sd:.2f})"
            print(f"| {r.source} | {r.order} | {r.n_coded} | {kappa} | {f1} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

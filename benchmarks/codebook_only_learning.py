"""Learning from an evaluator with a codebook that has no training corpus: how settings are re-chosen.

Usage::

    .venv/bin/python benchmarks/codebook_only_learning.py [--seeds 3] [--coded 150] [--scored 400]
        [--rules two-se one-se always never] [--batches w1_spoken w2_reflective w3_written w4_hard]

Development material written by the project (no ``../shared`` needed): the
shipped codebook *without* its training corpus (``training=None``, as an
evaluator's own codebook would be), and the corpus's turns standing in for
the evaluator's coding. For each seed, two of ``--batches`` (by default the
corpus's first four, written in different registers, on which the documented
figures were measured; batches added later are left out so that the figures
repeat) play the transcripts the evaluator coded:
``--coded`` turns drawn from them are learned (``EnsembleCoder.learn``, what
``autocode(train=)`` does); ``--scored`` turns drawn from the other two
batches are coded and scored at theme level (top-1 over turns with a theme;
macro-F1 over the themes). Beside it: the same coder zero-shot (codebook
only) and a plain one-vs-rest logistic regression on the coded turns'
sentence embeddings.

Rows differ only in when the settings in force (the codebook-only rule) give
way to what cross-validation over the coded turns prefers
(``outcomes_qual.coding._selection.SE_MULTIPLE``):

- ``always``: the cross-validated best always wins;
- ``one-se`` / ``two-se``: it wins when it beats the settings in force by more
  than one / two bootstrap standard errors (``two-se`` is the default rule);
- ``never``: the settings in force always stay (the coded turns still train
  the head).

The default rule was chosen on these rows and on ``benchmarks/own_study.py``:
they are development figures, optimistic for that choice.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outcomes_qual.codebook import load_codebook
from outcomes_qual.codebook.training import training_corpus
from outcomes_qual.coding import EnsembleCoder, _selection, theme_labels
from outcomes_qual.embeddings import sentence_backend_available

ROOT = Path(__file__).resolve().parents[1]

#: SE_MULTIPLE of each rule.
RULES = {"always": -np.inf, "one-se": 1.0, "two-se": 2.0, "never": np.inf}

#: Columns of the summary.
SUMMARY_COLUMNS = ("row", "n_coded", "n_scored", "top1", "macro_f1", "top1_sd", "macro_f1_sd")


def theme_scores(Y: np.ndarray, proba: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Top-1 over turns with a theme, macro-F1 over the themes with a gold turn (the coder's own selection measures)."""
    has = Y.sum(axis=1) > 0
    return _selection.top1(Y[has].astype(int), proba[has]), _selection.macro_f1(Y[has], pred[has])


def score(coder: EnsembleCoder, seg: pd.DataFrame, Y: np.ndarray, themes: list[str]) -> tuple[float, float]:
    """The coder's theme-level scores on ``seg``."""
    pred = theme_labels(coder.predict(seg), seg["segment_id"], themes).astype(bool)
    proba = coder.predict_proba(seg).reindex(seg["segment_id"]).fillna(0.0)[themes].to_numpy()
    return theme_scores(Y.astype(bool), proba, pred)


def plain_lr(coder: EnsembleCoder, train: pd.DataFrame, test: pd.DataFrame, Ytr: np.ndarray, Yte: np.ndarray):
    """One logistic regression per theme on the coded turns' embeddings; best theme plus any at 0.5 or more."""
    Xtr, Xte = coder.semantic_._embed(train), coder.semantic_._embed(test)
    P = np.zeros(Yte.shape)
    for j in range(Ytr.shape[1]):
        if Ytr[:, j].min() != Ytr[:, j].max():
            P[:, j] = LogisticRegression(max_iter=1000).fit(Xtr, Ytr[:, j]).predict_proba(Xte)[:, 1]
    pred = (P >= 0.5) | (P == P.max(axis=1, keepdims=True))
    return theme_scores(Yte.astype(bool), P, pred)


#: the batches the documented figures were drawn from (the corpus had only these then)
FIRST_BATCHES = ("w1_spoken", "w2_reflective", "w3_written", "w4_hard")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--coded", type=int, default=150, help="turns the evaluator codes (from two batches)")
    ap.add_argument("--scored", type=int, default=400, help="turns scored (from the other two batches)")
    ap.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    ap.add_argument(
        "--batches",
        nargs="+",
        default=list(FIRST_BATCHES),
        help="corpus batches to draw from (default: the first four, as measured in docs/coding.md)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    backend = "sentence-transformers" if sentence_backend_available()[0] else "lsa"
    cb = load_codebook(ROOT / "codebooks" / "outcomes_practice.yaml")
    corpus = training_corpus(cb)
    missing = sorted(set(args.batches) - set(corpus["batch"]))
    if missing:
        ap.error(f"--batches: no such batch in the training corpus: {', '.join(missing)}")
    corpus = corpus[corpus["batch"].isin(args.batches)].reset_index(drop=True)
    themes = cb.theme_keys()
    seg = pd.DataFrame({"segment_id": [f"{b}:{i}" for i, b in enumerate(corpus["batch"])], "text": corpus["text"]})
    gold = pd.DataFrame(
        [(sid, c.split("/")[0]) for sid, codes in zip(seg["segment_id"], corpus["codes"], strict=True) for c in codes],
        columns=["segment_id", "code"],
    )
    Y = theme_labels(gold, seg["segment_id"], themes)
    batches = sorted(set(corpus["batch"]))
    rows: dict[str, list[tuple[float, float]]] = {}
    started = time.perf_counter()
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        coded_batches = set(rng.permutation(batches)[:2])
        in_coded = corpus["batch"].isin(coded_batches).to_numpy()
        tr = rng.permutation(np.flatnonzero(in_coded))[: args.coded]
        te = rng.permutation(np.flatnonzero(~in_coded))[: args.scored]
        both = seg.iloc[np.r_[tr, te]]
        codings = gold[gold["segment_id"].isin(set(seg["segment_id"].iloc[tr]))]
        uncoded = sorted(set(seg["segment_id"].iloc[tr]) - set(codings["segment_id"]))
        codings = pd.concat([codings, pd.DataFrame({"segment_id": uncoded, "code": ""})], ignore_index=True)
        zero = EnsembleCoder(codebook=cb, backend=backend, training=None, cache=False).fit(both)
        rows.setdefault("zero-shot (codebook only)", []).append(score(zero, seg.iloc[te], Y[te], themes))
        rows.setdefault("plain logistic regression on the coded turns", []).append(
            plain_lr(zero, seg.iloc[tr], seg.iloc[te], Y[tr], Y[te])
        )
        for rule in args.rules:
            saved = _selection.SE_MULTIPLE
            _selection.SE_MULTIPLE = RULES[rule]
            try:
                taught = EnsembleCoder(codebook=cb, backend=backend, training=None, cache=False).fit(both, codings)
            finally:
                _selection.SE_MULTIPLE = saved
            rows.setdefault(f"learned, settings re-chosen: {rule}", []).append(score(taught, seg.iloc[te], Y[te], themes))
        logging.warning("seed %d done (%.0f s)", seed, time.perf_counter() - started)
    out = pd.DataFrame(
        [
            dict(
                row=name,
                n_coded=args.coded,
                n_scored=args.scored,
                top1=float(np.mean([v[0] for v in vals])),
                macro_f1=float(np.mean([v[1] for v in vals])),
                top1_sd=float(np.std([v[0] for v in vals])),
                macro_f1_sd=float(np.std([v[1] for v in vals])),
            )
            for name, vals in rows.items()
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    print(
        f"Codebook-only learning: shipped codebook without its corpus, backend {backend}, {args.seeds} seeds "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(out.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

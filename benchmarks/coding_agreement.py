"""Agreement of the auto-coders with human theme coding on a gold set.

Usage::

    .venv/bin/python benchmarks/coding_agreement.py [GOLD.jsonl] [--codebook CB.yaml] [--markdown]

GOLD.jsonl has one object per line with ``id``, ``text`` and ``themes`` (a list
of theme keys; may be empty). The default is ``../shared/bench/wales_quotes.jsonl``
beside the repository. Prints one table: for each method, per theme precision,
recall, F1 and Cohen's kappa (theme presence), and a ``macro`` row with the
macro averages and top-1 accuracy (the highest-scoring theme is one of the
gold themes; quotes with no gold theme are left out of top-1).

Methods: the four coders zero-shot (not trained on the gold set), a
keyword-search baseline (substring search for the words of each theme's
label), the majority baseline (always the most frequent gold theme), and the
human-in-the-loop case: the supervised coder (and the ensemble with it)
trained on a random half of the gold set and scored on the other half,
averaged over 5 splits.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outcomes_qual.agreement import agreement  # noqa: E402
from outcomes_qual.codebook import load_codebook  # noqa: E402
from outcomes_qual.coding import EnsembleCoder, KeywordCoder, SemanticCoder, SupervisedCoder, theme_labels  # noqa: E402
from outcomes_qual.embeddings import sentence_backend_available  # noqa: E402

DEFAULT_GOLD = ROOT.parent / "shared" / "bench" / "wales_quotes.jsonl"
DEFAULT_CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"

#: Columns of the human-versus-machine table (from :func:`outcomes_qual.agreement.agreement`).
HUMAN_COLUMNS = ("method", "n_units", "percent_agreement", "cohen_kappa", "krippendorff_alpha", "gwet_ac1")

#: Columns of the printed table.
TABLE_COLUMNS = ("method", "theme", "n_gold", "n_pred", "precision", "recall", "f1", "kappa", "top1")


def read_gold(path: Path) -> pd.DataFrame:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise SystemExit(f"{path}:{n}: not JSON ({err.msg})") from None
            rows.append({"segment_id": str(obj["id"]), "text": obj["text"], "role": obj.get("role", "unknown"), "themes": list(obj.get("themes") or [])})
    return pd.DataFrame(rows)


def score(name: str, Y: np.ndarray, pred: np.ndarray, top: np.ndarray, themes: list[str]) -> list[dict]:
    """Per-theme and macro rows; ``top`` is the index of each unit's best theme (-1: none)."""
    rows = []
    for j, t in enumerate(themes):
        y, p = Y[:, j], pred[:, j]
        kappa = cohen_kappa_score(y, p) if len(set(y)) > 1 or len(set(p)) > 1 else np.nan
        rows.append(
            dict(method=name, theme=t, n_gold=int(y.sum()), n_pred=int(p.sum()),
                 precision=precision_score(y, p, zero_division=0), recall=recall_score(y, p, zero_division=0),
                 f1=f1_score(y, p, zero_division=0), kappa=kappa, top1=np.nan)
        )
    has = Y.sum(axis=1) > 0
    top1 = float(np.mean([top[i] >= 0 and Y[i, top[i]] == 1 for i in np.flatnonzero(has)]))
    frame = pd.DataFrame(rows)
    rows.append(
        dict(method=name, theme="macro", n_gold=int(Y.sum()), n_pred=int(pred.sum()),
             precision=frame["precision"].mean(), recall=frame["recall"].mean(), f1=frame["f1"].mean(),
             kappa=frame["kappa"].fillna(0).mean(), top1=top1)
    )
    return rows


def coder_outputs(coder, seg: pd.DataFrame, themes: list[str]):
    proba = coder.predict_proba(seg).reindex(seg["segment_id"]).fillna(0.0)[themes].to_numpy()
    pred = theme_labels(coder.predict(seg), seg["segment_id"], themes)
    top = np.where(proba.max(axis=1) > 0, proba.argmax(axis=1), -1)
    return pred, top


def label_search(seg: pd.DataFrame, cb, themes: list[str]):
    """Baseline: a theme is found when any word of its label occurs in the text (substring search)."""
    stop = {"of", "and", "the", "to", "for", "in"}
    words = {t: [w for w in cb[t].label.lower().split() if w not in stop] for t in themes}
    counts = np.array([[sum(w in text.lower() for w in words[t]) for t in themes] for text in seg["text"]])
    pred = (counts > 0).astype(int)
    top = np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1)
    return pred, top


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD), help="gold JSONL (id, text, themes)")
    ap.add_argument("--codebook", default=str(DEFAULT_CODEBOOK))
    ap.add_argument("--splits", type=int, default=5, help="random half splits for the supervised case")
    ap.add_argument("--markdown", action="store_true", help="also print the macro rows as a Markdown table")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    gold_path = Path(args.gold)
    if not gold_path.is_file():
        print(f"gold set not found: {gold_path}\n(the dev set lives at ../shared/bench/wales_quotes.jsonl beside the repository; "
              "pass another JSONL with id, text and themes)", file=sys.stderr)
        return 2
    cb = load_codebook(args.codebook)
    themes = cb.theme_keys()
    gold = read_gold(gold_path)
    seg = gold[["segment_id", "text", "role"]].assign(role="unknown")  # every quote is data, whatever the role
    Y = np.array([[t in g for t in themes] for g in gold["themes"]], dtype=int)
    st_ok, why = sentence_backend_available()
    rows, timing = [], {}

    machine = {}  # zero-shot codings per method, for the human-vs-machine agreement table

    def run(name, coder):
        t0 = time.perf_counter()
        coder.fit(seg)
        pred, top = coder_outputs(coder, seg, themes)
        timing[name] = time.perf_counter() - t0
        rows.extend(score(name, Y, pred, top, themes))
        machine[name] = coder.predict(seg).assign(coder=name)

    run("keyword", KeywordCoder(codebook=cb))
    run("semantic-lsa", SemanticCoder(codebook=cb, backend="lsa"))
    if st_ok:
        run("semantic-sentence", SemanticCoder(codebook=cb, backend="sentence-transformers"))
    run("ensemble-lsa", EnsembleCoder(codebook=cb, backend="lsa"))
    if st_ok:
        run("ensemble (default)", EnsembleCoder(codebook=cb, backend="sentence-transformers"))
    else:
        print(f"note: sentence-transformers backend unavailable ({why}); default ensemble = ensemble-lsa", file=sys.stderr)
    pred, top = label_search(seg, cb, themes)
    rows.extend(score("baseline: label keyword search", Y, pred, top, themes))
    counts = Y.sum(axis=0)
    majority = int(counts.argmax())
    pred = np.zeros_like(Y)
    pred[:, majority] = 1
    rows.extend(score(f"baseline: always {themes[majority]}", Y, pred, np.full(len(Y), majority), themes))

    # human in the loop: train on a random half, score on the other half
    codings = gold.explode("themes").dropna(subset=["themes"]).rename(columns={"themes": "code"})[["segment_id", "code"]]
    backend = "sentence-transformers" if st_ok else "lsa"
    for name, make in (
        ("supervised (half split)", lambda: SupervisedCoder(codebook=cb, backend=backend)),
        ("ensemble+supervised (half split)", lambda: EnsembleCoder(codebook=cb, backend=backend)),
    ):
        split_rows = []
        t0 = time.perf_counter()
        for s in range(args.splits):
            rng = np.random.default_rng(s)
            order = rng.permutation(len(seg))
            train, test = np.sort(order[: len(seg) // 2]), np.sort(order[len(seg) // 2 :])
            coder = make().fit(seg.iloc[train], codings[codings["segment_id"].isin(seg["segment_id"].iloc[train])])
            pred, top = coder_outputs(coder, seg.iloc[test].reset_index(drop=True), themes)
            split_rows.extend(score(name, Y[test], pred, top, themes))
        timing[name] = time.perf_counter() - t0
        avg = pd.DataFrame(split_rows).groupby(["method", "theme"], sort=False).mean(numeric_only=True).reset_index()
        rows.extend(avg.to_dict("records"))

    # the same comparison in inter-coder terms: the machine as one more coder against the gold coding
    gold_codings = codings.assign(coder="gold")
    human_rows = []
    for name, coded in machine.items():
        overall = agreement(gold_codings, coded, segments=seg, level="theme", codes=themes)
        r = overall[overall["code"] == "all"].iloc[0]
        human_rows.append({"method": name, **{c: r[c] for c in HUMAN_COLUMNS[1:]}})
    human = pd.DataFrame(human_rows, columns=list(HUMAN_COLUMNS))

    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    print(f"Coding agreement on {gold_path.name}: {len(gold)} quotes, theme counts "
          + ", ".join(f"{t} {int(c)}" for t, c in zip(themes, counts)) + f"; codebook {Path(args.codebook).name}")
    counts_fmt = {c: (lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}") for c in ("n_gold", "n_pred")}
    with pd.option_context("display.max_rows", None, "display.width", 160, "display.float_format", "{:.2f}".format):
        print(table.to_string(index=False, formatters=counts_fmt, na_rep=""))
    print("seconds per method: " + ", ".join(f"{k} {v:.1f}" for k, v in timing.items()))
    print("\nHuman (gold) versus machine, outcomes_qual.agreement at theme level, every quote a unit (the 'all' row):")
    with pd.option_context("display.width", 160, "display.float_format", "{:.2f}".format):
        print(human.to_string(index=False))
    if args.markdown:
        macro = table[table["theme"] == "macro"]
        print("\n| method | top-1 | macro-F1 | mean kappa | " + " | ".join(f"{t} F1" for t in themes) + " |")
        print("|---|---|---|---|" + "---|" * len(themes))
        for m in macro["method"]:
            per = table[(table["method"] == m) & (table["theme"] != "macro")].set_index("theme")
            r = macro[macro["method"] == m].iloc[0]
            print(f"| {m} | {r.top1:.2f} | {r.f1:.2f} | {r.kappa:.2f} | " + " | ".join(f"{per.loc[t, 'f1']:.2f}" for t in themes) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

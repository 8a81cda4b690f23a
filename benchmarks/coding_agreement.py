"""Agreement of the auto-coders with human theme coding on the test sets, scored once.

Usage::

    .venv/bin/python benchmarks/coding_agreement.py [--gold EXTRA.jsonl ...] [--codebook CB.yaml] [--boot 1000] [--markdown]

Test sets: the dev sources of ``benchmarks/dev_sources.py`` that are present
(``wales``: 51 report quotes; ``webinar`` and ``scw_videos``: passages of two
reference transcripts coded by us, stored as offsets), plus any JSONL given
with ``--gold`` (``id``, ``text``, ``themes``). A fresh clone without
``../shared`` has no dev source: the script then says so and exits 2.

Protocol. The default coder's settings are chosen inside its training corpus
(``codebooks/outcomes_practice.training.jsonl``) by cross-validation grouped
by batch, when it is fitted (``EnsembleCoder.settings_`` says what was chosen
and the held-out corpus figures); nothing here chooses anything, and no unit
of a test set enters a choice. Every coder is fitted on the units it codes
(as ``autocode`` does), never on their gold codes. Figures: top-1 (the best
theme is a gold theme; units with a gold theme), macro-F1 and mean kappa over
the themes present in the source, with percentile bootstrap 95% intervals
(units resampled), and F1 per theme; the baselines beside them: the keyword
coder, a search for each theme's label words, and the majority theme (chosen
on the scored source itself, so it flatters itself). Then the calibration of
the confidence on the test sets (reliability table, expected calibration
error) and what each review threshold buys.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _agreement_protocol as proto
from dev_sources import available_sources, load_dev_source

from outcomes_qual.agreement import validate
from outcomes_qual.codebook import load_codebook
from outcomes_qual.coding import EnsembleCoder, KeywordCoder, SemanticCoder, theme_labels
from outcomes_qual.embeddings import sentence_backend_available

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"

#: Columns of the summary table, declared once.
SUMMARY_COLUMNS = ("source", "method", "top1", "top1_lo", "top1_hi", "macro_f1", "f1_lo", "f1_hi", "mean_kappa")

#: Sources also scored together: the second dev source (the webinar and the video transcripts).
POOLED = ("webinar", "scw_videos")

#: Thresholds of the coverage-precision table.
REVIEW_THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def read_gold_jsonl(path: Path) -> pd.DataFrame:
    """An extra gold source from JSONL (``id``, ``text``, ``themes``)."""
    frame = pd.read_json(path, lines=True, dtype={"id": str})
    return pd.DataFrame(
        {"segment_id": frame["id"].astype(str), "text": frame["text"], "themes": frame["themes"].apply(lambda t: list(t or []))}
    )


def coder_outputs(coder, seg: pd.DataFrame, themes: list[str]):
    """Theme decisions and best theme of a fitted coder."""
    proba = coder.predict_proba(seg).reindex(seg["segment_id"]).fillna(0.0)[themes].to_numpy()
    pred = theme_labels(coder.predict(seg), seg["segment_id"], themes)
    # the best emitted theme, as a codings file shows it (-1: the turn got no code)
    top = np.where(pred.any(axis=1), np.where(pred == 1, proba, -1.0).argmax(axis=1), -1)
    return pred, top


def label_search(seg: pd.DataFrame, cb, themes: list[str]):
    """Baseline: a theme is found when any word of its label occurs in the text (substring search)."""
    stop = {"of", "and", "the", "to", "for", "in"}
    words = {t: [w for w in cb[t].label.lower().split() if w not in stop] for t in themes}
    counts = np.array([[sum(w in text.lower() for w in words[t]) for t in themes] for text in seg["text"]])
    return (counts > 0).astype(int), np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", nargs="*", default=[], help="extra gold JSONL sources (id, text, themes)")
    ap.add_argument("--codebook", default=str(DEFAULT_CODEBOOK))
    ap.add_argument("--boot", type=int, default=1000, help="bootstrap resamples for the 95%% intervals")
    ap.add_argument("--markdown", action="store_true", help="also print the summary as Markdown tables")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    sources = {name: load_dev_source(name) for name in available_sources()}
    for g in args.gold:
        sources[Path(g).stem] = read_gold_jsonl(Path(g))
    if not sources:
        print(
            "no dev source found: the dev sources need ../shared beside the repository "
            "(or pass --gold FILE.jsonl with id, text and themes)",
            file=sys.stderr,
        )
        return 2
    cb = load_codebook(args.codebook)
    themes = cb.theme_keys()
    st_ok, why = sentence_backend_available()
    backend = "sentence-transformers" if st_ok else "lsa"
    if not st_ok:
        print(
            f"note: sentence-transformers unavailable ({why}); the default ensemble uses the light LSA backend", file=sys.stderr
        )

    summary, per_theme, validations, kept, conf_all, correct_all = [], [], [], {}, [], []
    settings = None

    def record(source, method, Y, P, top):
        kept[(source, method)] = (Y, P, top)
        (t_lo, t_hi), (f_lo, f_hi) = proto.bootstrap_ci(Y, P, top, n_boot=args.boot)
        summary.append(
            dict(
                source=source,
                method=method,
                top1=proto.top1(Y, top),
                top1_lo=t_lo,
                top1_hi=t_hi,
                macro_f1=proto.macro_f1(Y, P),
                f1_lo=f_lo,
                f1_hi=f_hi,
                mean_kappa=proto.mean_kappa(Y, P),
            )
        )
        per_theme.append(dict(source=source, method=method, **dict(zip(themes, proto.per_theme_f1(Y, P), strict=True))))

    default_name = "default (ensemble, trained on the corpus)"
    for name, gold in sources.items():
        seg = gold[["segment_id", "text"]].assign(role="unknown")
        Y = np.array([[t in g for t in themes] for g in gold["themes"]], dtype=int)
        coders = {"keyword": KeywordCoder(codebook=cb), "ensemble-lsa (no torch)": EnsembleCoder(codebook=cb, backend="lsa")}
        if st_ok:
            coders["semantic-sentence (zero-shot similarity only)"] = SemanticCoder(codebook=cb, backend="sentence-transformers")
        coders[default_name] = EnsembleCoder(codebook=cb, backend=backend)
        for method, coder in coders.items():
            coder.fit(seg)
            record(name, method, Y, *coder_outputs(coder, seg, themes))
        record(name, "baseline: label-word search", Y, *label_search(seg, cb, themes))
        majority = int(Y.sum(axis=0).argmax())
        P = np.zeros_like(Y)
        P[:, majority] = 1
        record(name, f"baseline: always {themes[majority]} (majority)", Y, P, np.full(len(Y), majority))
        default = coders[default_name]
        settings = default.settings_
        codings = default.predict(seg)
        themed = codings[codings["code"].isin(themes)]
        rows = {sid: i for i, sid in enumerate(seg["segment_id"])}
        conf_all.append(themed["confidence"].to_numpy(dtype=float))
        correct_all.append(
            np.array([Y[rows[s], themes.index(c)] for s, c in zip(themed["segment_id"], themed["code"], strict=True)])
        )
        # the default coder against the gold coding as a person's sample (outcomes_qual.agreement.validate)
        human = pd.DataFrame(
            [(sid, t, "gold") for sid, ts in zip(gold["segment_id"], gold["themes"], strict=True) for t in ts],
            columns=["segment_id", "code", "coder"],
        )
        both = pd.concat([codings[["segment_id", "code", "coder"]], human], ignore_index=True)
        v = validate(
            both,
            machine=default.coder,
            against="gold",
            units=seg["segment_id"].tolist(),
            codes=themes,
            n_boot=args.boot,
            random_state=0,
        )
        validations.append(v[v["code"] == "all"].assign(source=name))

    # the second dev source as the issue defines it: the webinar and the videos together
    pooled = [n for n in POOLED if n in sources]
    if len(pooled) == len(POOLED):
        methods = [m for (src, m) in kept if src == pooled[0]]
        for m in methods:
            if not all((n, m) in kept for n in pooled):
                continue
            arrays = [kept[(n, m)] for n in pooled]
            record(" + ".join(pooled), m, *(np.concatenate([a[k] for a in arrays]) for k in range(3)))

    table = pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS))
    themes_table = pd.DataFrame(per_theme)
    fmt = {"display.max_rows": None, "display.width": 200, "display.float_format": "{:.2f}".format}
    print(f"Coding agreement, codebook {Path(args.codebook).name}, backend {backend}, {args.boot} bootstrap resamples")
    for n, gold in sources.items():
        Y = np.array([[t in g for t in themes] for g in gold["themes"]], dtype=int)
        print(
            f"  {n}: {len(gold)} units; gold themes "
            + ", ".join(f"{t} {int(c)}" for t, c in zip(themes, Y.sum(axis=0), strict=True) if c)
        )
    if settings is not None:
        print("\nSettings of the default coder (chosen inside its training corpus; no test unit entered them):")
        print("  " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in settings.items()))
    with pd.option_context(*[x for kv in fmt.items() for x in kv]):
        print("\nSummary (95% bootstrap intervals):")
        print(table.to_string(index=False))
        print("\nF1 per theme (blank: no gold unit of that theme in the source):")
        print(themes_table.to_string(index=False, na_rep=""))
    if conf_all:
        conf, correct = np.concatenate(conf_all), np.concatenate(correct_all)
        rows, ece = proto.reliability(conf, correct)
        print(
            f"\nCalibration of the default coder's theme confidence on the test sets ({len(conf)} suggested themes): "
            f"expected calibration error {ece:.3f}"
        )
        with pd.option_context(*[x for kv in fmt.items() for x in kv]):
            print(pd.DataFrame(rows).to_string(index=False))
        cov = [
            dict(
                review_below=t,
                kept=float((conf >= t).mean()),
                precision_kept=float(correct[conf >= t].mean()) if (conf >= t).any() else np.nan,
                sent_to_review=int((conf < t).sum()),
            )
            for t in REVIEW_THRESHOLDS
        ]
        print("\nWhat each review threshold buys (suggestions at or above it kept; the rest marked uncertain):")
        with pd.option_context(*[x for kv in fmt.items() for x in kv]):
            print(pd.DataFrame(cov).to_string(index=False))
    if validations:
        v = pd.concat(validations, ignore_index=True)
        print(
            "\nThe default coder validated against the gold coding (outcomes_qual.agreement.validate, every "
            "(unit, theme) decision, 95% bootstrap intervals):"
        )
        for r in v.itertuples():
            print(
                f"  {r.source}: {r.n_units} decisions; agreement {r.percent_agreement:.2f} "
                f"[{r.percent_agreement_ci_low:.2f}, {r.percent_agreement_ci_high:.2f}], kappa {r.cohen_kappa:.2f} "
                f"[{r.cohen_kappa_ci_low:.2f}, {r.cohen_kappa_ci_high:.2f}], alpha {r.krippendorff_alpha:.2f} "
                f"[{r.krippendorff_alpha_ci_low:.2f}, {r.krippendorff_alpha_ci_high:.2f}], AC1 {r.gwet_ac1:.2f}"
            )
    if args.markdown:
        print("\n| source | method | top-1 [95% CI] | macro-F1 [95% CI] | mean kappa |")
        print("|---|---|---|---|---|")
        for r in table.itertuples():
            print(
                f"| {r.source} | {r.method} | {r.top1:.2f} [{r.top1_lo:.2f}, {r.top1_hi:.2f}] | "
                f"{r.macro_f1:.2f} [{r.f1_lo:.2f}, {r.f1_hi:.2f}] | {r.mean_kappa:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

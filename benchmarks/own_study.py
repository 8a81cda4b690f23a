"""The default coder on a study that is not ours: its own codebook, zero-shot and after the evaluator codes half.

Usage::

    .venv/bin/python benchmarks/own_study.py [--seeds 5] [--backend auto|lsa]

Material: ``../shared/studies/exam_proctoring_survey`` (a published survey of
university educators: 14 open questions, 580 answers, every answer coded by
the study's primary coder, a subset by a second coder; the codebook is code
names only, per question). Nothing of it is stored in this repository; the
script skips (exit 2) when ``../shared`` is absent.

For each question the codebook is the question's own codes (top-level codes
as themes, ``parent/child`` codes as sub-codes; label and definition are the
code name in words, as that is all the study published). The default coder
(:class:`outcomes_qual.coding.EnsembleCoder`, settings by its rule: with no
coded turn, the codebook-only rule; with the evaluator's codings,
cross-validation over them) codes every answer. Scored at theme level, pooled
over the questions: top-1 (the best theme is one the study coded; answers
with a code), macro-F1 over every (question, theme) with a coded answer.

Rows:

- zero-shot: the coder with the codebook alone, on every answer;
- after coding half: respondents split in halves (``--seeds`` random
  splits); the evaluator's coding of one half is learned, the other half is
  scored; beside it "always the most frequent theme" of the coded half (per
  question) and a nearest-label baseline;
- second coder: the study's two human coders on the answers both coded (the
  ceiling a machine coder is compared with).

No setting of the coder was chosen on this material, with one exception: the
step that keeps the settings in force unless cross-validation over the
evaluator's turns beats them by two standard errors was chosen on these rows
and on ``benchmarks/codebook_only_learning.py`` (docs/coding.md says so).
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
from dev_sources import DEFAULT_SHARED

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.coding import EnsembleCoder, SemanticCoder, theme_labels
from outcomes_qual.embeddings import sentence_backend_available

ROOT = Path(__file__).resolve().parents[1]

STUDY = "studies/exam_proctoring_survey"

#: Columns of the summary, declared once.
SUMMARY_COLUMNS = ("row", "n_scored", "top1", "macro_f1", "top1_sd", "macro_f1_sd")


def words(key: str) -> str:
    """A code name in words: ``possible_exam_method/used_previously`` -> ``used previously``."""
    return key.rsplit("/", 1)[-1].replace("_", " ").replace("-", " ").strip()


def question_codebook(codes: list[str], question: str) -> tuple[Codebook, dict]:
    """The question's codebook from its code names (themes first, each followed by its sub-codes), and theme name -> key."""

    def slug(part: str) -> str:
        out = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in part.lower()).strip("_-") or "code"
        return out if out[0].isalnum() else "c" + out

    themes = sorted({c.split("/")[0] for c in codes})
    out, keys = [], {}
    for t in themes:
        base, k = slug(t), 2
        while base in keys.values():
            base, k = f"{slug(t)}_{k}", k + 1
        keys[t] = base
        out.append(Code(base, words(t).capitalize(), words(t).capitalize() + "."))
        for c in sorted({c for c in codes if c.startswith(t + "/")}):
            key = keys[t] + "/" + slug(c.split("/", 1)[1].replace("/", "_"))
            if key not in {x.key for x in out}:
                out.append(Code(key, words(c).capitalize(), words(c).capitalize() + "."))
    return Codebook(f"question {question}", tuple(out)), keys


def load_study(shared: Path):
    folder = shared / STUDY
    answers = pd.read_csv(folder / "responses.csv", dtype=str)
    primary = pd.read_csv(folder / "codings_primary.csv", dtype=str).dropna(subset=["code"])
    secondary = pd.read_csv(folder / "codings_secondary.csv", dtype=str).dropna(subset=["code"])
    for frame in (answers, primary, secondary):
        frame["segment_id"] = frame["question_id"] + ":" + frame["respondent_id"]
    return answers, primary, secondary


def slugged(codings: pd.DataFrame, keys: dict) -> pd.DataFrame:
    """The study's codes as the codebook's theme keys (codes of other questions dropped)."""
    rows = [
        (sid, keys[code.split("/")[0]])
        for sid, code in zip(codings["segment_id"], codings["code"], strict=True)
        if code.split("/")[0] in keys
    ]
    return pd.DataFrame(rows, columns=["segment_id", "code"])


def run(answers, primary, secondary, *, seeds: int, backend: str):
    zero, learned, majority, nearest, ceiling = [], [], [], [], []
    respondents = sorted(set(answers["respondent_id"]))
    for q, qa in answers.groupby("question_id", sort=True):
        codes = sorted(set(primary.loc[primary["question_id"] == q, "code"]))
        if not codes:
            continue
        cb, keys = question_codebook(codes, q)
        themes = cb.theme_keys()
        seg = pd.DataFrame({"segment_id": qa["segment_id"], "text": qa["answer"].fillna(""), "role": "respondent"})
        gold = slugged(primary[primary["question_id"] == q], keys)
        Y = theme_labels(gold, seg["segment_id"], themes)
        coder = EnsembleCoder(codebook=cb, backend=backend, cache=False).fit(seg)
        zero.append(_outputs(coder, seg, themes, Y))
        near = SemanticCoder(codebook=cb, backend=backend).fit(seg)
        z = near.decision_function(seg).reindex(seg["segment_id"])[themes].to_numpy()
        P = np.zeros_like(Y)
        P[np.arange(len(Y)), z.argmax(axis=1)] = 1
        nearest.append((Y, P, z.argmax(axis=1)))
        two = secondary[secondary["question_id"] == q]
        both = sorted(set(two["segment_id"]) & set(gold["segment_id"]))
        if both:
            Y2 = theme_labels(slugged(two, keys), both, themes)
            Y1 = theme_labels(gold, both, themes)
            ceiling.append((Y1, Y2, np.where(Y2.any(axis=1), Y2.argmax(axis=1), -1)))
        for s in range(seeds):
            rng = np.random.default_rng(s)
            half = set(rng.permutation(respondents)[: len(respondents) // 2])
            train = qa["respondent_id"].isin(half).to_numpy()
            coded = seg[train]
            codings = gold[gold["segment_id"].isin(set(coded["segment_id"]))]
            codings = pd.concat(
                [
                    codings,
                    pd.DataFrame({"segment_id": sorted(set(coded["segment_id"]) - set(codings["segment_id"])), "code": ""}),
                ],
                ignore_index=True,
            )
            test = seg[~train]
            if not len(test):
                continue
            taught = EnsembleCoder(codebook=cb, backend=backend, cache=False).fit(seg, codings)
            learned.append((s, *_outputs(taught, test, themes, Y[~train])))
            counts = Y[train].sum(axis=0)
            Pm = np.zeros_like(Y[~train])
            Pm[:, int(counts.argmax())] = 1
            majority.append((s, Y[~train], Pm, np.full(len(Pm), int(counts.argmax()))))
    return zero, learned, majority, nearest, ceiling


def _outputs(coder, seg, themes, Y):
    pred = theme_labels(coder.predict(seg), seg["segment_id"], themes)
    proba = coder.predict_proba(seg).reindex(seg["segment_id"]).fillna(0.0)[themes].to_numpy()
    top = np.where(pred.any(axis=1), np.where(pred == 1, proba, -1.0).argmax(axis=1), -1)
    return Y, pred, top


def pooled(parts) -> tuple[float, float, int]:
    """Top-1 over all answers with a code; macro-F1 over every (question, theme) with a coded answer."""
    hits, n, f1 = 0.0, 0, []
    for Y, P, top in parts:
        has = Y.sum(axis=1) > 0
        n += int(has.sum())
        hits += proto.top1(Y, top) * int(has.sum()) if has.any() else 0.0
        f1.extend(x for x in proto.per_theme_f1(Y, P) if not np.isnan(x))
    return (hits / n if n else float("nan")), float(np.mean(f1)), n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5, help="random halves of the respondents")
    ap.add_argument("--backend", default="auto", choices=["auto", "lsa", "sentence-transformers"])
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    shared = DEFAULT_SHARED
    if not (shared / STUDY).is_dir():
        print(f"no study material: {shared / STUDY} is not there (it needs ../shared beside the repository)", file=sys.stderr)
        return 2
    backend = args.backend
    if backend == "auto":
        backend = "sentence-transformers" if sentence_backend_available()[0] else "lsa"
    answers, primary, secondary = load_study(shared)
    zero, learned, majority, nearest, ceiling = run(answers, primary, secondary, seeds=args.seeds, backend=backend)
    rows = []
    t, f, n = pooled(zero)
    rows.append(dict(row="zero-shot (codebook of code names only)", n_scored=n, top1=t, macro_f1=f, top1_sd=0.0, macro_f1_sd=0.0))
    t, f, n = pooled(nearest)
    rows.append(dict(row="baseline: nearest code name (zero-shot)", n_scored=n, top1=t, macro_f1=f, top1_sd=0.0, macro_f1_sd=0.0))
    for name, parts in (
        ("after coding half: default coder, other half", learned),
        ("after coding half: always the coded half's most frequent theme", majority),
    ):
        per_seed = []
        for s in range(args.seeds):
            got = [p[1:] for p in parts if p[0] == s]
            if got:
                per_seed.append(pooled(got))
        ts, fs = [p[0] for p in per_seed], [p[1] for p in per_seed]
        rows.append(
            dict(
                row=name,
                n_scored=per_seed[0][2] if per_seed else 0,
                top1=float(np.mean(ts)),
                macro_f1=float(np.mean(fs)),
                top1_sd=float(np.std(ts)),
                macro_f1_sd=float(np.std(fs)),
            )
        )
    if ceiling:
        t, f, n = pooled(ceiling)
        rows.append(
            dict(
                row="second human coder vs primary (answers both coded)",
                n_scored=n,
                top1=t,
                macro_f1=f,
                top1_sd=0.0,
                macro_f1_sd=0.0,
            )
        )
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    print(
        f"Own-study benchmark: {STUDY} ({answers['question_id'].nunique()} questions, {len(answers)} answers), "
        f"backend {backend}, {args.seeds} random halves"
    )
    with pd.option_context("display.width", 200, "display.float_format", "{:.2f}".format, "display.max_colwidth", 80):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

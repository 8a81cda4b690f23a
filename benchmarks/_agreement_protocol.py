"""Scoring helpers shared by the coding benchmarks: metrics, bootstrap, calibration, the tuning grid.

The protocol they implement: a setting that is tuned (the ensemble's keyword
weight, margin, floor and codebook-classifier weight; the confidence curve) is always chosen on sources
other than the one it is scored on (leave one source out). Figures for the
shipped defaults, which were chosen on all the dev sources, are printed too
but labelled as optimistic.
"""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score, f1_score

from outcomes_qual.coding.ensemble import combine_scores, rank_decisions

#: The grid the ensemble's tuned settings are chosen from:
#: (keyword_weight, margin, floor, classifier_weight).
GRID: tuple[tuple[float, float, float, float], ...] = tuple(
    itertools.product((0.5, 0.75, 1.0, 1.25), (0.25, 0.5, 0.75), (0.0, 0.5, 1.0), (0.25, 0.5, 0.75))
)

#: Confidence bins of the reliability table.
BINS = np.linspace(0.0, 1.0, 6)


def top1(Y: np.ndarray, top: np.ndarray) -> float:
    """Share of units with a gold theme whose best-scoring theme is one of them (``top`` -1: none)."""
    has = np.flatnonzero(Y.sum(axis=1) > 0)
    if not len(has):
        return float("nan")
    return float(np.mean([top[i] >= 0 and Y[i, top[i]] == 1 for i in has]))


def per_theme_f1(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """F1 per theme; NaN for a theme with no gold unit in this source (it cannot be scored)."""
    return np.array([f1_score(Y[:, j], P[:, j], zero_division=0) if Y[:, j].any() else np.nan for j in range(Y.shape[1])])


def macro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    """Mean F1 over the themes present in the gold coding."""
    return float(np.nanmean(per_theme_f1(Y, P)))


def mean_kappa(Y: np.ndarray, P: np.ndarray) -> float:
    """Mean Cohen's kappa over the themes present in the gold coding (0 where it is undefined)."""
    out = []
    for j in range(Y.shape[1]):
        if not Y[:, j].any():
            continue
        y, p = Y[:, j], P[:, j]
        out.append(cohen_kappa_score(y, p) if len(set(y)) > 1 or len(set(p)) > 1 else 0.0)
    return float(np.nan_to_num(np.mean(out)))


def bootstrap_ci(Y, P, top, *, n_boot: int = 1000, seed: int = 0):
    """Percentile 95% intervals of top-1 and macro-F1 over units resampled with replacement."""
    rng = np.random.default_rng(seed)
    t, m = [], []
    n = len(Y)
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        t.append(top1(Y[idx], top[idx]))
        m.append(macro_f1(Y[idx], P[idx]))
    return np.nanpercentile(t, [2.5, 97.5]), np.nanpercentile(m, [2.5, 97.5])


def ensemble_decisions(parts: dict, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theme scores, decisions and best theme for one (keyword_weight, margin, floor, classifier_weight) setting.

    ``parts`` holds the fitted ensemble's per-theme ``z_sem`` (semantic
    z-scores), ``lo`` (codebook-classifier log-odds) and ``kw`` (keyword
    scores), combined by the coder's own :func:`combine_scores`.
    """
    weight, margin, floor, classifier_weight = setting
    z = combine_scores(parts["z_sem"], parts["lo"], parts["kw"], classifier_weight=classifier_weight, keyword_weight=weight)
    P = rank_decisions(z, floor=floor, margin=margin).astype(int)
    top = np.where(P.any(axis=1), z.argmax(axis=1), -1)  # what a codings file shows: the best emitted theme
    return z, P, top


def objective(Y, P, top) -> float:
    """What the grid search maximises: macro-F1 plus half of top-1."""
    return macro_f1(Y, P) + 0.5 * top1(Y, top)


def choose_setting(train_parts: list[dict]):
    """The grid setting with the best mean objective over ``train_parts`` (never the scored source)."""
    def score(setting):
        return np.mean([objective(p["Y"], *ensemble_decisions(p, setting)[1:]) for p in train_parts])

    return max(GRID, key=score)


def fit_confidence(train_parts: list[dict], setting) -> tuple[float, float]:
    """(z_threshold, slope) of the logistic confidence curve, fitted on the assigned themes of ``train_parts``.

    The confidence of a suggestion is then the chance, as seen on other
    sources, that a human analyst gave the same theme.
    """
    xs, ys = [], []
    for p in train_parts:
        z, P, _ = ensemble_decisions(p, setting)
        xs.append(z[P == 1])
        ys.append(p["Y"][P == 1])
    x, y = np.concatenate(xs), np.concatenate(ys)
    lr = LogisticRegression(C=1e4).fit(x[:, None], y)
    slope = float(lr.coef_[0, 0])
    return float(-lr.intercept_[0] / slope), slope


def confidence(z: np.ndarray, z_threshold: float, slope: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-slope * (z - z_threshold)))


def reliability(conf: np.ndarray, correct: np.ndarray) -> tuple[list[dict], float]:
    """Reliability rows per confidence bin, and the expected calibration error."""
    rows, ece = [], 0.0
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        inside = (conf >= lo) & ((conf < hi) | (hi == 1.0))
        if not inside.any():
            rows.append(dict(bin=f"{lo:.1f}-{hi:.1f}", n=0, mean_confidence=np.nan, precision=np.nan))
            continue
        mc, pr = float(conf[inside].mean()), float(correct[inside].mean())
        ece += inside.sum() / len(conf) * abs(mc - pr)
        rows.append(dict(bin=f"{lo:.1f}-{hi:.1f}", n=int(inside.sum()), mean_confidence=mc, precision=pr))
    return rows, float(ece)


def leave_one_source_out(parts: dict[str, dict]) -> dict[str, tuple]:
    """For each source, the setting and confidence curve chosen on the *other* sources only.

    Returns
    -------
    dict
        Source name to ``(setting, (z_threshold, slope))``. A source's own
        units never enter its choice: changing them cannot change it.
    """
    out = {}
    for name in parts:
        train = [p for other, p in parts.items() if other != name]
        if not train:
            continue
        setting = choose_setting(train)
        out[name] = (setting, fit_confidence(train, setting))
    return out

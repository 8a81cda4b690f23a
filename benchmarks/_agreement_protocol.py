"""Scoring helpers shared by the coding benchmarks: metrics, bootstrap intervals, calibration.

The protocol (docs/coding.md, "How the figures are made"): every setting of
the default coder is chosen inside its training corpus by cross-validation
grouped by batch (:mod:`outcomes_qual.coding._selection`); the dev sources
(wales, webinar, videos) are test sets only, scored once per release with
the settings so chosen. Nothing here chooses anything.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

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


def confidence(z: np.ndarray, z_threshold: float, slope: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-slope * (z - z_threshold)))


def reliability(conf: np.ndarray, correct: np.ndarray) -> tuple[list[dict], float]:
    """Reliability rows per confidence bin, and the expected calibration error."""
    rows, ece = [], 0.0
    for lo, hi in pairwise(BINS):
        inside = (conf >= lo) & ((conf < hi) | (hi == 1.0))
        if not inside.any():
            rows.append(dict(bin=f"{lo:.1f}-{hi:.1f}", n=0, mean_confidence=np.nan, precision=np.nan))
            continue
        mc, pr = float(conf[inside].mean()), float(correct[inside].mean())
        ece += inside.sum() / len(conf) * abs(mc - pr)
        rows.append(dict(bin=f"{lo:.1f}-{hi:.1f}", n=int(inside.sum()), mean_confidence=mc, precision=pr))
    return rows, float(ece)

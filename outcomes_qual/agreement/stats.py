"""Agreement coefficients on a units x coders matrix of nominal ratings.

Each function takes ``ratings``, a 2-D array with one row per unit (turn or
participant) and one column per coder, holding category labels (for code
presence: 1 = coded, 0 = not coded); ``NaN`` marks a unit a coder did not
rate. Undefined coefficients (no variation at all, too few units) are
returned as ``NaN``; :func:`undefined_reason` says why.

Examples
--------
>>> import numpy as np
>>> r = np.array([[1, 1], [1, 0], [0, 0], [0, 0], [0, 0]])
>>> round(percent_agreement(r), 3), round(cohen_kappa(r), 3)
(0.8, 0.545)
>>> round(krippendorff_alpha(r), 3), round(gwet_ac1(r, categories=(0, 1)), 3)
(0.571, 0.655)
>>> positive_agreement(r)
0.6666666666666666
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def _as_matrix(ratings) -> np.ndarray:
    r = np.asarray(ratings, dtype=float)
    if r.ndim != 2:
        raise ValueError(f"ratings: expected a 2-D units x coders array, got shape {r.shape}")
    return r


def _counts(r: np.ndarray, categories: Sequence[float]) -> np.ndarray:
    """Units x categories matrix of how many coders gave each category."""
    if not len(categories):
        return np.zeros((r.shape[0], 0))
    return np.stack([(r == c).sum(axis=1) for c in categories], axis=1).astype(float)


def _categories(r: np.ndarray, categories: Sequence[float] | None) -> list[float]:
    if categories is not None:
        return list(categories)
    return sorted(set(r[~np.isnan(r)].tolist()))


def percent_agreement(ratings) -> float:
    """Share of agreeing coder pairs per unit, averaged over units rated by two or more coders.

    With two coders this is the share of units on which they agree.
    """
    r = _as_matrix(ratings)
    n = _counts(r, _categories(r, None))
    m = n.sum(axis=1)
    ok = m >= 2
    if not ok.any():
        return float("nan")
    agree = (n[ok] * (n[ok] - 1)).sum(axis=1) / (m[ok] * (m[ok] - 1))
    return float(agree.mean())


def _kappa_pair(a: np.ndarray, b: np.ndarray) -> float:
    both = ~(np.isnan(a) | np.isnan(b))
    a, b = a[both], b[both]
    if not len(a):
        return float("nan")
    cats = sorted(set(a.tolist()) | set(b.tolist()))
    po = float(np.mean(a == b))
    pe = float(sum(np.mean(a == c) * np.mean(b == c) for c in cats))
    if np.isclose(pe, 1.0):
        return float("nan")
    return (po - pe) / (1 - pe)


def cohen_kappa(ratings) -> float:
    """Cohen's kappa for two coders; for more, the mean of the pairwise kappas (Light's kappa).

    ``NaN`` when expected agreement is 1 (every coder gave every unit the
    same category), as scikit-learn's ``cohen_kappa_score`` does.
    """
    r = _as_matrix(ratings)
    if r.shape[1] < 2:
        return float("nan")
    values = [_kappa_pair(r[:, i], r[:, j]) for i, j in itertools.combinations(range(r.shape[1]), 2)]
    return float(np.mean(values))


def krippendorff_alpha(ratings) -> float:
    """Krippendorff's alpha for nominal data, any number of coders, missing ratings allowed.

    Computed from the coincidence matrix; units with fewer than two ratings
    are not pairable and are left out. ``NaN`` when only one category occurs.
    """
    r = _as_matrix(ratings)
    cats = _categories(r, None)
    n = _counts(r, cats)
    m = n.sum(axis=1)
    n = n[m >= 2]
    m = m[m >= 2]
    if len(cats) < 2 or not len(m):
        return float("nan")
    # coincidences o_ck = sum_u n_uc * (n_uk - [c == k]) / (m_u - 1)
    weights = 1.0 / (m - 1)
    o = (n * weights[:, None]).T @ n - np.diag((n * weights[:, None]).sum(axis=0))
    n_c = o.sum(axis=1)
    total = n_c.sum()
    if total <= 1:
        return float("nan")
    observed = o.sum() - np.trace(o)
    expected = (np.outer(n_c, n_c).sum() - (n_c**2).sum()) / (total - 1)
    if expected == 0:
        return float("nan")
    return float(1 - observed / expected)


def gwet_ac1(ratings, *, categories: Sequence[float] = (0, 1)) -> float:
    """Gwet's AC1 (Gwet 2008) for any number of coders.

    Parameters
    ----------
    ratings : array-like
    categories : sequence, default (0, 1)
        All categories a coder could give (the chance term depends on how many
        there are, including ones nobody used).

    AC1 stays defined when one category dominates (it is 1 when coders agree
    on every unit), where kappa collapses.
    """
    r = _as_matrix(ratings)
    q = len(categories)
    if q < 2:
        raise ValueError(f"categories: expected at least two categories, got {list(categories)}")
    n = _counts(r, categories)
    m = n.sum(axis=1)
    rated = m >= 1
    pairable = m >= 2
    if not pairable.any():
        return float("nan")
    pa = float(((n[pairable] * (n[pairable] - 1)).sum(axis=1) / (m[pairable] * (m[pairable] - 1))).mean())
    pi = (n[rated] / m[rated][:, None]).mean(axis=0)
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    return (pa - pe) / (1 - pe)


def positive_agreement(ratings, *, positive: float = 1) -> float:
    """Specific agreement on presence: for two coders 2a / (2a + b + c).

    a = units both coded, b and c = units only one coded. For more coders,
    the share of agreeing pairs among pairs that involve a positive rating.
    ``NaN`` when nobody gave the positive category.
    """
    r = _as_matrix(ratings)
    pos = (r == positive).sum(axis=1).astype(float)
    m = (~np.isnan(r)).sum(axis=1).astype(float)
    ok = m >= 2
    denominator = (pos[ok] * (m[ok] - 1)).sum()
    if denominator == 0:
        return float("nan")
    return float((pos[ok] * (pos[ok] - 1)).sum() / denominator)


def prevalence(ratings, *, positive: float = 1) -> float:
    """Share of all ratings that are ``positive`` (how common the code is)."""
    r = _as_matrix(ratings)
    rated = ~np.isnan(r)
    if not rated.any():
        return float("nan")
    return float((r[rated] == positive).mean())


def undefined_reason(ratings) -> str:
    """Why kappa and alpha are undefined for ``ratings`` ("" when they are defined).

    Examples
    --------
    >>> undefined_reason([[0, 0], [0, 0]])
    'kappa and alpha undefined: every coder gave every unit the same value (0)'
    >>> undefined_reason([[1, 0], [0, 0]])
    ''
    """
    r = _as_matrix(ratings)
    values = sorted(set(r[~np.isnan(r)].tolist()))
    if not len(r):
        return "no units"
    if len(values) < 2:
        shown = ", ".join(f"{v:g}" for v in values) or "none"
        return f"kappa and alpha undefined: every coder gave every unit the same value ({shown})"
    if r.shape[1] >= 2:
        for i, j in itertools.combinations(range(r.shape[1]), 2):
            if np.isnan(_kappa_pair(r[:, i], r[:, j])):
                return f"kappa undefined for coders {i + 1} and {j + 1}: both gave one same value throughout"
    return ""

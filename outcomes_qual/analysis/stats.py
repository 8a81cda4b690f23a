"""Contingency-table tests: chi-square with adjusted residuals, exact fallbacks.

Examples
--------
>>> res = contingency_test([[20, 10], [10, 20]])
>>> res.test, round(res.statistic, 3), res.dof
('chi2', 6.667, 1)
>>> res.adjusted_residuals.round(2).values.tolist()
[[2.58, -2.58], [-2.58, 2.58]]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._columns import TEST_SUMMARY_COLUMNS

logger = logging.getLogger(__name__)


@dataclass
class ContingencyTest:
    """Result of :func:`contingency_test`.

    Attributes
    ----------
    test : str
        ``"chi2"`` (Pearson, no continuity correction), ``"fisher_exact"``
        (2 x 2 with small expected counts), ``"monte_carlo_chi2"`` (larger
        tables with small expected counts: Pearson's statistic referred to its
        permutation distribution with both margins fixed) or ``"none"`` (fewer
        than two non-empty rows or columns).
    statistic : float
        Pearson's chi-square statistic (whatever the test that gave the p-value).
    dof : int
    p_value : float
    n : int
        Total count.
    min_expected : float
    observed, expected, residuals, adjusted_residuals : pandas.DataFrame
        Same index and columns as the (non-empty part of the) input.
        Adjusted residuals are approximately standard normal under
        independence: beyond +/-1.96 a cell is over/under-represented.
    cells : pandas.DataFrame
        Tidy per-cell table (filled by callers such as ``role_theme_test``).
    """

    test: str
    statistic: float
    dof: int
    p_value: float
    n: int
    min_expected: float
    observed: pd.DataFrame
    expected: pd.DataFrame
    residuals: pd.DataFrame
    adjusted_residuals: pd.DataFrame
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> pd.DataFrame:
        """One-row table: test, statistic, dof, p_value, n, min_expected."""
        return pd.DataFrame(
            [[self.test, self.statistic, self.dof, self.p_value, self.n, self.min_expected]],
            columns=list(TEST_SUMMARY_COLUMNS),
        )


def _pearson(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return ((observed - expected) ** 2 / expected).sum(axis=(-2, -1))


def monte_carlo_p(observed: np.ndarray, *, n_resamples: int = 9999, random_state=0) -> float:
    """Permutation p-value of Pearson's statistic with both margins fixed.

    The units behind the table are re-paired at random (row labels kept,
    column labels shuffled), which samples tables from the multivariate
    hypergeometric distribution of the exact test of independence.
    ``p = (1 + #{simulated >= observed}) / (n_resamples + 1)``.

    Examples
    --------
    >>> p = monte_carlo_p([[5, 0, 1], [0, 4, 2]], n_resamples=999, random_state=0)
    >>> 0.0 < p < 0.05
    True
    """
    observed = np.asarray(observed, dtype=int)
    r, c = observed.shape
    n = int(observed.sum())
    rows = np.repeat(np.arange(r), observed.sum(axis=1))
    cols = np.repeat(np.arange(c), observed.sum(axis=0))
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    stat = float(_pearson(observed, expected))
    rng = np.random.default_rng(random_state)
    hits, done = 0, 0
    batch = max(1, min(n_resamples, 2_000_000 // max(n, 1)))
    while done < n_resamples:
        m = min(batch, n_resamples - done)
        perm = rng.permuted(np.tile(cols, (m, 1)), axis=1)
        flat = rows[None, :] * c + perm + (np.arange(m) * r * c)[:, None]
        tables = np.bincount(flat.ravel(), minlength=m * r * c).reshape(m, r, c)
        sims = _pearson(tables, expected[None, :, :])
        hits += int(np.sum(sims >= stat - 1e-9 * max(1.0, stat)))
        done += m
    return (hits + 1) / (n_resamples + 1)


def contingency_test(
    observed,
    *,
    min_expected: float = 5.0,
    exact: bool | None = None,
    n_resamples: int = 9999,
    random_state=0,
) -> ContingencyTest:
    """Test independence of rows and columns of a count table.

    Pearson's chi-square (``scipy.stats.chi2_contingency`` without continuity
    correction) when every expected count is at least ``min_expected``;
    otherwise Fisher's exact test for a 2 x 2 table and a Monte Carlo exact
    test (fixed seed) for larger ones. Empty rows and columns are dropped.

    Parameters
    ----------
    observed : array-like or pandas.DataFrame
        Non-negative integer counts.
    min_expected : float, default 5
        Smallest expected count for which the chi-square approximation is used.
    exact : bool, optional
        Force (``True``) or forbid (``False``) the exact test.
    n_resamples : int, default 9999
        Monte Carlo tables for larger sparse tables.
    random_state : int, default 0

    Returns
    -------
    ContingencyTest

    Examples
    --------
    >>> res = contingency_test([[3, 0], [0, 3]])
    >>> res.test, round(res.p_value, 3)
    ('fisher_exact', 0.1)
    """
    from scipy import stats

    frame = observed if isinstance(observed, pd.DataFrame) else pd.DataFrame(np.asarray(observed))
    frame = frame.fillna(0)
    values = frame.to_numpy(dtype=float)
    if (values < 0).any():
        raise ValueError(f"observed counts must be non-negative, got minimum {values.min()}")
    frame = frame.loc[values.sum(axis=1) > 0, values.sum(axis=0) > 0]
    obs = frame.to_numpy(dtype=float)
    n = int(obs.sum())
    empty = pd.DataFrame(np.nan, index=frame.index, columns=frame.columns)
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        return ContingencyTest("none", np.nan, 0, np.nan, n, np.nan, frame, empty, empty, empty.copy())
    row = obs.sum(axis=1, keepdims=True)
    col = obs.sum(axis=0, keepdims=True)
    expected = row @ col / n
    stat = float(_pearson(obs, expected))
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    small = bool((expected < min_expected).any())
    use_exact = small if exact is None else exact
    if not use_exact:
        test = "chi2"
        p = float(stats.chi2.sf(stat, dof))
    elif obs.shape == (2, 2):
        test = "fisher_exact"
        p = float(stats.fisher_exact(obs.astype(int)).pvalue)
    else:
        test = "monte_carlo_chi2"
        p = monte_carlo_p(obs.astype(int), n_resamples=n_resamples, random_state=random_state)
    resid = (obs - expected) / np.sqrt(expected)
    adj = (obs - expected) / np.sqrt(expected * (1 - row / n) * (1 - col / n))

    def like(a):
        return pd.DataFrame(a, index=frame.index, columns=frame.columns)

    logger.debug("contingency test %s: stat=%.3f dof=%d p=%.4g", test, stat, dof, p)
    return ContingencyTest(test, stat, dof, min(p, 1.0), n, float(expected.min()), frame, like(expected), like(resid), like(adj))


def adjust_pvalues(p_values, *, method: str = "holm") -> np.ndarray:
    """Holm or Benjamini-Hochberg adjusted p-values (NaN stays NaN).

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    if method not in ("holm", "bh"):
        raise ValueError(f"method must be 'holm' or 'bh', got {method!r}")
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q)
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * q[order])
    else:
        adj = np.minimum.accumulate((m / np.arange(m, 0, -1) * q[order][::-1]))[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out

"""Contingency tests: chi-square, Fisher and Monte Carlo exact p-values, residuals, p-value corrections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from outcomes_qual.analysis import contingency_test
from outcomes_qual.analysis.stats import adjust_pvalues, monte_carlo_p


def test_chi2_path_on_large_table_matches_scipy():
    obs = np.array([[30, 12, 8], [10, 25, 15], [12, 11, 27]])
    res = contingency_test(obs)
    chi2, p, dof, _ = stats.chi2_contingency(obs, correction=False)
    assert (res.test, res.dof) == ("chi2", dof)
    assert res.statistic == pytest.approx(chi2) and res.p_value == pytest.approx(p)
    summary = res.summary()
    assert summary.columns.tolist() == ["test", "statistic", "dof", "p_value", "n", "min_expected"]
    assert summary.loc[0, "n"] == 150


def test_fisher_for_sparse_2x2():
    res = contingency_test([[4, 0], [1, 3]])
    assert res.test == "fisher_exact"
    assert res.p_value == pytest.approx(stats.fisher_exact([[4, 0], [1, 3]]).pvalue)


def test_monte_carlo_close_to_scipy_permutation():
    obs = np.array([[3, 0, 1], [0, 4, 1], [2, 1, 3]])
    p = monte_carlo_p(obs, n_resamples=4999, random_state=1)
    ref = stats.chi2_contingency(obs, correction=False, method=stats.PermutationMethod(n_resamples=4999, rng=2)).pvalue
    assert abs(p - ref) < 0.03


def test_empty_rows_dropped_and_degenerate_table():
    res = contingency_test(pd.DataFrame([[5, 0], [0, 0]], index=["a", "b"], columns=["x", "y"]))
    assert res.test == "none" and np.isnan(res.p_value)
    with pytest.raises(ValueError, match="non-negative"):
        contingency_test([[1, -1], [2, 3]])


def test_adjust_pvalues_against_manual():
    p = [0.01, 0.02, 0.03, 0.2, np.nan]
    holm = adjust_pvalues(p)
    np.testing.assert_allclose(holm[:4], [0.04, 0.06, 0.06, 0.2])
    assert np.isnan(holm[4])
    np.testing.assert_allclose(adjust_pvalues(p, method="bh")[:4], [0.04, 0.04, 0.04, 0.2])
    with pytest.raises(ValueError, match="'holm' or 'bh'"):
        adjust_pvalues(p, method="bonferroni")

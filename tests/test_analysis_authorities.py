"""Authority comparison: shares, Wilson intervals (vs scipy), per-theme tests with Holm/BH correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_analysis_role_theme import hand_corpus

from outcomes_qual.analysis import authority_comparison, wilson_interval
from outcomes_qual.analysis.stats import adjust_pvalues


def test_exact_shares_and_tests():
    corpus, codings = hand_corpus()
    t = authority_comparison(corpus, codings)
    assert list(t.columns) == [
        "code",
        "authority",
        "n",
        "base",
        "share",
        "ci_low",
        "ci_high",
        "test",
        "statistic",
        "p_value",
        "p_adjusted",
        "significant",
    ]
    # North: Ann, Bea, Cy; South: Dee, Eve, Fay, Gus
    cs = t[t["code"] == "culture_shift"].set_index("authority")
    assert cs.loc["North", ["n", "base"]].tolist() == [1, 3]
    assert cs.loc["South", ["n", "base"]].tolist() == [3, 4]
    assert cs.loc["South", "share"] == 0.75
    table = [[1, 2], [3, 1]]
    assert cs.loc["North", "test"] == "fisher_exact"
    assert cs.loc["North", "p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)
    assert cs.loc["North", "statistic"] == pytest.approx(stats.chi2_contingency(table, correction=False)[0])
    ci = stats.binomtest(3, 4).proportion_ci(confidence_level=0.95, method="wilson")
    assert cs.loc["South", "ci_low"] == pytest.approx(ci.low) and cs.loc["South", "ci_high"] == pytest.approx(ci.high)
    per_code = t.drop_duplicates("code")
    np.testing.assert_allclose(per_code["p_adjusted"], adjust_pvalues(per_code["p_value"]))
    assert not per_code["significant"].any()


def test_large_difference_is_flagged():
    rows, cod = [], []
    for auth in ("A", "B"):
        for i in range(60):
            sid = f"{auth}:{i:03d}"
            rows.append(
                {
                    "segment_id": sid,
                    "transcript_id": f"t{auth}",
                    "participant_id": f"{auth}{i}",
                    "role": "practitioner",
                    "authority": auth,
                }
            )
            if (auth == "A" and i < 45) or (auth == "B" and i < 10):
                cod.append({"segment_id": sid, "code": "time"})
            if i < 30:
                cod.append({"segment_id": sid, "code": "partners"})
    t = authority_comparison(pd.DataFrame(rows), pd.DataFrame(cod), correction="bh")
    flags = t.drop_duplicates("code").set_index("code")
    assert flags.loc["time", "test"] == "chi2" and bool(flags.loc["time", "significant"])
    assert flags.loc["partners", "p_value"] == pytest.approx(1.0) and not flags.loc["partners", "significant"]
    chi2, p, _, _ = stats.chi2_contingency([[45, 15], [10, 50]], correction=False)
    assert flags.loc["time", "statistic"] == pytest.approx(chi2)
    assert flags.loc["time", "p_adjusted"] == pytest.approx(min(1, p * 2))


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (10, 10), (17, 40)])
def test_wilson_matches_scipy(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
    lo, hi = wilson_interval(k, n, confidence=0.9)
    assert float(lo) == pytest.approx(ci.low, abs=1e-12) and float(hi) == pytest.approx(ci.high, abs=1e-12)


def test_unknown_authority_and_zero_base():
    seg = pd.DataFrame(
        {"segment_id": ["a", "b"], "transcript_id": "t", "participant_id": ["p", "q"], "role": "senior", "authority": [None, "X"]}
    )
    t = authority_comparison(seg, pd.DataFrame({"segment_id": ["a"], "code": ["time"]}))
    assert t["authority"].tolist() == ["X", "(unknown)"]

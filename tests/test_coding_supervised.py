"""SupervisedCoder and cross-validated agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score
from test_coding_base import CB

from outcomes_qual.coding import CV_AGREEMENT_COLUMNS, SupervisedCoder, cross_validate_agreement

TIME = [
    "no time for visits",
    "the deadline again and no time",
    "time pressure and caseloads",
    "caseloads leave no time",
    "rushing to the deadline",
    "never enough time with families",
]
PARTNERS = [
    "the GP and the school",
    "the school nurse and the GP",
    "the court and the solicitor",
    "the GP rang the school",
    "health visitor and GP",
    "the court wanted a report",
]
SEG = pd.DataFrame({"segment_id": [f"s{i:02d}" for i in range(12)], "text": TIME + PARTNERS})
COD = pd.DataFrame({"segment_id": SEG["segment_id"], "code": ["time"] * 6 + ["partners"] * 6})


@pytest.fixture(scope="module")
def coder():
    return SupervisedCoder(codebook=CB, backend="lsa").fit(SEG, COD)


def test_learns_codes_with_enough_examples(coder):
    assert sorted(coder.models_) == ["partners", "time"]
    assert coder.n_positive_ == {"systems_barriers": 0, "systems_barriers/paperwork_and_it": 0, "partners": 6, "time": 6}
    new = pd.DataFrame({"segment_id": ["x", "y"], "text": ["no time before the deadline", "the school and the GP called"]})
    out = coder.predict(new)
    assert out[["segment_id", "code"]].values.tolist() == [["x", "time"], ["y", "partners"]]
    assert out["method"].unique().tolist() == ["supervised"]
    assert out["evidence"].iloc[0].startswith("learned from 6 coded turns; nearest: s")
    proba = coder.predict_proba(new)
    assert (proba["systems_barriers"] == 0).all()


def test_needs_codings():
    with pytest.raises(ValueError, match="SupervisedCoder needs human codings"):
        SupervisedCoder(codebook=CB, backend="lsa").fit(SEG)
    bad = pd.DataFrame({"segment_id": ["s00"], "code": ["not_a_code"]})
    with pytest.raises(ValueError, match="none of the codes \\['not_a_code'\\]"):
        SupervisedCoder(codebook=CB, backend="lsa").fit(SEG, bad)


def test_cross_validate_agreement_perfectly_separable():
    table = cross_validate_agreement(SEG, COD, CB, n_splits=3, backend="lsa")
    assert tuple(table.columns) == CV_AGREEMENT_COLUMNS
    assert table["code"].tolist() == ["systems_barriers", "partners", "time", "macro"]
    row = table.set_index("code")
    assert row.loc["time", "n_positive"] == 6 and row.loc["time", "n_units"] == 12
    assert row.loc["time", "f1"] == pytest.approx(1.0)
    assert row.loc["partners", "cohen_kappa"] == pytest.approx(1.0)
    assert row.loc["macro", "f1"] == pytest.approx(1.0)  # mean over codes with positives


def test_cross_validate_method_uses_own_params():
    coder = SupervisedCoder(codebook=CB, backend="lsa", random_state=0)
    pd.testing.assert_frame_equal(
        coder.cross_validate(SEG, COD, n_splits=3), cross_validate_agreement(SEG, COD, CB, n_splits=3, backend="lsa")
    )
    assert not hasattr(coder, "models_")  # cross-validation leaves the estimator unfitted


def test_cross_validate_metrics_match_sklearn(monkeypatch):
    # a coder that always answers 'time' makes the expected metrics easy to compute with sklearn
    from outcomes_qual.coding import supervised

    class Always(SupervisedCoder):
        def predict(self, segments):
            seg = self._check_input(segments)
            return pd.DataFrame({"segment_id": seg["segment_id"], "code": "time"})

    monkeypatch.setattr(supervised, "SupervisedCoder", Always)
    table = cross_validate_agreement(SEG, COD, CB, n_splits=2, backend="lsa").set_index("code")
    y = np.array([1] * 6 + [0] * 6)
    p = np.ones(12, dtype=int)
    assert table.loc["time", "f1"] == pytest.approx(f1_score(y, p))
    assert table.loc["time", "cohen_kappa"] == pytest.approx(cohen_kappa_score(y, p))
    assert table.loc["partners", "cohen_kappa"] == pytest.approx(cohen_kappa_score(1 - y, np.zeros(12, dtype=int)))

"""CodebookClassifier: a theme classifier fitted on the codebook's own texts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from outcomes_qual.coding.codebook_classifier import EPS, CodebookClassifier

X = np.array([[1.0, 0.0, 0.0], [0.8, 0.2, 0.0], [0.0, 1.0, 0.1], [0.1, 0.9, 0.0], [0.0, 0.1, 1.0], [0.1, 0.0, 0.9]])
THEMES = ["time", "time", "partners", "partners", "resistance", "resistance"]


def test_log_odds_match_logistic_regression_exactly():
    clf = CodebookClassifier(C=4.0).fit(X, THEMES)
    ref = LogisticRegression(C=4.0, max_iter=3000).fit(X, THEMES)
    rows = np.array([[0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    p = np.clip(ref.predict_proba(rows), EPS, 1 - EPS)
    expected = np.log(p / (1 - p))  # ref.classes_ are sorted: partners, resistance, time
    got = clf.log_odds(rows, ["time", "partners", "resistance"])
    np.testing.assert_allclose(got, expected[:, [2, 0, 1]], rtol=1e-10)
    assert got[0].argmax() == 0 and got[1].argmax() == 2


def test_unknown_theme_and_single_theme_give_no_evidence():
    clf = CodebookClassifier().fit(X, THEMES)
    assert clf.log_odds(X[:2], ["culture_shift"]).tolist() == [[0.0], [0.0]]
    one = CodebookClassifier().fit(X[:2], ["time", "time"])
    assert one.model_ is None and one.log_odds(X, ["time"]).tolist() == [[0.0]] * 6
    assert CodebookClassifier().fit(X, THEMES).log_odds(np.zeros((0, 3)), ["time"]).shape == (0, 1)


def test_estimator_contract_and_errors():
    clf = CodebookClassifier(C=2.0)
    assert clone(clf).get_params() == {"C": 2.0, "max_iter": 3000}
    with pytest.raises(NotFittedError):
        clf.log_odds(X, ["time"])
    with pytest.raises(ValueError, match=r"vectors: expected a 2-D array with one row per theme label \(5\), got shape \(6, 3\)"):
        clf.fit(X, THEMES[:5])
    with pytest.raises(ValueError, match="C: expected a positive number, got 0"):
        CodebookClassifier(C=0).fit(X, THEMES)
    assert clf.fit(X, THEMES) is clf and clf.classes_.tolist() == ["partners", "resistance", "time"]

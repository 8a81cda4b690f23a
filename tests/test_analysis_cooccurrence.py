"""Theme co-occurrence within turns."""

from __future__ import annotations

import pytest
from test_analysis_role_theme import hand_corpus

from outcomes_qual.analysis import theme_cooccurrence


def test_exact_cooccurrence():
    corpus, codings = hand_corpus()
    t = theme_cooccurrence(corpus, codings)
    assert list(t.columns) == ["code_a", "code_b", "n_turns", "jaccard"]
    pair = t.set_index(["code_a", "code_b"])
    assert pair.loc[("time", "time"), "n_turns"] == 3  # facilitator turn excluded
    assert pair.loc[("systems_barriers", "time"), "n_turns"] == 1  # fg1:003
    assert pair.loc[("time", "systems_barriers"), "jaccard"] == pytest.approx(1 / 5)
    assert pair.loc[("culture_shift", "time"), "n_turns"] == 1  # fg2:003
    assert pair.loc[("partners", "systems_barriers"), "n_turns"] == 0
    assert len(t) == 16


def test_code_level():
    corpus, codings = hand_corpus()
    t = theme_cooccurrence(corpus, codings, level="code").set_index(["code_a", "code_b"])
    assert t.loc[("partners", "partners/health"), "n_turns"] == 1

"""Role x theme counts for every unit, and the independence test cross-checked against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from outcomes_qual.analysis import role_by_theme, role_theme_matrix, role_theme_test
from outcomes_qual.corpus import Corpus


def hand_corpus() -> tuple[Corpus, pd.DataFrame]:
    fg1 = Corpus.from_turns(
        "fg1",
        [
            ("F", "facilitator", "What gets in the way?"),
            ("Ann", "practitioner", "Forms."),
            ("Bea", "practitioner", "IT and time."),
            ("Cy", "senior", "Values."),
            ("Ann", "practitioner", "No time."),
        ],
        authority="North",
    )
    fg2 = Corpus.from_turns(
        "fg2",
        [
            ("F", "facilitator", "And here?"),
            ("Dee", "senior", "Culture."),
            ("Eve", "senior", "Culture and time."),
            ("Fay", "practitioner", "Systems."),
        ],
        authority="South",
    )
    int1 = Corpus.from_turns(
        "int1",
        [("F", "facilitator", "Tell me."), ("Gus", "manager", "Culture."), ("Gus", "manager", "Health partners.")],
        method="interview",
        authority="South",
    )
    codings = pd.DataFrame(
        [
            ("fg1:001", "time"),  # facilitator: excluded
            ("fg1:002", "systems_barriers/paperwork_and_it"),
            ("fg1:003", "systems_barriers"),
            ("fg1:003", "time"),
            ("fg1:004", "culture_shift"),
            ("fg1:005", "time/timescales"),
            ("fg2:002", "culture_shift"),
            ("fg2:003", "culture_shift"),
            ("fg2:003", "time"),
            ("fg2:004", "systems_barriers"),
            ("int1:002", "culture_shift"),
            ("int1:003", "partners/health"),
            ("int1:003", "partners"),
        ],
        columns=["segment_id", "code"],
    ).assign(coder="machine", method="keyword", confidence=0.9, evidence="")
    return Corpus.concat([fg1, fg2, int1]), codings


def cell(table, code, role):
    row = table[(table["code"] == code) & (table["role"] == role)]
    assert len(row) == 1
    return row.iloc[0]


def test_segments_unit_exact_counts():
    corpus, codings = hand_corpus()
    t = role_by_theme(corpus, codings)
    assert list(t.columns) == ["code", "level", "role", "unit", "n", "base", "percent", "share_of_code"]
    assert t["code"].unique().tolist() == ["culture_shift", "partners", "systems_barriers", "time"]
    assert t["role"].unique().tolist() == ["practitioner", "senior", "manager", "all"]
    sb = cell(t, "systems_barriers", "practitioner")
    assert (sb.n, sb.base, sb.percent, sb.share_of_code) == (3, 4, 75.0, 100.0)
    tm = cell(t, "time", "practitioner")
    assert (tm.n, tm.base) == (2, 4)  # the facilitator's coded turn does not count
    assert cell(t, "time", "senior").n == 1
    assert cell(t, "time", "all").n == 3 and cell(t, "time", "all").base == 9
    cs = cell(t, "culture_shift", "senior")
    assert (cs.n, cs.base, cs.percent, cs.share_of_code) == (3, 3, 100.0, 75.0)
    assert cell(t, "partners", "manager").percent == 50.0


def test_participants_and_groups_units():
    corpus, codings = hand_corpus()
    p = role_by_theme(corpus, codings, unit="participants")
    tm = cell(p, "time", "practitioner")
    assert (tm.n, tm.base) == (2, 3)
    assert tm.percent == pytest.approx(200 / 3)
    assert cell(p, "time", "all").base == 7
    g = role_by_theme(corpus, codings, unit="groups")
    assert (cell(g, "time", "practitioner").n, cell(g, "time", "practitioner").base) == (1, 2)
    assert (cell(g, "systems_barriers", "practitioner").n, cell(g, "systems_barriers", "practitioner").percent) == (2, 100.0)
    assert cell(g, "culture_shift", "manager").base == 1


def test_code_level_keeps_subcodes_and_themes():
    corpus, codings = hand_corpus()
    t = role_by_theme(corpus, codings, level="code")
    assert cell(t, "systems_barriers/paperwork_and_it", "practitioner").n == 1
    assert cell(t, "systems_barriers/paperwork_and_it", "practitioner").level == "code"
    assert cell(t, "systems_barriers", "practitioner").n == 3
    assert cell(t, "time/timescales", "all").n == 1


def test_facilitator_included_on_request_and_rejected_dropped():
    corpus, codings = hand_corpus()
    t = role_by_theme(corpus, codings, include_facilitator=True)
    assert cell(t, "time", "facilitator").n == 1
    rejected = codings.assign(status=np.where(codings["segment_id"] == "fg2:004", "rejected", "accepted"))
    assert cell(role_by_theme(corpus, rejected), "systems_barriers", "practitioner").n == 2


def test_codebook_adds_zero_rows():
    from outcomes_qual.codebook import Code, Codebook

    cb = Codebook("t", (Code("time", "Time", "d"), Code("resistance", "Resistance", "d"), Code("culture_shift", "C", "d")))
    t = role_by_theme(hand_corpus()[0], hand_corpus()[1], codebook=cb)
    assert t["code"].unique().tolist()[:3] == ["time", "resistance", "culture_shift"]
    assert cell(t, "resistance", "all").n == 0


@pytest.mark.parametrize("unit", ["segments", "participants", "groups"])
def test_bad_arguments(unit):
    corpus, codings = hand_corpus()
    with pytest.raises(ValueError, match=r"unit must be one of \['segments', 'participants', 'groups'\], got 'turns'"):
        role_by_theme(corpus, codings, unit="turns")
    with pytest.raises(ValueError, match="codings: missing column"):
        role_by_theme(corpus, codings.drop(columns="code"), unit=unit)


def test_role_theme_test_matches_scipy():
    corpus, codings = hand_corpus()
    res = role_theme_test(corpus, codings)
    observed = np.array([[0, 3, 1], [0, 0, 1], [3, 0, 0], [2, 1, 0]])
    assert res.observed.to_numpy().tolist() == observed.tolist()
    chi2, p, dof, expected = stats.chi2_contingency(observed, correction=False)
    assert res.statistic == pytest.approx(chi2)
    assert res.dof == dof == 6
    np.testing.assert_allclose(res.expected.to_numpy(), expected)
    assert res.test == "monte_carlo_chi2"  # expected counts are tiny
    again = role_theme_test(corpus, codings)
    assert again.p_value == res.p_value  # fixed seed
    forced = role_theme_test(corpus, codings, min_expected=0)
    assert forced.test == "chi2" and forced.p_value == pytest.approx(p)
    cells = res.cells
    assert list(cells.columns) == ["code", "role", "observed", "expected", "residual", "adjusted_residual", "direction"]
    n, r, c = observed.sum(), observed.sum(1), observed.sum(0)
    adj = (observed - expected) / np.sqrt(expected * (1 - r[:, None] / n) * (1 - c[None, :] / n))
    np.testing.assert_allclose(cells["adjusted_residual"].to_numpy(), adj.ravel())
    over = cells[cells["direction"] == "over"][["code", "role"]].values.tolist()
    assert ["systems_barriers", "practitioner"] in over and ["culture_shift", "senior"] in over


def test_matrix_pivot():
    corpus, codings = hand_corpus()
    m = role_theme_matrix(role_by_theme(corpus, codings), value="n")
    assert m.loc["culture_shift"].tolist() == [0, 3, 1]

"""validate, validation_units, confusion_counts: exact values, units, reviews, bootstrap; cross-checked."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from outcomes_qual.agreement import (
    CONFUSION_COLUMNS,
    VALIDATION_COLUMNS,
    VALIDATION_UNIT_COLUMNS,
    confusion_counts,
    confusion_matrix,
    validate,
    validation_units,
)
from outcomes_qual.errors import InputError

# machine: s1 time, s2 time, s3 partners; ana: s1 time, s2 partners, s4 partners/health; s5 nobody
CODINGS = pd.DataFrame(
    {
        "segment_id": ["s1", "s2", "s3", "s1", "s2", "s4"],
        "code": ["time", "time", "partners", "time", "partners", "partners/health"],
        "coder": ["bot"] * 3 + ["ana"] * 3,
    }
)
UNITS = ["s1", "s2", "s3", "s4", "s5"]


def test_exact_values_by_hand():
    table = validate(CODINGS, machine="bot", against="ana", units=UNITS, n_boot=0)
    assert list(table.columns) == list(VALIDATION_COLUMNS)
    assert table["code"].tolist() == ["partners", "time", "all"]
    partners, time, overall = (table.iloc[i] for i in range(3))
    # partners: machine 00100, ana 01010 -> agree on s1, s5; po 0.4, pe 0.2*0.4 + 0.8*0.6 = 0.56
    assert partners["percent_agreement"] == pytest.approx(0.4)
    assert partners["cohen_kappa"] == pytest.approx((0.4 - 0.56) / 0.44)
    assert (partners["n_machine"], partners["n_human"], partners["n_both"]) == (1, 2, 0)
    assert partners["precision"] == 0 and partners["recall"] == 0 and partners["f1"] == 0
    # time: machine 11000, ana 10000 -> po 0.8, pe 0.4*0.2 + 0.6*0.8 = 0.56
    assert time["percent_agreement"] == pytest.approx(0.8)
    assert time["cohen_kappa"] == pytest.approx(0.24 / 0.44)
    assert (time["precision"], time["recall"], time["f1"]) == (0.5, 1.0, pytest.approx(2 / 3))
    # all: 10 decisions, 1 both, 2 machine only, 2 ana only, 5 neither -> po 0.6, pe 0.3*0.3 + 0.7*0.7 = 0.58
    assert overall["n_units"] == 10
    assert overall["percent_agreement"] == pytest.approx(0.6)
    assert overall["cohen_kappa"] == pytest.approx(0.02 / 0.42)
    assert overall["precision"] == pytest.approx(1 / 3) and overall["recall"] == pytest.approx(1 / 3)
    assert set(table["machine"]) == {"bot"} and set(table["against"]) == {"ana"} and set(table["level"]) == {"theme"}
    assert table[[c for c in VALIDATION_COLUMNS if c.endswith(("_ci_low", "_ci_high"))]].isna().all().all()


def test_code_level_keeps_subcodes_apart():
    table = validate(CODINGS, machine="bot", against="ana", units=UNITS, level="code", n_boot=0)
    assert table["code"].tolist() == ["partners", "partners/health", "time", "all"]
    assert table.set_index("code").loc["partners/health", ["n_machine", "n_human"]].tolist() == [0, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_checked_against_sklearn_and_krippendorff(seed):
    rng = np.random.default_rng(seed)
    ids = [f"t{i}" for i in range(60)]
    rows = []
    for coder, p in (("bot", 0.35), ("ana", 0.3)):
        for sid in ids:
            for code in ("time", "partners", "resistance"):
                if rng.random() < p:
                    rows.append((sid, code, coder))
    codings = pd.DataFrame(rows, columns=["segment_id", "code", "coder"])
    table = validate(codings, machine="bot", against="ana", units=ids, n_boot=0).set_index("code")
    pooled_m, pooled_h = [], []
    for code in ("partners", "resistance", "time"):
        m = np.array([int(((codings.segment_id == s) & (codings.code == code) & (codings.coder == "bot")).any()) for s in ids])
        h = np.array([int(((codings.segment_id == s) & (codings.code == code) & (codings.coder == "ana")).any()) for s in ids])
        pooled_m += list(m)
        pooled_h += list(h)
        row = table.loc[code]
        assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(m, h))
        assert row["krippendorff_alpha"] == pytest.approx(
            krippendorff.alpha(reliability_data=np.vstack([m, h]).astype(float), level_of_measurement="nominal")
        )
        assert row["percent_agreement"] == pytest.approx(np.mean(m == h))
        assert row["n_machine"] == m.sum() and row["n_human"] == h.sum()
    assert table.loc["all", "cohen_kappa"] == pytest.approx(cohen_kappa_score(pooled_m, pooled_h))


def test_bootstrap_reproducible_and_contains_estimate():
    rng = np.random.default_rng(7)
    ids = [f"t{i}" for i in range(80)]
    truth = rng.random((80, 2)) < 0.4
    noise = rng.random((80, 2)) < 0.15
    rows = [(s, c, "ana") for i, s in enumerate(ids) for j, c in enumerate(("time", "partners")) if truth[i, j]]
    rows += [(s, c, "bot") for i, s in enumerate(ids) for j, c in enumerate(("time", "partners")) if truth[i, j] != noise[i, j]]
    codings = pd.DataFrame(rows, columns=["segment_id", "code", "coder"])
    a = validate(codings, machine="bot", against="ana", units=ids, n_boot=300, random_state=3)
    b = validate(codings, machine="bot", against="ana", units=ids, n_boot=300, random_state=3)
    c = validate(codings, machine="bot", against="ana", units=ids, n_boot=300, random_state=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["cohen_kappa_ci_low"].equals(c["cohen_kappa_ci_low"])
    for name in ("percent_agreement", "cohen_kappa", "krippendorff_alpha"):
        assert a[f"{name}_ci_low"].notna().all()
        assert (a[f"{name}_ci_low"] <= a[name]).all() and (a[name] <= a[f"{name}_ci_high"]).all()
        assert (a[f"{name}_ci_high"] - a[f"{name}_ci_low"] > 0).all()
    assert (a["n_boot"] == 300).all()


def test_bootstrap_interval_absent_when_undefined():
    codings = pd.DataFrame({"segment_id": ["a", "a"], "code": ["time", "time"], "coder": ["bot", "ana"]})
    row = validate(codings, machine="bot", against="ana", units=["a", "b", "c"], n_boot=100).iloc[0]
    assert row["percent_agreement"] == 1.0 and row["cohen_kappa"] == 1.0
    codings2 = pd.DataFrame({"segment_id": ["a", "b"], "code": ["time", "time"], "coder": ["bot", "ana"]})
    only = validate(codings2, machine="bot", against="ana", units=["a", "b"], codes=["time", "resistance"], n_boot=50)
    resistance = only.set_index("code").loc["resistance"]
    assert resistance["percent_agreement"] == 1.0 and np.isnan(resistance["cohen_kappa"])
    assert np.isnan(resistance["cohen_kappa_ci_low"]) and resistance["note"]


def test_units_default_to_what_the_person_coded_or_reviewed():
    # s9 is coded only by the machine and never seen by ana: not a unit
    project_like = pd.DataFrame(
        {
            "segment_id": ["s1", "s2", "s3", "s9", "s1", "s4"],
            "code": ["time", "partners", "resistance", "time", "time", "partners"],
            "coder": ["bot", "bot", "bot", "bot", "ana", "ana"],
            "status": ["suggested", "accepted", "rejected", "suggested", "accepted", "accepted"],
            "reviewed_by": [None, "ana", "ana", None, None, None],
        }
    )
    units = validation_units(project_like, machine="bot", against="ana")
    assert list(units.columns) == list(VALIDATION_UNIT_COLUMNS)
    assert units.values.tolist() == [
        ["s1", "time", "time", "", "", "", True],
        ["s2", "partners", "partners", "", "", "", True],  # accepted by ana: her code too
        ["s3", "resistance", "", "resistance", "", "", False],  # rejected by ana: still the machine's code
        ["s4", "", "partners", "", "partners", "", False],
    ]
    table = validate(project_like, machine="bot", against="ana", n_boot=0)
    assert table.iloc[-1]["n_units"] == 4 * 3
    blind = validation_units(project_like, machine="bot", against="ana", include_reviews=False)
    assert blind["segment_id"].tolist() == ["s1", "s4"]


def test_rejected_own_codings_do_not_count_for_the_person():
    codings = pd.DataFrame(
        {
            "segment_id": ["a", "a", "b"],
            "code": ["time", "partners", "time"],
            "coder": ["bot", "ana", "ana"],
            "status": ["suggested", "rejected", "accepted"],
        }
    )
    units = validation_units(codings, machine="bot", against="ana")
    assert units[["segment_id", "human_codes"]].values.tolist() == [["a", ""], ["b", "time"]]


def test_units_from_segments_leave_out_facilitators():
    segments = pd.DataFrame({"segment_id": UNITS + ["s6"], "role": ["practitioner"] * 5 + ["facilitator"]})
    table = validate(CODINGS, machine="bot", against="ana", segments=segments, n_boot=0)
    assert table.iloc[0]["n_units"] == 5
    with_fac = validate(CODINGS, machine="bot", against="ana", segments=segments, n_boot=0, include_facilitator=True)
    assert with_fac.iloc[0]["n_units"] == 6


def test_confusions_exact():
    table = confusion_counts(CODINGS, machine="bot", against="ana", units=UNITS)
    assert list(table.columns) == list(CONFUSION_COLUMNS)
    assert table.values.tolist() == [
        ["partners", "time", 1],  # s2: ana partners, machine time
        ["partners", "none", 1],  # s4: machine nothing
        ["time", "time", 1],  # s1
        ["none", "partners", 1],  # s3: ana nothing
        ["none", "none", 1],  # s5
    ]
    mat = confusion_matrix(table, ["partners", "time"])
    assert mat.loc["partners"].tolist() == [0, 1, 1]
    assert mat.loc["none"].tolist() == [1, 0, 1]
    assert int(mat.values.sum()) == 5


def test_errors_name_the_argument():
    with pytest.raises(
        InputError, match=r"against: no codings by 'zoe', nor any reviewed by them; coders in the codings: \['ana', 'bot'\]"
    ):
        validate(CODINGS, machine="bot", against="zoe")
    with pytest.raises(InputError, match="machine: no codings by 'robot'"):
        validate(CODINGS, machine="robot", against="ana")
    with pytest.raises(InputError, match="same coder"):
        validate(CODINGS, machine="ana", against="ana")
    with pytest.raises(InputError, match="level: expected one of"):
        validate(CODINGS, machine="bot", against="ana", level="word")
    with pytest.raises(InputError, match="missing column"):
        validate(CODINGS.drop(columns="coder"), machine="bot", against="ana")
    with pytest.raises(InputError, match="units: expected a list"):
        validate(CODINGS, machine="bot", against="ana", units="s1")


# ana reviewed turns r1 and r2: on r1 she accepted time and left partners/health pending; on r2 she rejected
# the theme resistance while its sub-code resistance/fear is still pending; u1 she never opened; h1 she coded
REVIEWED = pd.DataFrame(
    {
        "segment_id": ["r1", "r1", "r2", "r2", "r2", "u1", "h1", "h1"],
        "code": ["time", "partners/health", "resistance", "resistance/fear", "time", "time", "partners", "time"],
        "coder": ["bot", "bot", "bot", "bot", "bot", "bot", "ana", "bot"],
        "status": ["accepted", "suggested", "rejected", "suggested", "suggested", "suggested", "accepted", "suggested"],
        "reviewed_by": ["ana", None, "ana", None, None, None, None, None],
    }
)


def test_pending_suggestion_on_a_reviewed_turn_is_undecided():
    units = validation_units(REVIEWED, machine="bot", against="ana")
    assert units.values.tolist() == [
        # (segment, machine, human, only machine, only human, undecided, agree)
        ["h1", "time", "partners", "time", "partners", "", False],  # coded by hand, not reviewed: pending counts
        ["r1", "time", "time", "", "", "partners", True],  # partners/health left pending: undecided
        ["r2", "resistance", "", "resistance", "", "time", False],  # theme rejected: its pending sub-code is "no"
    ]
    table = validate(REVIEWED, machine="bot", against="ana", n_boot=0).set_index("code")
    assert table.loc["partners", ["n_units", "n_undecided", "n_machine", "n_human"]].tolist() == [2, 1, 0, 1]
    assert table.loc["time", ["n_units", "n_undecided", "n_machine", "n_human", "n_both"]].tolist() == [2, 1, 2, 1, 1]
    assert table.loc["resistance", ["n_units", "n_undecided", "n_machine", "n_human"]].tolist() == [3, 0, 1, 0]
    assert table.loc["all", ["n_units", "n_undecided"]].tolist() == [7, 2]
    # the pooled decided cells by hand, codes sorted: partners (h1, r2), resistance (h1, r1, r2), time (h1, r1)
    m = [0, 0] + [0, 0, 1] + [1, 1]
    h = [1, 0] + [0, 0, 0] + [0, 1]
    assert table.loc["all", "cohen_kappa"] == pytest.approx(cohen_kappa_score(m, h), abs=1e-12)
    assert table.loc["all", "percent_agreement"] == pytest.approx(4 / 7)
    confusions = confusion_counts(REVIEWED, machine="bot", against="ana")
    assert confusions.values.tolist() == [["partners", "time", 1], ["time", "time", 1], ["none", "resistance", 1]]


def test_without_reviews_nothing_is_undecided():
    table = validate(REVIEWED, machine="bot", against="ana", n_boot=0, include_reviews=False)
    assert table["n_undecided"].tolist() == [0] * len(table)


def test_kappa_of_a_code_neither_coder_used_is_undefined_like_sklearn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = cohen_kappa_score([0, 0, 0, 0], [0, 0, 0, 0])
    assert np.isnan(reference)
    table = validate(CODINGS, machine="bot", against="ana", units=UNITS, codes=["time", "culture_shift"], n_boot=50).set_index(
        "code"
    )
    row = table.loc["culture_shift"]
    assert np.isnan(row["cohen_kappa"]) and np.isnan(row["krippendorff_alpha"])
    assert np.isnan(row["cohen_kappa_ci_low"]) and "undefined" in row["note"]
    assert row["percent_agreement"] == 1.0

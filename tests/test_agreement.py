"""Inter-coder agreement, cross-checked against scikit-learn and the krippendorff package."""

from __future__ import annotations

import logging
from fractions import Fraction

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import cohen_kappa_score

from outcomes_qual.agreement import (
    AGREEMENT_COLUMNS,
    DISAGREEMENT_COLUMNS,
    agreement,
    cohen_kappa,
    disagreements,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from outcomes_qual.errors import InputError

# scikit-learn warns when kappa is undefined (one label only); these tests check that case on purpose
sklearn_undefined = pytest.mark.filterwarnings("ignore:.*label:UserWarning", "ignore::sklearn.exceptions.UndefinedMetricWarning")

SEGMENTS = pd.DataFrame(
    {
        "segment_id": [f"s{i}" for i in range(1, 11)],
        "transcript_id": "fg",
        "turn": range(1, 11),
        "participant_id": ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4", "p5", "fac"],
        "role": ["practitioner"] * 4 + ["senior"] * 4 + ["manager", "facilitator"],
        "text": [f"turn {i} text" for i in range(1, 11)],
    }
)

ANN = pd.DataFrame(
    {
        "segment_id": ["s1", "s2", "s3", "s5", "s6", "s9", "s2"],
        "code": ["time", "time", "partners/health", "time", "partners", "time", "partners"],
        "coder": "ann",
    }
)
BOB = pd.DataFrame(
    {
        "segment_id": ["s1", "s3", "s4", "s5", "s9", "s10"],
        "code": ["time", "partners", "time", "time", "time", "time"],
        "coder": "bob",
    }
)


def vector(codings, code, ids, *, theme=False):
    codes = codings["code"].str.split("/").str[0] if theme else codings["code"]
    coded = set(codings.loc[codes == code, "segment_id"])
    return np.array([int(s in coded) for s in ids])


def test_columns_and_rows():
    table = agreement(ANN, BOB, segments=SEGMENTS)
    assert list(table.columns) == list(AGREEMENT_COLUMNS)
    assert table["code"].tolist() == ["partners", "partners/health", "time", "all"]
    assert set(table["unit"]) == {"segment"}
    assert table["n_units"].tolist() == [9, 9, 9, 27]  # the facilitator turn s10 is not a unit
    assert table["coders"].iloc[0] == "ann, bob"


@sklearn_undefined
@pytest.mark.parametrize("theme", [False, True])
def test_segment_unit_matches_sklearn_and_krippendorff(theme):
    table = agreement(ANN, BOB, segments=SEGMENTS, level="theme" if theme else "code").set_index("code")
    ids = [f"s{i}" for i in range(1, 10)]
    stacked_a, stacked_b = [], []
    for code in table.index[:-1]:
        a, b = vector(ANN, code, ids, theme=theme), vector(BOB, code, ids, theme=theme)
        stacked_a.append(a)
        stacked_b.append(b)
        row = table.loc[code]
        assert row["percent_agreement"] == pytest.approx(np.mean(a == b))
        expected_kappa = cohen_kappa_score(a, b)
        assert row["cohen_kappa"] == pytest.approx(expected_kappa, nan_ok=True)
        if len(set(a) | set(b)) > 1:
            assert row["krippendorff_alpha"] == pytest.approx(
                krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
            )
        assert row["prevalence"] == pytest.approx((a.sum() + b.sum()) / (2 * len(ids)))
    a, b = np.concatenate(stacked_a), np.concatenate(stacked_b)
    assert table.loc["all", "cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert table.loc["all", "krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
    )


def test_exact_values_for_time():
    row = agreement(ANN, BOB, segments=SEGMENTS, codes=["time"]).iloc[0]
    # ann: s1 s2 s5 s9; bob: s1 s4 s5 s9 (s10 is a facilitator turn) -> a=3, b=1, c=1, d=4
    assert row["percent_agreement"] == pytest.approx(7 / 9)
    pe = (4 / 9) * (4 / 9) + (5 / 9) * (5 / 9)
    assert row["cohen_kappa"] == pytest.approx((7 / 9 - pe) / (1 - pe))
    pi = Fraction(8, 18)
    ac1_pe = 2 * pi * (1 - pi)
    assert row["gwet_ac1"] == pytest.approx(float((Fraction(7, 9) - ac1_pe) / (1 - ac1_pe)))
    assert row["positive_agreement"] == pytest.approx(6 / 8)
    assert row["n_coded"] == 5


def test_participant_unit_has_code_if_any_turn_has_it():
    table = agreement(ANN, BOB, segments=SEGMENTS, unit="participant").set_index("code")
    # people p1..p5 (fac excluded); time: ann p1 p3 p5, bob p1 p2 p3 p5
    a, b = np.array([1, 0, 1, 0, 1]), np.array([1, 1, 1, 0, 1])
    assert table.loc["time", "n_units"] == 5
    assert table.loc["time", "unit"] == "participant"
    assert table.loc["time", "cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert table.loc["time", "percent_agreement"] == pytest.approx(0.8)


def test_include_facilitator_counts_that_turn():
    row = agreement(ANN, BOB, segments=SEGMENTS, codes=["time"], include_facilitator=True).iloc[0]
    assert row["n_units"] == 10
    assert row["percent_agreement"] == pytest.approx(7 / 10)  # s10: bob only


@sklearn_undefined
def test_code_nobody_used_and_perfect_agreement(caplog):
    with caplog.at_level(logging.INFO, logger="outcomes_qual.agreement.tables"):
        table = agreement(ANN, ANN.assign(coder="ann2"), segments=SEGMENTS, codes=["time", "resistance"]).set_index("code")
    assert table.loc["time", ["percent_agreement", "cohen_kappa", "krippendorff_alpha", "gwet_ac1"]].tolist() == [
        1.0,
        1.0,
        1.0,
        1.0,
    ]
    unused = table.loc["resistance"]
    assert unused["percent_agreement"] == 1.0 and unused["gwet_ac1"] == 1.0 and unused["prevalence"] == 0.0
    assert np.isnan(unused["cohen_kappa"]) and np.isnan(unused["krippendorff_alpha"])
    assert np.isnan(unused["positive_agreement"])
    assert "every coder gave every unit the same value (0)" in unused["note"]
    assert "resistance" in caplog.text and "undefined" in caplog.text
    # sklearn agrees that kappa is undefined here
    zeros = np.zeros(9, dtype=int)
    assert np.isnan(cohen_kappa_score(zeros, zeros))
    with pytest.raises(ValueError, match="more than one value"):
        krippendorff.alpha(reliability_data=[zeros, zeros], level_of_measurement="nominal")


def test_one_coder_only_is_a_clear_error():
    with pytest.raises(InputError, match=r"at least two coders; the codings name one coder only \(\['ann'\]\)"):
        agreement(ANN, segments=SEGMENTS)
    # the statistics themselves are undefined with one coder, as in the krippendorff package
    one = vector(ANN, "time", [f"s{i}" for i in range(1, 10)])[:, None]
    assert np.isnan(krippendorff_alpha(one)) and np.isnan(cohen_kappa(one)) and np.isnan(percent_agreement(one))
    with pytest.raises(ValueError, match="at least two coders"):
        krippendorff.alpha(reliability_data=one.T, level_of_measurement="nominal")


def test_one_frame_with_two_coders_equals_two_frames():
    both = pd.concat([ANN, BOB], ignore_index=True)
    pd.testing.assert_frame_equal(agreement(both, segments=SEGMENTS), agreement(ANN, BOB, segments=SEGMENTS))


def test_rejected_codings_are_ignored():
    with_rejected = pd.concat(
        [
            ANN.assign(status="accepted"),
            pd.DataFrame({"segment_id": ["s7"], "code": ["time"], "coder": ["ann"], "status": ["rejected"]}),
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(agreement(with_rejected, BOB, segments=SEGMENTS), agreement(ANN, BOB, segments=SEGMENTS))


def test_three_coders_alpha_matches_krippendorff_and_kappa_is_mean_pairwise():
    cat = pd.DataFrame({"segment_id": ["s1", "s2", "s4", "s5", "s9"], "code": "time", "coder": "cat"})
    row = agreement(ANN, BOB, cat, segments=SEGMENTS, codes=["time"]).iloc[0]
    ids = [f"s{i}" for i in range(1, 10)]
    m = np.array([vector(f, "time", ids) for f in (ANN, BOB, cat)])
    assert row["n_coders"] == 3
    assert row["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"))
    pairs = [cohen_kappa_score(m[i], m[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    assert row["cohen_kappa"] == pytest.approx(np.mean(pairs))
    # Fleiss-style observed agreement: share of agreeing pairs per unit
    agree = [(sum(c * (c - 1) for c in np.bincount(col, minlength=2))) / 6 for col in m.T]
    assert row["percent_agreement"] == pytest.approx(np.mean(agree))


def test_human_versus_machine_uses_coder_names():
    machine = BOB.assign(coder="ensemble", method="ensemble", confidence=0.8)
    table = agreement(ANN, machine, segments=SEGMENTS)
    assert table["coders"].iloc[-1] == "ann, ensemble"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"segments": SEGMENTS.drop(columns="participant_id"), "unit": "participant"}, "needs a participant_id"),
        ({"segments": SEGMENTS, "unit": "turn"}, r"unit: expected one of \['segment', 'participant'\]"),
        ({"segments": SEGMENTS, "level": "sub"}, "level: expected one of"),
        (
            {"segments": SEGMENTS.assign(segment_id=SEGMENTS["segment_id"] + "x")},
            r"none of the codings refer to a turn in segments \(e.g. \['s1', 's10', 's2', 's3', 's4'\]\)",
        ),
        ({"segments": pd.DataFrame({"id": [1]})}, "segments: expected a table with a segment_id column"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        agreement(ANN, BOB, **kwargs)


def test_codings_outside_the_sample_are_left_out():
    sample = SEGMENTS.iloc[:4]
    table = agreement(ANN, BOB, segments=sample).set_index("code")
    assert table.loc["time", "n_units"] == 4
    ids = ["s1", "s2", "s3", "s4"]
    assert table.loc["time", "cohen_kappa"] == pytest.approx(
        cohen_kappa_score(vector(ANN, "time", ids), vector(BOB, "time", ids))
    )
    assert "partners" in table.index  # ann's s2 coding is inside; s6 is not
    assert disagreements(ANN, BOB, segments=sample)["segment_id"].tolist() == ["s2", "s3", "s4"]


def test_missing_code_column_names_the_table():
    with pytest.raises(InputError, match=r"codings_b: missing column\(s\) \['code'\]"):
        agreement(ANN, BOB.drop(columns="code"), segments=SEGMENTS)


def test_disagreements_table():
    diff = disagreements(ANN, BOB, segments=SEGMENTS)
    assert list(diff.columns) == list(DISAGREEMENT_COLUMNS)
    assert diff["segment_id"].tolist() == ["s2", "s3", "s4", "s6"]
    row = diff.set_index("segment_id").loc["s2"]
    assert (row["codes_a"], row["codes_b"], row["only_a"], row["only_b"]) == ("partners; time", "", "partners; time", "")
    assert diff.set_index("segment_id").loc["s3", "only_b"] == "partners"
    assert diff["text"].iloc[0] == "turn 2 text" and diff["role"].iloc[0] == "practitioner"
    themes = disagreements(ANN, BOB, segments=SEGMENTS, level="theme", codes=["partners"])
    assert themes["segment_id"].tolist() == ["s2", "s6"]  # s3: health rolls up to partners for both
    assert disagreements(ANN, ANN.assign(coder="x"), segments=SEGMENTS).empty
    with pytest.raises(InputError, match="exactly two coders"):
        disagreements(pd.concat([ANN, BOB, BOB.assign(coder="c")]), segments=SEGMENTS)


def test_disagreements_never_show_speaker_names():
    seg = SEGMENTS.assign(speaker="Ann Jones")
    assert "speaker" not in disagreements(ANN, BOB, segments=seg).columns


@sklearn_undefined
@settings(max_examples=60, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(2, 25), st.just(2)), elements=st.integers(0, 1)))
def test_two_coder_statistics_match_references(ratings):
    a, b = ratings[:, 0], ratings[:, 1]
    assert percent_agreement(ratings) == pytest.approx(np.mean(a == b))
    assert cohen_kappa(ratings) == pytest.approx(cohen_kappa_score(a, b), nan_ok=True)
    if len(np.unique(ratings)) > 1:
        assert krippendorff_alpha(ratings) == pytest.approx(
            krippendorff.alpha(reliability_data=ratings.T, level_of_measurement="nominal")
        )
    else:
        assert np.isnan(krippendorff_alpha(ratings))
    assert -1 <= gwet_ac1(ratings) <= 1


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 20), st.integers(2, 5)), elements=st.sampled_from([0.0, 1.0, 2.0, np.nan])))
def test_alpha_with_missing_and_many_coders_matches_krippendorff(ratings):
    pairable = (~np.isnan(ratings)).sum(axis=1) >= 2
    values = np.unique(ratings[pairable][~np.isnan(ratings[pairable])])
    if len(values) < 2:
        assert np.isnan(krippendorff_alpha(ratings))
        return
    assert krippendorff_alpha(ratings) == pytest.approx(
        krippendorff.alpha(reliability_data=ratings.T, level_of_measurement="nominal")
    )


def test_gwet_ac1_worked_example():
    # two raters, 100 units, counts (both, only first, only second, neither) = (35, 5, 15, 45):
    # pa = 0.80, pi = 90/200 = 0.45, pe = 2 * 0.45 * 0.55 = 0.495, AC1 = 0.305 / 0.505
    r = np.array([[1, 1]] * 35 + [[1, 0]] * 5 + [[0, 1]] * 15 + [[0, 0]] * 45)
    pa = Fraction(80, 100)
    pi = Fraction(35 * 2 + 5 + 15, 200)
    pe = 2 * pi * (1 - pi)
    assert gwet_ac1(r) == pytest.approx(float((pa - pe) / (1 - pe)))
    assert gwet_ac1(r) == pytest.approx(0.60396, abs=1e-5)
    assert gwet_ac1(r) > cohen_kappa(r)  # AC1 is less pulled down by prevalence than kappa


def _ac1_by_hand(matrix, categories=(0, 1)):
    """Gwet's AC1 for any number of raters, written out with exact fractions."""
    units = [[v for v in row if v == v] for row in matrix.tolist()]
    rated = [u for u in units if len(u) >= 1]
    pairable = [u for u in units if len(u) >= 2]
    pa = sum(Fraction(sum(u.count(k) * (u.count(k) - 1) for k in categories), len(u) * (len(u) - 1)) for u in pairable) / len(
        pairable
    )
    pi = {k: sum(Fraction(u.count(k), len(u)) for u in rated) / len(rated) for k in categories}
    pe = sum(p * (1 - p) for p in pi.values()) / (len(categories) - 1)
    return float((pa - pe) / (1 - pe))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 15), st.integers(2, 4)), elements=st.sampled_from([0.0, 1.0, np.nan])))
def test_gwet_ac1_many_coders_matches_the_formula(ratings):
    if not ((~np.isnan(ratings)).sum(axis=1) >= 2).any():
        assert np.isnan(gwet_ac1(ratings))
        return
    assert gwet_ac1(ratings) == pytest.approx(_ac1_by_hand(ratings))


def test_bootstrap_intervals_bracket_the_estimate_and_are_reproducible():
    big = pd.concat([SEGMENTS.assign(segment_id=SEGMENTS["segment_id"] + f"_{k}") for k in range(6)], ignore_index=True)
    ann = pd.concat([ANN.assign(segment_id=ANN["segment_id"] + f"_{k}") for k in range(6)], ignore_index=True)
    bob = pd.concat([BOB.assign(segment_id=BOB["segment_id"] + f"_{k}") for k in range(6)], ignore_index=True)
    table = agreement(ann, bob, segments=big, n_bootstrap=300, random_state=1).set_index("code")
    again = agreement(ann, bob, segments=big, n_bootstrap=300, random_state=1).set_index("code")
    pd.testing.assert_frame_equal(table, again)
    for code in ("time", "all"):
        row = table.loc[code]
        assert row["cohen_kappa_ci_low"] < row["cohen_kappa"] < row["cohen_kappa_ci_high"]
        assert row["krippendorff_alpha_ci_low"] < row["krippendorff_alpha"] < row["krippendorff_alpha_ci_high"]
    assert np.isnan(agreement(ann, bob, segments=big)["cohen_kappa_ci_low"]).all()
    # a code with kappa undefined gets no interval
    unused = agreement(ann, bob, segments=big, codes=["resistance"], n_bootstrap=50).iloc[0]
    assert np.isnan(unused["cohen_kappa_ci_low"]) and np.isnan(unused["cohen_kappa_ci_high"])

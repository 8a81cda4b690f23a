"""EnsembleCoder (the default coder) and autocode: the head, the settings rule, consistency, learning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_coding_base import CB, SEGMENTS

from outcomes_qual import schema
from outcomes_qual.coding import EnsembleCoder, _selection, autocode
from outcomes_qual.corpus import Corpus

#: A tiny training corpus in two batches (written for these tests).
TRAIN = pd.DataFrame(
    {
        "text": [
            "Every assessment means three forms on the computer.",
            "The database crashed and I lost the notes.",
            "Recording the same visit twice on two systems.",
            "The panel sent the budget request back again.",
            "The health visitor and the GP never come to reviews.",
            "School staff would not share what they knew.",
            "The court wanted a report by Monday.",
            "Partners in housing were brilliant this year.",
            "There are not enough hours in the week.",
            "My caseload doubled and deadlines pile up.",
            "I rush every visit because of the next one.",
            "We never get time to sit with a family.",
            "Shall we have a quick break now?",
            "Can everybody hear me at the back?",
            "The typing and the forms take all afternoon.",
            "Our IT system logs me out every hour.",
            "The GP surgery and the hospital ward did not talk.",
            "Education colleagues joined the meeting late.",
            "No time to think, just the next deadline.",
            "Caseloads are too high to do it properly.",
            "Thanks, that is everything from me.",
            "I will pass the biscuits round.",
        ],
        "codes": [
            ["systems_barriers/paperwork_and_it"],
            ["systems_barriers/paperwork_and_it"],
            ["systems_barriers/paperwork_and_it"],
            ["systems_barriers"],
            ["partners"],
            ["partners"],
            ["partners"],
            ["partners"],
            ["time"],
            ["time"],
            ["time"],
            ["time"],
            [],
            [],
            ["systems_barriers/paperwork_and_it"],
            ["systems_barriers/paperwork_and_it"],
            ["partners"],
            ["partners"],
            ["time"],
            ["time", "systems_barriers"],
            [],
            [],
        ],
        "batch": ["a"] * 14 + ["b"] * 8,
    }
)


@pytest.fixture(scope="module")
def ens():
    return EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS)


def test_codebook_alone_uses_the_stated_rule(ens):
    assert ens.settings_["source"] == "rule: no labelled turns (codebook only); confidence not calibrated"
    assert (ens.settings_["semantic_weight"], ens.settings_["keyword_weight"], ens.settings_["margin"]) == (1.0, 1.0, 0.0)
    assert ens.n_training_turns_ == 0 and ens.parts_ == ["head", "semantic-lsa", "keyword"]
    seg = ens._check_input(SEGMENTS)
    vectors = ens.semantic_._embed(seg)
    z_sem, _ = ens.semantic_._z(seg, vectors)
    kw, _ = ens.keyword_._raw(seg)
    np.testing.assert_allclose(ens.decision_function(SEGMENTS).to_numpy(), ens.head_.log_odds(vectors) + z_sem + kw)


def test_no_keywords_in_the_codebook_means_no_keyword_weight():
    from outcomes_qual.codebook import Codebook

    bare = Codebook("bare", tuple(c.__class__(c.key, c.label, c.definition, examples=c.examples) for c in CB))
    coder = EnsembleCoder(codebook=bare, backend="lsa").fit(SEGMENTS)
    assert coder.settings_["keyword_weight"] == 0.0


def test_predictions_and_evidence(ens):
    out = ens.predict(SEGMENTS)
    assert tuple(out.columns) == schema.MACHINE_CODING_COLUMNS
    by = out.set_index(["segment_id", "code"])
    assert by.loc[("t:002", "systems_barriers"), "evidence"] == "keywords: forms; IT system"
    assert by.loc[("t:004", "time"), "evidence"] == "keywords: no time; deadline; caseload"
    assert by.loc[("t:003", "partners"), "evidence"] == "keywords: GP; school"
    # margin 0: one theme per turn; facilitator and filler turns get nothing
    themes = out[~out["code"].str.contains("/")]
    assert themes.groupby("segment_id").size().max() == 1
    assert set(out["segment_id"]) == {"t:002", "t:003", "t:004", "t:006"}


def test_a_substantive_turn_always_gets_its_best_theme_unless_the_evaluator_sets_abstention(ens):
    seg = pd.DataFrame({"segment_id": ["x:1"], "text": ["We talked about the weather and the car park."]})
    assert len(ens.predict(seg)) == 1
    conf = float(ens.predict(seg)["confidence"].iloc[0])
    strict = EnsembleCoder(codebook=CB, backend="lsa", abstain_below=min(conf + 0.01, 1.0)).fit(SEGMENTS)
    assert strict.predict(seg).empty


def test_sub_codes_imply_their_theme_and_never_outrank_it():
    coder = EnsembleCoder(codebook=CB, backend="lsa", training=TRAIN).fit(SEGMENTS)
    out = coder.predict(SEGMENTS)
    proba = coder.predict_proba(SEGMENTS)
    for _, rows in out.groupby("segment_id"):
        conf = dict(zip(rows["code"], rows["confidence"], strict=True))
        for code, c in conf.items():
            if "/" in code:
                theme = code.split("/")[0]
                assert theme in conf and conf[theme] >= c - 1e-12
    kids = [k for k in coder.codes_ if "/" in k]
    assert (proba["systems_barriers"] >= proba[kids].max(axis=1) - 1e-12).all()
    assert ("t:002", "systems_barriers/paperwork_and_it") in set(zip(out["segment_id"], out["code"], strict=True))


def test_a_training_corpus_is_cross_validated_by_batch():
    coder = EnsembleCoder(codebook=CB, backend="lsa", training=TRAIN).fit(SEGMENTS)
    s = coder.settings_
    assert s["source"].startswith("cross-validation over 22 training-corpus turns in 2 batches")
    assert s["training_turns"] == 22 and s["cv_turns"] == 18
    assert (s["semantic_weight"], s["keyword_weight"]) in _selection.WEIGHT_GRID
    assert s["margin"] in _selection.MARGIN_GRID and s["C"] in _selection.C_GRID
    assert coder.parts_ == ["head", "training corpus", "semantic-lsa", "keyword"]
    # a setting the user gives is kept, the others are still chosen
    fixed = EnsembleCoder(codebook=CB, backend="lsa", training=TRAIN, margin=0.25, C=2.0).fit(SEGMENTS)
    assert fixed.settings_["margin"] == 0.25 and fixed.settings_["C"] == 2.0


def test_learning_from_an_evaluator():
    base = EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS)
    seg = base._check_input(SEGMENTS)
    i = seg["segment_id"].tolist().index("t:002")
    before = base.decision_function(SEGMENTS).iloc[i]["partners"]
    # a person codes the forms turn as partners: few turns, so the settings stay and the head learns at weight 3
    taught = (
        EnsembleCoder(codebook=CB, backend="lsa")
        .fit(SEGMENTS)
        .learn(SEGMENTS, pd.DataFrame({"segment_id": ["t:002"], "code": ["partners"]}))
    )
    assert taught.decision_function(SEGMENTS).iloc[i]["partners"] > before + 0.5
    assert taught.n_reviewed_turns_ == 1 and taught.parts_[-3:] == ["reviewed turns", "semantic-lsa", "keyword"]
    assert taught.settings_["review_weight"] == 3.0
    assert "too few to re-choose settings" in taught.settings_["source"]
    odd = pd.DataFrame({"segment_id": ["t:002", "t:003"], "code": ["nope", ""]})
    with pytest.raises(ValueError, match=r"codings: none of the codes \['', 'nope'\] matches"):
        EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS).learn(SEGMENTS, odd)


def test_enough_coded_turns_re_choose_the_settings_by_cross_validation():
    seg = pd.DataFrame(
        {"segment_id": [f"g{k % 3}:{k:03d}" for k in range(len(TRAIN))], "text": TRAIN["text"], "role": "practitioner"}
    )
    codings = pd.DataFrame(
        [(sid, c) for sid, codes in zip(seg["segment_id"], TRAIN["codes"], strict=True) for c in (codes or [""])],
        columns=["segment_id", "code"],
    )
    coder = EnsembleCoder(codebook=CB, backend="lsa").fit(seg, codings)
    assert coder.settings_["source"].startswith("cross-validation over 22 coded turns in 3 folds")
    assert coder.settings_["review_weight"] in _selection.REVIEW_WEIGHT_GRID
    assert coder.n_reviewed_turns_ == 22


def test_autocode_corpus_all_methods():
    corpus = Corpus.from_turns(
        "fg",
        [
            ("Fac", "facilitator", "Tell me about forms and deadlines."),
            ("Ann", "practitioner", "The forms on the IT system eat my day."),
            ("Ben", "senior", "The GP and the school were at the review."),
            ("Cat", "manager", "There is no time, the caseload is huge."),
            ("Dan", "practitioner", "Typing into the database takes forever."),
            ("Eve", "senior", "The court and the health visitor disagreed."),
            ("Fay", "manager", "Deadlines everywhere and no time at all."),
        ],
    )
    expected = {
        "fg:002": "systems_barriers",
        "fg:003": "partners",
        "fg:004": "time",
        "fg:005": "systems_barriers",
        "fg:006": "partners",
        "fg:007": "time",
    }
    for method in ("keyword", "semantic", "ensemble"):
        out = autocode(corpus, CB, method=method, backend="lsa")
        themes = out[~out["code"].str.contains("/")]
        assert themes.groupby("segment_id")["code"].first().to_dict() == expected, method
    train = pd.DataFrame({"segment_id": list(expected), "code": list(expected.values())})
    sup = autocode(corpus, CB, method="supervised", train=train, backend="lsa", coder="model-a")
    assert (sup["coder"] == "model-a").all() and set(sup["method"]) == {"supervised"}
    assert sup[~sup["code"].str.contains("/")].groupby("segment_id")["code"].first().to_dict() == expected
    ens = autocode(corpus, CB, train=train, backend="lsa")
    assert set(ens["segment_id"]) == set(expected)


def test_exclusion_criteria_teach_the_head_where_the_talk_belongs():
    from outcomes_qual.codebook import Code, Codebook

    def book(exclude):
        return Codebook(
            "demo",
            (
                Code(
                    "time",
                    "Time",
                    "Not enough time for families.",
                    exclude=exclude,
                    examples=("Caseloads leave no time for a proper visit.",),
                ),
                Code(
                    "systems_barriers",
                    "Systems",
                    "Forms and IT systems get in the way.",
                    examples=("The database logs me out and the forms take all day.",),
                ),
            ),
        )

    seg = pd.DataFrame({"segment_id": ["s1"], "text": ["Counting visits against a target every week."]})
    plain = EnsembleCoder(codebook=book(()), backend="lsa", cache=False).fit(seg)
    taught = EnsembleCoder(
        codebook=book(("Counting visits against a target (code systems_barriers)",)), backend="lsa", cache=False
    ).fit(seg)
    # the criterion is a training row of systems_barriers, not of time: two more rows than the codebook's texts
    assert len(taught._text_X) == len(plain._text_X) + 1
    codes = list(taught.codes_)
    assert taught._text_Y[-1].tolist() == [int(c == "systems_barriers") for c in codes]
    lo = taught.head_.log_odds(taught.semantic_._embed(seg))[0]
    lo0 = plain.head_.log_odds(plain.semantic_._embed(seg))[0]
    j_sys, j_time = codes.index("systems_barriers"), codes.index("time")
    assert lo[j_sys] - lo[j_time] > lo0[j_sys] - lo0[j_time]


def test_settings_in_force_are_kept_unless_cross_validation_beats_them_clearly():
    rng = np.random.default_rng(0)
    n = 60
    Y = np.zeros((n, 2), dtype=int)
    Y[np.arange(n), rng.integers(0, 2, n)] = 1
    noise = rng.normal(size=(n, 2))
    kw = np.zeros((n, 2))
    cols = np.array([0, 1])
    # head and semantic scores are both noise: whichever weight looks best is luck, so the incumbent stays
    z_noise = rng.normal(size=(n, 2))
    grid = dict(has_keywords=False, source="t", semantic_grid=(0.0, 0.25, 1.0, 2.0), margin_grid=(0.0,))
    free = _selection.select({(2.0, 3.0): noise}, Y, z_noise, kw, cols, **grid)
    assert free.semantic_weight != 1.0  # without an incumbent the luckiest weight wins
    got = _selection.select({(2.0, 3.0): noise}, Y, z_noise, kw, cols, **grid, incumbent=(2.0, 3.0, 1.0, 0.0, 0.0))
    assert got.semantic_weight == 1.0 and "kept the settings in force" in got.source
    # scores that carry the labels: a real gain is taken even against the incumbent
    strong = noise * 0.1 + 3 * Y
    z_bad = -3 * Y.astype(float)
    got = _selection.select(
        {(2.0, 3.0): strong},
        Y,
        z_bad,
        kw,
        cols,
        has_keywords=False,
        source="t",
        semantic_grid=(0.0, 1.0),
        incumbent=(2.0, 3.0, 1.0, 0.0, 0.0),
    )
    assert got.semantic_weight == 0.0 and "kept" not in got.source

"""suggest_next, the rank rule, the uncertain flag and learning from coded turns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_coding_base import CB, CODINGS, SEGMENTS

from outcomes_qual import schema
from outcomes_qual.coding import EnsembleCoder, autocode, boundary_distance, suggest_next
from outcomes_qual.coding._selection import decide_themes

MORE = pd.DataFrame(
    {
        "segment_id": [f"m{i:02d}" for i in range(12)],
        "text": [
            "The forms on the IT system take all morning.",
            "The database crashed again during recording.",
            "The GP and the school both came along.",
            "The court asked for a list of risks.",
            "No time at all this week, the caseload is huge.",
            "Deadlines everywhere, no time to visit.",
            "The school nurse rang about the deadline for the forms.",
            "We talked about the weather.",
            "The panel said no to the budget.",
            "Caseload pressure means rushing visits.",
            "The GP surgery would not share records.",
            "The IT system and the deadline, both awful.",
        ],
    }
)


@pytest.fixture(scope="module")
def ens():
    return EnsembleCoder(codebook=CB, backend="lsa").fit(MORE)


def test_decide_themes_exact():
    z = np.array([[2.0, 1.8, 1.0], [-0.5, -0.2, -1.0], [0.3, 0.0, 0.29]])
    # the best theme always (no floor: a turn with content words is never left without one); others within the margin
    assert decide_themes(z, margin=0.25).astype(int).tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert decide_themes(np.zeros((2, 0)), margin=0.25).shape == (2, 0)


def test_predict_follows_the_rule_and_flags_uncertain(ens):
    out = ens.predict(MORE)
    assert tuple(out.columns) == schema.MACHINE_CODING_COLUMNS
    z = ens.decision_function(MORE)[ens.themes_]
    codable = [sid for sid in z.index if sid != "m07" or sid in set(out["segment_id"])]
    expected = decide_themes(z.to_numpy(), margin=ens.settings_["margin"])
    themes = out[~out["code"].str.contains("/")]
    got = {(s, c) for s, c in zip(themes["segment_id"], themes["code"], strict=True)}
    want = {(sid, t) for i, sid in enumerate(z.index) for j, t in enumerate(ens.themes_) if expected[i, j] and sid in codable}
    assert got == want
    # a theme's confidence is the logistic of its score (at least its best sub-code's); uncertain below review_below
    zt, slope = ens.settings_["z_threshold"], ens.settings_["slope"]
    conf = 1 / (1 + np.exp(-slope * (z.to_numpy() - zt)))
    for r in themes.itertuples():
        assert r.confidence >= conf[list(z.index).index(r.segment_id), ens.themes_.index(r.code)] - 1e-12
        assert r.uncertain == (r.confidence < ens.review_below)
    strict = EnsembleCoder(codebook=CB, backend="lsa", review_below=1.0).fit(MORE).predict(MORE)
    assert strict["uncertain"].all()
    lax = EnsembleCoder(codebook=CB, backend="lsa", review_below=0.0).fit(MORE).predict(MORE)
    assert not lax["uncertain"].any()


def test_keyword_damping_counts_corpus_share():
    from outcomes_qual.coding import KeywordCoder

    many = pd.DataFrame(
        {"segment_id": [f"d{i}" for i in range(40)], "text": ["The forms again."] * 30 + ["No time, the deadline."] * 10}
    )
    plain = KeywordCoder(codebook=CB).fit(many)
    damped = KeywordCoder(codebook=CB, df_damping=(0.05, 0.5)).fit(many)
    # "forms" is in 75% of the turns: past the upper bound, it counts for nothing
    assert plain.match_terms(many.iloc[:1])["score"].max() > 0
    assert damped.match_terms(many.iloc[:1]).empty or damped.match_terms(many.iloc[:1])["score"].max() == 0
    # "no time" / "deadline" are in 25%: weight 1 - (0.25 - 0.05) / 0.45
    factor = 1 - (0.25 - 0.05) / 0.45
    row = damped.match_terms(many.iloc[30:31]).set_index("code").loc["time", "score"]
    assert row == pytest.approx(plain.match_terms(many.iloc[30:31]).set_index("code").loc["time", "score"] * factor)
    # too few turns: no damping at all
    assert KeywordCoder(codebook=CB, df_damping=(0.05, 0.5)).fit(many.iloc[:10]).term_damping_ == {}
    with pytest.raises(ValueError, match="df_damping"):
        KeywordCoder(codebook=CB, df_damping=(0.6, 0.5)).fit(many)


def test_suggest_next_skips_coded_and_is_deterministic(ens):
    coded = pd.DataFrame({"segment_id": ["m00", "m04"], "code": ["systems_barriers", "time"]})
    a = suggest_next(MORE, CB, coded=coded, n=4, backend="lsa")
    b = suggest_next(MORE, CB, coded=coded, n=4, backend="lsa")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["rank", "segment_id", "uncertainty", "reason"]
    assert a["rank"].tolist() == [1, 2, 3, 4]
    assert not set(a["segment_id"]) & {"m00", "m04"}
    assert a["segment_id"].is_unique


def test_suggest_uncertainty_orders_by_boundary_distance(ens):
    picks = suggest_next(MORE, coder=ens, n=len(MORE), strategy="uncertainty")
    z = ens.decision_function(MORE)[ens.themes_].to_numpy()
    dist = boundary_distance(z, floor=-np.inf, margin=ens.settings_["margin"])
    expected = [MORE["segment_id"][i] for i in np.argsort(dist, kind="stable")]
    assert picks["segment_id"].tolist() == expected
    assert np.all(np.diff(picks["uncertainty"].to_numpy()) >= 0)


def test_suggest_diversity_moves_away_from_coded(ens):
    coded = pd.DataFrame({"segment_id": ["m04"], "code": ["time"]})
    picks = suggest_next(MORE, coder=ens, coded=coded, n=3, strategy="diversity")
    vectors = ens.semantic_.embedder_.transform(MORE["text"].tolist())
    first = MORE.index[MORE["segment_id"] == picks["segment_id"].iloc[0]][0]
    sims = vectors @ vectors[4]
    others = [i for i in range(len(MORE)) if i != 4]
    assert sims[first] == pytest.approx(min(sims[others]))


def test_suggest_next_bad_arguments(ens):
    with pytest.raises(ValueError, match="strategy: expected one of"):
        suggest_next(MORE, coder=ens, strategy="loudest")
    with pytest.raises(ValueError, match="n: expected a positive"):
        suggest_next(MORE, coder=ens, n=0)
    with pytest.raises(ValueError, match="codebook: needed"):
        suggest_next(MORE)


def test_learn_keeps_the_zero_shot_parts():
    ens = EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS)
    semantic, keyword, head = ens.semantic_, ens.keyword_, ens.head_
    ens.learn(SEGMENTS, CODINGS)
    assert ens.semantic_ is semantic and ens.keyword_ is keyword and ens.head_ is not head
    assert "reviewed turns" in ens.parts_ and ens.n_reviewed_turns_ == 4
    with pytest.raises(ValueError, match="none of their segment_id"):
        ens.learn(SEGMENTS, pd.DataFrame({"segment_id": ["zzz"], "code": ["time"]}))
    # autocode(train=...) is the one call for the same
    direct = ens.predict(SEGMENTS)
    via = autocode(SEGMENTS, CB, train=CODINGS, backend="lsa")
    pd.testing.assert_frame_equal(direct.reset_index(drop=True), via.reset_index(drop=True))

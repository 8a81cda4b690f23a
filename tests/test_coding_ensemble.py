"""EnsembleCoder and autocode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.coding import EnsembleCoder, autocode
from outcomes_qual.corpus import Corpus

from test_coding_base import CB, CODINGS, SEGMENTS


@pytest.fixture(scope="module")
def ens():
    return EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS)


def test_combined_score_is_semantic_plus_weighted_keywords(ens):
    z = ens.decision_function(SEGMENTS)
    seg = ens._check_input(SEGMENTS)
    kw, _ = ens.keyword_._raw(seg)
    z_sem, _ = ens.semantic_._z(seg)
    lo = ens.classifier_.log_odds(ens.semantic_._embed(seg), ens.codes_)
    np.testing.assert_allclose(z.to_numpy(), z_sem + 0.5 * lo + 1.25 * kw)
    assert ens.parts_ == ["keyword", "semantic-lsa"] and ens.supervised_ is None


def test_predictions_and_evidence(ens):
    out = ens.predict(SEGMENTS)
    by = out.set_index(["segment_id", "code"])
    assert by.loc[("t:002", "systems_barriers"), "evidence"] == "keywords: forms; IT system"
    assert ("t:002", "systems_barriers/paperwork_and_it") in by.index
    assert by.loc[("t:004", "time"), "evidence"] == "keywords: no time; deadline; caseload"
    # a mixed turn (time 2.95, systems 2.38, partners 1.27): by rank, only the themes within the margin of the best ...
    assert set(out.loc[out["segment_id"] == "t:006", "code"]) == {"time"}
    wider = EnsembleCoder(codebook=CB, backend="lsa", margin=0.75).fit(SEGMENTS).predict(SEGMENTS)
    assert set(wider.loc[wider["segment_id"] == "t:006", "code"]) == {"time", "systems_barriers", "systems_barriers/paperwork_and_it"}
    # ... and all three with a heavier keyword weight and a wide margin
    heavy = EnsembleCoder(codebook=CB, backend="lsa", keyword_weight=3.0, margin=10.0).fit(SEGMENTS).predict(SEGMENTS)
    assert {"partners", "time", "systems_barriers"} <= set(heavy.loc[heavy["segment_id"] == "t:006", "code"])
    assert "t:005" not in set(out["segment_id"])
    assert out["method"].unique().tolist() == ["ensemble"]


def test_fit_with_codings_adds_supervised():
    ens = EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS, CODINGS)
    assert ens.parts_ == ["keyword", "semantic-lsa", "supervised"]
    assert set(ens.supervised_.models_) == {"systems_barriers", "systems_barriers/paperwork_and_it", "partners", "time"}
    assert tuple(ens.predict(SEGMENTS).columns) == schema.MACHINE_CODING_COLUMNS
    # the supervised log-odds count by n / (n + 5), n = coded turns per code
    weights = dict(zip(ens.codes_, ens._supervised_weights()))
    assert weights["time"] == pytest.approx(2 / 7) and weights["partners"] == pytest.approx(2 / 7)
    assert weights["systems_barriers"] == pytest.approx(2 / 7)
    seg = ens._check_input(SEGMENTS)
    z_sem, _ = ens.semantic_._z(seg)
    kw, _ = ens.keyword_._raw(seg)
    p = np.clip(ens.supervised_._scores(seg)[0], 1e-3, 1 - 1e-3)
    lo = ens.classifier_.log_odds(ens.semantic_._embed(seg), ens.codes_)
    expected = z_sem + 0.5 * lo + 1.25 * kw + np.array(list(weights.values())) * np.log(p / (1 - p))
    np.testing.assert_allclose(ens.decision_function(SEGMENTS).to_numpy(), expected)


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
    expected = {"fg:002": "systems_barriers", "fg:003": "partners", "fg:004": "time",
                "fg:005": "systems_barriers", "fg:006": "partners", "fg:007": "time"}
    for method in ("keyword", "semantic", "ensemble"):
        out = autocode(corpus, CB, method=method, backend="lsa")
        themes = out[~out["code"].str.contains("/")]
        assert themes.groupby("segment_id")["code"].first().to_dict() == expected, method
    train = pd.DataFrame({"segment_id": list(expected), "code": list(expected.values())})
    sup = autocode(corpus, CB, method="supervised", train=train, backend="lsa", coder="model-a")
    assert (sup["coder"] == "model-a").all() and set(sup["method"]) == {"supervised"}
    sup_themes = sup[~sup["code"].str.contains("/")].groupby("segment_id")["code"].first().to_dict()
    assert sup_themes == expected
    ens = autocode(corpus, CB, train=train, backend="lsa")
    assert set(ens["segment_id"]) == set(expected)


def test_codebook_classifier_log_odds_enter_themes_only(ens):
    seg = ens._check_input(SEGMENTS)
    vectors = ens.semantic_._embed(seg)
    z_sem, _ = ens.semantic_._z(seg, vectors)
    kw, _ = ens.keyword_._raw(seg)
    lo = ens.classifier_.log_odds(vectors, ens.codes_)
    children = [j for j, c in enumerate(ens.codes_) if "/" in c]
    assert children and not lo[:, children].any()
    assert lo[:, [j for j, c in enumerate(ens.codes_) if "/" not in c]].std() > 0
    np.testing.assert_allclose(ens.decision_function(SEGMENTS).to_numpy(), z_sem + 0.5 * lo + 1.25 * kw)
    off = EnsembleCoder(codebook=CB, backend="lsa", classifier_weight=0.0).fit(SEGMENTS)
    np.testing.assert_allclose(off.decision_function(SEGMENTS).to_numpy(), z_sem + 1.25 * kw)


def test_learning_refits_the_codebook_classifier_with_coded_turns():
    base = EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS)
    seg = base._check_input(SEGMENTS)
    vectors = base.semantic_._embed(seg)
    before = base.classifier_.log_odds(vectors, ["partners"])[:, 0]
    # a person codes the forms turn (t:002) as partners: the classifier moves that turn towards partners
    taught = EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS).learn(
        SEGMENTS, pd.DataFrame({"segment_id": ["t:002"], "code": ["partners"]})
    )
    after = taught.classifier_.log_odds(vectors, ["partners"])[:, 0]
    i = seg["segment_id"].tolist().index("t:002")
    assert after[i] > before[i] + 1.0
    # the same with classifier_learn_weight=0: the classifier stays zero-shot (same coefficients)
    still = EnsembleCoder(codebook=CB, backend="lsa", classifier_learn_weight=0).fit(SEGMENTS).learn(
        SEGMENTS, pd.DataFrame({"segment_id": ["t:002"], "code": ["partners"]})
    )
    np.testing.assert_allclose(still.classifier_.model_.coef_, base.classifier_.model_.coef_)
    # codings that name no code of the codebook: a clear message, nothing learned
    odd = pd.DataFrame({"segment_id": ["t:002", "t:003"], "code": ["nope", ""]})
    with pytest.raises(ValueError, match=r"codings: none of the codes \['', 'nope'\] matches"):
        EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS).learn(SEGMENTS, odd)

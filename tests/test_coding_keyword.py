"""KeywordCoder: word boundaries, stems, acronyms, phrases, weights, evidence."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.codebook import Code, Codebook, load_codebook
from outcomes_qual.coding import KeywordCoder
from outcomes_qual.coding.keyword import keyword_probability

CB = Codebook(
    "kw",
    (
        Code("systems_barriers", "Systems", "Systems.", keywords=("form", "IT system", "IT")),
        Code("systems_barriers/paperwork_and_it", "Paperwork", "Paperwork.", keywords=("paperwork",)),
        Code("partners", "Partners", "Agencies.", keywords=("GP", "family support", "school")),
        Code("time", "Time", "Time.", keywords=("takes time", "caseload", "school")),
    ),
)


def code(texts):
    seg = pd.DataFrame({"segment_id": [f"s{i}" for i in range(len(texts))], "text": texts})
    return KeywordCoder(codebook=CB).fit(seg).predict(seg)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Filling in forms all day.", [("systems_barriers", "keywords: form")]),
        ("The information is here.", []),  # 'form' inside 'information' is not a match
        ("It is what it is.", []),  # pronoun 'it' is not the IT system
        ("The IT system crashed.", [("systems_barriers", "keywords: IT system; IT")]),
        ("Change is taking time.", [("time", "keywords: takes time")]),
        ("Caseloads are rising.", [("time", "keywords: caseload")]),
        ("The gp surgery rang.", []),  # acronyms match in capitals only
        ("The GP surgery rang.", [("partners", "keywords: GP")]),
        ("Family supports matter.", [("partners", "keywords: family support")]),
        (
            "So much paperwork.",
            [("systems_barriers", "keywords: paperwork"), ("systems_barriers/paperwork_and_it", "keywords: paperwork")],
        ),
        ("Only the school.", []),  # shared by two themes: half weight, below threshold alone
    ],
)
def test_keyword_matches(text, expected):
    out = code([text])
    assert list(zip(out["code"], out["evidence"], strict=True)) == expected


def test_scores_weights_and_probabilities():
    seg = pd.DataFrame({"segment_id": ["a"], "text": ["The school and the GP; it takes time."]})
    coder = KeywordCoder(codebook=CB).fit(seg)
    terms = coder.match_terms(seg).set_index("code")
    assert terms.loc["partners", "score"] == pytest.approx(1.0 + 0.5)
    assert terms.loc["time", "score"] == pytest.approx(1.5 + 0.5)
    assert terms.loc["partners", "terms"] == "GP; school"
    proba = coder.predict_proba(seg)
    assert proba.loc["a", "partners"] == pytest.approx(keyword_probability(1.5))
    assert proba.loc["a", "systems_barriers"] == 0.0
    assert dict(coder.terms_["time"])["school"] == pytest.approx(0.5)


def test_confidence_and_method_columns():
    out = code(["Caseloads and the form."])
    assert out["method"].unique().tolist() == ["keyword"]
    assert out.set_index("code").loc["time", "confidence"] == pytest.approx(keyword_probability(1.0))


def test_shipped_codebook_codes_plain_turns(codebook_path):
    cb = load_codebook(codebook_path)
    seg = pd.DataFrame(
        {
            "segment_id": ["a", "b", "c"],
            "text": [
                "The assessment template on the database asks for services first.",
                "The district nurse and the head teacher came to the core group.",
                "Honestly I have no time with a caseload of thirty.",
            ],
        }
    )
    out = KeywordCoder(codebook=cb).fit(seg).predict(seg)
    themes = out[~out["code"].str.contains("/")].groupby("segment_id")["code"].apply(set).to_dict()
    assert "systems_barriers" in themes["a"]
    assert "partners" in themes["b"]
    assert "time" in themes["c"]
    assert "systems_barriers/paperwork_and_it" in set(out.loc[out["segment_id"] == "a", "code"])
    assert "partners/health" in set(out.loc[out["segment_id"] == "b", "code"])

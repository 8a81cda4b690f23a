"""Coder contract (clone / fit / predict / NotFittedError) and shared decision rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from outcomes_qual import schema
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.coding import (
    EnsembleCoder,
    KeywordCoder,
    SemanticCoder,
    SupervisedCoder,
    as_segments,
    autocode,
    make_coder,
    theme_labels,
)
from outcomes_qual.corpus import Corpus

CB = Codebook(
    "mini",
    (
        Code(
            "systems_barriers",
            "Systems barriers",
            "Forms, IT systems, panels and budgets that get in the way.",
            keywords=("forms", "IT system", "panel", "budget"),
            examples=("The forms on the IT system take hours.", "The panel turned the budget request down."),
        ),
        Code(
            "systems_barriers/paperwork_and_it",
            "Paperwork and IT",
            "Forms, recording and IT systems.",
            keywords=("forms", "IT system", "database"),
            examples=("Typing the same thing into the database three times.",),
        ),
        Code(
            "partners",
            "Partners",
            "Other agencies such as health, schools and courts.",
            keywords=("GP", "school", "court"),
            examples=("The GP and the school came to the review.", "The court wants a list of risks."),
        ),
        Code(
            "time",
            "Time",
            "Not enough time; caseloads and deadlines.",
            keywords=("no time", "deadline", "caseload"),
            examples=("I never have enough time with families.", "Deadlines and caseloads leave no time."),
        ),
    ),
)

SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["t:001", "t:002", "t:003", "t:004", "t:005", "t:006"],
        "role": ["facilitator", "practitioner", "senior", "manager", "practitioner", "senior"],
        "text": [
            "What gets in the way of the forms?",
            "The forms on the IT system take all morning.",
            "The GP never reads our reports, and the school is the same.",
            "There is no time; my caseload is huge and the deadline is Friday.",
            "Right.",
            "The forms are slow and I had no time to visit the GP.",
        ],
    }
)

CODINGS = pd.DataFrame(
    {
        "segment_id": ["t:002", "t:002", "t:003", "t:004", "t:006", "t:006", "t:006"],
        "code": [
            "systems_barriers",
            "systems_barriers/paperwork_and_it",
            "partners",
            "time",
            "systems_barriers/paperwork_and_it",
            "time",
            "partners",
        ],
    }
)


def _coders():
    return [
        KeywordCoder(codebook=CB),
        SemanticCoder(codebook=CB, backend="lsa"),
        SupervisedCoder(codebook=CB, backend="lsa", min_positive=1),
        EnsembleCoder(codebook=CB, backend="lsa"),
    ]


@pytest.mark.parametrize("coder", _coders(), ids=lambda c: type(c).__name__)
def test_contract_clone_fit_predict(coder):
    params = coder.get_params()
    copy = clone(coder)
    assert copy.get_params() == params and copy is not coder
    with pytest.raises(NotFittedError):
        coder.predict(SEGMENTS)
    with pytest.raises(NotFittedError):
        coder.predict_proba(SEGMENTS)
    assert coder.fit(SEGMENTS, CODINGS) is coder
    assert coder.get_params() == params  # fit does not touch parameters
    proba = coder.predict_proba(SEGMENTS)
    assert list(proba.columns) == CB.keys()
    assert proba.index.tolist() == ["t:002", "t:003", "t:004", "t:005", "t:006"]  # facilitator skipped
    assert ((proba.to_numpy() >= 0) & (proba.to_numpy() <= 1)).all()
    out = coder.predict(SEGMENTS)
    assert tuple(out.columns) == schema.MACHINE_CODING_COLUMNS
    assert "t:001" not in set(out["segment_id"])
    assert (out["coder"] == "outcomes_qual").all()
    # every sub-code row sits under a theme row of the same segment
    pairs = set(zip(out["segment_id"], out["code"], strict=True))
    for sid, code in pairs:
        if "/" in code:
            assert (sid, code.split("/")[0]) in pairs
    assert clone(coder).get_params() == params


def test_include_facilitator_codes_facilitator_turns():
    out = KeywordCoder(codebook=CB, include_facilitator=True).fit(SEGMENTS).predict(SEGMENTS)
    assert "t:001" in set(out["segment_id"])


def test_as_segments_accepts_id_column_and_corpus_and_names_bad_input():
    frame = as_segments(pd.DataFrame({"id": [7, 8], "text": ["a", "b"]}))
    assert frame["segment_id"].tolist() == ["7", "8"] and frame["role"].tolist() == ["unknown", "unknown"]
    corpus = Corpus.from_turns("fg", [("F", "facilitator", "Q?"), ("A", "senior", "Answer.")])
    assert as_segments(corpus)["segment_id"].tolist() == ["fg:002"]
    with pytest.raises(ValueError, match="segments: missing column\\(s\\) 'text'"):
        as_segments(pd.DataFrame({"segment_id": ["a"]}))
    with pytest.raises(ValueError, match="segment_id must be unique"):
        as_segments(pd.DataFrame({"segment_id": ["a", "a"], "text": ["x", "y"]}))
    with pytest.raises(TypeError, match="expected a DataFrame"):
        as_segments(["a"])


def test_theme_labels_roll_sub_codes_up():
    Y = theme_labels(
        CODINGS, ["t:002", "t:006", "zz"], ["systems_barriers", "systems_barriers/paperwork_and_it", "partners", "time"]
    )
    assert Y.tolist() == [[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]]


def test_make_coder_and_autocode_errors():
    with pytest.raises(ValueError, match=r"method: expected one of .*got 'magic'"):
        make_coder("magic", CB)
    with pytest.raises(ValueError, match="train: the supervised method needs human codings"):
        autocode(SEGMENTS, CB, method="supervised")
    with pytest.raises(TypeError, match="codebook: expected a Codebook or a path"):
        autocode(SEGMENTS, 42, method="keyword")


def test_empty_input_gives_empty_codings():
    coder = KeywordCoder(codebook=CB).fit(SEGMENTS)
    empty = SEGMENTS.iloc[:0]
    out = coder.predict(empty)
    assert tuple(out.columns) == schema.MACHINE_CODING_COLUMNS and len(out) == 0
    assert coder.predict_proba(empty).shape == (0, len(CB))
    assert np.isfinite(SemanticCoder(codebook=CB, backend="lsa").fit(SEGMENTS).predict_proba(empty).to_numpy()).all()

"""Exemplar quotes: selection, trimming, attribution by role and context, never by name."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes_qual.analysis import exemplar_quotes, trim_quote
from outcomes_qual.analysis.quotes import attribution, authority_aliases, personal_names, scrub_names
from outcomes_qual.corpus import Corpus

LONG = (
    "We used to fill the forms before we had even met the family. "
    "Now the conversation comes first and the paperwork follows. "
    "It took a year before the panel accepted that way of writing. "
    "Honestly the IT system still asks for deficits in every box. "
    "Gwen said the same thing at the last team meeting."
)


def corpus_and_codings():
    a = Corpus.from_turns(
        "fg1",
        [
            ("Facilitator", "facilitator", "What about the forms and the system, how do they help or hinder you?"),
            ("Gwen Morgan", "practitioner", LONG),
            ("Alun", "practitioner", "The forms are endless and the system crashes whenever we try to save a plan."),
            ("Gwen Morgan", "practitioner", "Forms again, the forms take hours of every single week we have."),
            ("Bryn", "senior", "From where I sit the new forms are shorter than they were two years ago, to be fair."),
            ("Alun", "practitioner", "Forms."),
        ],
        authority="Glanafon",
    )
    b = Corpus.from_turns(
        "int1",
        [("Ceri", "practitioner", "In my interview I would say the forms still ask about deficits more than strengths.")],
        method="interview",
        authority="Aberdyffryn",
    )
    corpus = Corpus.concat([a, b])
    codings = pd.DataFrame(
        {
            "segment_id": ["fg1:001", "fg1:002", "fg1:003", "fg1:004", "fg1:005", "fg1:006", "int1:001"],
            "code": "systems_barriers/paperwork_and_it",
            "confidence": [0.99, 0.9, 0.8, 0.95, 0.7, 0.99, 0.6],
            "evidence": ["forms", "IT system", "forms; system", "forms", "forms", "forms", "forms"],
        }
    )
    return corpus, codings


def test_selection_diversity_and_attribution():
    corpus, codings = corpus_and_codings()
    q = exemplar_quotes(corpus, codings, k=3)
    assert list(q.columns) == [
        "code",
        "role",
        "rank",
        "segment_id",
        "transcript_id",
        "quote",
        "attribution",
        "confidence",
        "n_chars",
    ]
    assert set(q["code"]) == {"systems_barriers"}
    prac = q[q["role"] == "practitioner"]
    assert prac["rank"].tolist() == [1, 2, 3]
    # three different speakers before anyone is quoted twice; "Forms." is too short; facilitator never quoted
    assert set(prac["segment_id"]) == {"fg1:002", "fg1:003", "int1:001"}
    assert "fg1:001" not in set(q["segment_id"]) and "fg1:006" not in set(q["segment_id"])
    assert set(prac["attribution"]) == {"Practitioner, Glanafon, focus group", "Practitioner, Aberdyffryn, interview"}
    senior = q[q["role"] == "senior"]
    assert senior["attribution"].tolist() == ["Senior, Glanafon, focus group"]


def test_long_turn_trimmed_and_names_scrubbed():
    corpus, codings = corpus_and_codings()
    q = exemplar_quotes(corpus, codings, k=3, max_chars=200)
    quote = q.set_index("segment_id").loc["fg1:002", "quote"]
    assert len(quote) <= 200
    assert quote.endswith("…") or quote.endswith(".")
    full = exemplar_quotes(corpus, codings, k=3).set_index("segment_id").loc["fg1:002", "quote"]
    assert "Gwen" not in full and "[name] said the same thing" in full
    for col in q.columns:
        assert not q[col].astype(str).str.contains("Gwen|Morgan|Alun|Bryn|Ceri").any(), col


def test_alias_authorities():
    corpus, codings = corpus_and_codings()
    q = exemplar_quotes(corpus, codings, k=1, alias_authorities=True)
    assert set(q["attribution"]) == {"Practitioner, Authority B, focus group", "Senior, Authority B, focus group"}
    assert authority_aliases(["B", "A", "C"]) == {"A": "Authority A", "B": "Authority B", "C": "Authority C"}
    assert authority_aliases([f"x{i:02d}" for i in range(28)])["x27"] == "Authority AB"


def test_trim_focus_on_evidence():
    out = trim_quote(LONG, max_chars=130, focus=["IT system"])
    assert out.startswith("… ") and "IT system" in out and len(out) <= 130


@given(st.text(min_size=0, max_size=600), st.integers(min_value=20, max_value=400))
def test_trim_never_exceeds_limit(text, limit):
    assert len(trim_quote(text, max_chars=limit)) <= limit


def test_names_helpers():
    assert personal_names(["Practitioner 2", "Gwen Morgan", "SENIOR", "(BH)", None]) == ["Gwen", "Gwen Morgan", "Morgan"]
    assert scrub_names("gwen’s point, and Gwenllian's", ["Gwen"]) == "[name]’s point, and Gwenllian's"
    assert attribution("manager") == "Manager"


def test_bad_k():
    corpus, codings = corpus_and_codings()
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        exemplar_quotes(corpus, codings, k=0)

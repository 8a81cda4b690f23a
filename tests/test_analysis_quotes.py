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
        "reviewed",
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


# ------------------------------------------------------------ the coding the report trusts
TRUST_TEXTS = {
    "a": "The new panel lets us write the plan in the family's own words, and that changed how we work with them.",
    "b": "Writing outcomes with people rather than for them is now just what we do here, every single visit.",
    "c": "We stopped listing services and started asking people what a good day looks like for them now.",
}


def trust_corpus():
    return Corpus.from_turns(
        "fg",
        [("F", "facilitator", "What has changed?")] + [(f"P{i}", "practitioner", t) for i, t in enumerate(TRUST_TEXTS.values())],
        authority="Glanafon",
    )


def trust_codings():
    """fg:002 accepted at 0.55, fg:003 pending at 0.95, fg:004 a pending 0.99 a person rejected."""
    return pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:003", "fg:004"],
            "code": "culture_shift",
            "coder": "outcomes_qual",
            "method": "ensemble",
            "confidence": [0.55, 0.95, 0.99],
            "status": ["accepted", "suggested", "rejected"],
            "reviewed_by": ["ana", None, "ana"],
        }
    )


def test_reviewed_coding_beats_a_more_confident_unreviewed_one():
    q = exemplar_quotes(trust_corpus(), trust_codings(), k=3)
    assert q["segment_id"].tolist() == ["fg:002", "fg:003"]  # the rejected fg:004 is never quoted
    assert q["reviewed"].tolist() == [True, False]
    assert q["rank"].tolist() == [1, 2]


def test_a_persons_own_coding_is_reviewed_and_rejected_is_never_quoted():
    cod = trust_codings()
    cod.loc[0, ["coder", "method", "confidence", "reviewed_by"]] = ["ana", "manual", None, None]
    q = exemplar_quotes(trust_corpus(), cod, k=1)
    assert q["segment_id"].tolist() == ["fg:002"]
    assert q["reviewed"].tolist() == [True]
    # every coding rejected: nothing to quote
    assert exemplar_quotes(trust_corpus(), cod.assign(status="rejected")).empty


def test_unreviewed_suggestion_under_a_theme_a_person_rejected_is_not_quoted():
    cod = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:002", "fg:003"],
            "code": ["culture_shift", "culture_shift/language", "culture_shift"],
            "coder": "outcomes_qual",
            "method": "ensemble",
            "confidence": [0.9, 0.95, 0.6],
            "status": ["rejected", "suggested", "suggested"],
        }
    )
    q = exemplar_quotes(trust_corpus(), cod, k=3)
    assert q["segment_id"].tolist() == ["fg:003"]


def test_unreviewed_codings_most_confident_first_then_stable():
    cod = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:003", "fg:004"],
            "code": "culture_shift",
            "method": "ensemble",
            "confidence": [0.62, 0.91, 0.62],
            "status": "suggested",
        }
    )
    q = exemplar_quotes(trust_corpus(), cod, k=3)
    assert q["segment_id"].tolist() == ["fg:003", "fg:002", "fg:004"]
    assert q["reviewed"].tolist() == [False, False, False]
    # the same answer from shuffled input
    again = exemplar_quotes(trust_corpus(), cod.iloc[[2, 0, 1]].reset_index(drop=True), k=3)
    assert again["segment_id"].tolist() == ["fg:003", "fg:002", "fg:004"]


def test_codings_without_status_or_method_are_a_persons():
    cod = pd.DataFrame({"segment_id": ["fg:002", "fg:003"], "code": "culture_shift", "confidence": [0.5, 0.9]})
    assert exemplar_quotes(trust_corpus(), cod)["reviewed"].tolist() == [True, True]
    machine = cod.assign(method="keyword")
    assert exemplar_quotes(trust_corpus(), machine)["reviewed"].tolist() == [False, False]

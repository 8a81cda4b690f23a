"""Manual coding in a project: segments, spans, text search queries, undo."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.project import REVIEW_COLUMNS, SEARCH_COLUMNS, Project, compile_query

CB = Codebook(
    "mini",
    (Code("time", "Time", "Time."), Code("partners", "Partners", "Partners."), Code("partners/health", "Health", "Health.")),
)


@pytest.fixture
def proj(tmp_path):
    corpus = Corpus.from_turns(
        "fg",
        [
            ("Facilitator", "facilitator", "Tell me about time with families."),
            ("Ann", "practitioner", "Time is short. Sometimes the GP calls back."),
            ("Bea", "senior", "Health colleagues share the timeline with us."),
            ("Cy", "manager", "We have no TIME for reviews, time after time."),
        ],
    )
    with Project.create(tmp_path / "m.sqlite") as p:
        p.add_corpus(corpus)
        p.add_codebook(CB)
        yield p


def test_code_segment_is_accepted_manual_and_idempotent(proj):
    cid = proj.code_segment("fg:002", "time", coder="ann")
    assert proj.code_segment("fg:002", "time", coder="ann") == cid
    row = proj.codings().iloc[0]
    assert (row["segment_id"], row["code"], row["coder"], row["method"], row["status"]) == (
        "fg:002",
        "time",
        "ann",
        "manual",
        "accepted",
    )
    assert len(proj.codings()) == 1
    assert len(proj.actions()) == 3  # corpus, codebook, one coding: the repeat is not logged
    with pytest.raises(InputError, match=r"code\(s\) \['tim'\] not in codebook version 1"):
        proj.code_segment("fg:002", "tim", coder="ann")
    with pytest.raises(InputError, match=r"segment_id\(s\) not in the project"):
        proj.code_segment("fg:099", "time", coder="ann")


def test_code_span_splits_at_turns(proj):
    text = proj.texts()["fg"]
    seg = proj.segments().set_index("segment_id")
    start = text.index("GP calls")
    end = text.index("share") + len("share")
    ids = proj.code_span("fg", start, end, "partners/health", coder="bea")
    got = proj.codings().set_index("coding_id").loc[ids]
    assert got["segment_id"].tolist() == ["fg:002", "fg:003"]
    assert got["start_char"].tolist() == [start, seg.loc["fg:003", "start_char"]]
    assert got["end_char"].tolist() == [seg.loc["fg:002", "end_char"], end]
    assert text[got["start_char"].iloc[0] : got["end_char"].iloc[0]] == "GP calls back."
    proj.undo()
    assert proj.summary()["codings"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("fg", 5, 3), "expected 0 <= start_char < end_char"),
        (("nope", 0, 3), "transcript 'nope' is not in the project"),
        (("fg", 0, 10_000), r"<= \d+ \(the text's length\)"),
    ],
)
def test_code_span_errors(proj, args, message):
    with pytest.raises(InputError, match=message):
        proj.code_span(*args, "time", coder="a")


def test_search_preview_whole_words_case_and_facilitator(proj):
    found = proj.search("time")
    assert list(found.columns) == list(SEARCH_COLUMNS)
    assert found["segment_id"].tolist() == ["fg:002", "fg:004"]  # not 'timeline', 'Sometimes', facilitator
    assert found["n_matches"].tolist() == [1, 3]
    assert found["preview"].iloc[0] == "[Time] is short. Sometimes the GP calls back."
    text = proj.texts()["fg"]
    m = found.iloc[1]
    assert text[m["match_start"] : m["match_end"]] == "TIME"
    assert proj.search("time", case=True)["segment_id"].tolist() == ["fg:004"]
    assert proj.search("time*")["segment_id"].tolist() == ["fg:002", "fg:003", "fg:004"]
    assert proj.search("time", include_facilitator=True)["segment_id"].tolist()[0] == "fg:001"
    assert proj.search(r"\bGP\b|health", regex=True)["segment_id"].tolist() == ["fg:002", "fg:003"]
    assert proj.search("no such words").empty


def test_code_matches_turns_then_undo_whole_search(proj):
    ids = proj.code_matches("time", "time", coder="ann")
    assert proj.codings().set_index("coding_id").loc[ids, "segment_id"].tolist() == ["fg:002", "fg:004"]
    assert proj.codings()["evidence"].tolist() == ["search: time", "search: time"]
    assert proj.code_matches("time", "time", coder="ann") == []  # already coded
    assert proj.code_matches("time", "time", coder="bob") != []  # another coder codes separately
    proj.undo()
    proj.undo()
    assert proj.summary()["codings"] == 0


def test_code_matches_spread_match_codes_each_hit(proj):
    ids = proj.code_matches("time", "time", coder="ann", spread="match")
    got = proj.codings().set_index("coding_id").loc[ids]
    text = proj.texts()["fg"]
    assert [text[s:e] for s, e in zip(got["start_char"], got["end_char"], strict=True)] == ["Time", "TIME", "time", "time"]
    with pytest.raises(InputError, match="spread: expected 'turn' or 'match'"):
        proj.code_matches("time", "time", coder="ann", spread="para")


@pytest.mark.parametrize("query, message", [("", "query: expected a word"), ("(", "invalid regular expression")])
def test_bad_queries(query, message):
    with pytest.raises(InputError, match=message):
        compile_query(query, regex=query == "(")


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=30))
def test_literal_query_finds_itself(word):
    if not word.strip() or "*" in word:  # '*' is the wildcard, tested above
        return
    text = f"before {word} after"
    match = compile_query(word).search(text)
    if word.strip()[0].isalnum() and word.strip()[-1].isalnum():
        assert match is not None
    if match is not None:
        assert " ".join(match.group().split()).lower() == " ".join(word.split()).lower()


def test_undo_by_actor_leaves_others_alone(proj):
    proj.code_segment("fg:002", "time", coder="ann")
    proj.code_segment("fg:003", "partners", coder="bob")
    proj.code_segment("fg:004", "time", coder="bob")
    assert proj.undo(actor="ann") == "code_segment: ann coded fg:002 as 'time'"
    assert proj.codings()["coder"].tolist() == ["bob", "bob"]
    assert proj.undo(actor="ann") is None
    assert proj.undo(actor="bob") == "code_segment: bob coded fg:004 as 'time'"


def test_review_lists_suggestions_with_role_and_quote_least_confident_first(proj):
    import pandas as pd

    text = proj.texts()["fg"]
    start = text.index("GP calls")
    proj.add_codings(
        pd.DataFrame(
            {
                "segment_id": ["fg:002", "fg:003", "fg:002"],
                "code": ["time", "partners", "partners/health"],
                "coder": "machine",
                "confidence": [0.9, 0.4, 0.7],
                "start_char": [None, None, start],
                "end_char": [None, None, start + 8],
            }
        )
    )
    proj.code_segment("fg:004", "time", coder="ann")
    todo = proj.review()
    assert list(todo.columns) == list(REVIEW_COLUMNS)
    assert todo["code"].tolist() == ["partners", "partners/health", "time"]
    assert todo["quote"].tolist() == [
        "Health colleagues share the timeline with us.",
        "GP calls",
        "Time is short. Sometimes the GP calls back.",
    ]
    assert todo["role"].tolist() == ["senior", "practitioner", "practitioner"]
    assert proj.review(status="accepted")["coder"].tolist() == ["ann"]
    assert proj.review(code="time", coder="machine")["coding_id"].tolist() == [1]

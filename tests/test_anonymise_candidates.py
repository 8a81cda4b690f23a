"""find_candidates: exact candidates on inline transcripts, and on a real published text."""

from __future__ import annotations

import re

import pandas as pd

from outcomes_qual.anonymise import CANDIDATE_COLUMNS, NameMatcher, find_candidates, pseudonymise_corpus
from outcomes_qual.corpus import Corpus


def _corpus() -> Corpus:
    fg = Corpus.from_turns(
        "fg1",
        [
            ("Facilitator", "facilitator", "Welcome all. Tell me about a family you worked with."),
            (
                "Ceri Morgan",
                "practitioner",
                "Well, there was Dilys. Her son Gwilym lives in Cwm Eithin and Dilys wanted to get to chapel on a Sunday.",
            ),
            ("Gareth", "senior", "Honestly I remember Dilys. Mrs Pritchard next door helped too, didn't she Ceri?"),
            (
                "Ceri Morgan",
                "practitioner",
                "Yes. Gwilym's brilliant with her. Listening matters. We used Teams and the Council portal.",
            ),
        ],
    )
    interview = Corpus.from_turns(
        "int1",
        [("Interviewer", "facilitator", "Any names to mention?"), ("Nia", "manager", "Dilys, and Dr. Rhys at Ysbyty Glan.")],
        method="interview",
    )
    return Corpus.concat([fg, interview])


def test_exact_candidates_inline():
    df = find_candidates(_corpus(), names=["Dilys"])
    assert list(df.columns) == list(CANDIDATE_COLUMNS)
    assert df.drop(columns="example").values.tolist() == [
        ["Ceri", 1, 1, 1, "participant", "part of a participant's name; capitalised", False],
        ["Ceri Morgan", 0, 0, 1, "participant", "speaker label", False],
        ["Gareth", 0, 0, 1, "participant", "speaker label", False],
        ["Nia", 0, 0, 1, "participant", "speaker label", False],
        ["Dilys", 4, 3, 2, "person", "capitalised; listed; recurs in 3 turns", True],
        ["Gwilym", 2, 2, 1, "person", "capitalised; recurs in 2 turns", False],
        ["Cwm", 1, 1, 1, "place", "capitalised", False],
        ["Cwm Eithin", 1, 1, 1, "place", "capitalised pair", False],
        ["Dr Rhys", 1, 1, 1, "person", "title", False],
        ["Eithin", 1, 1, 1, "unknown", "capitalised", False],
        ["Glan", 1, 1, 1, "unknown", "capitalised", False],
        ["Mrs Pritchard", 1, 1, 1, "person", "title", False],
        ["Pritchard", 1, 1, 1, "person", "capitalised", False],
        ["Rhys", 1, 1, 1, "person", "capitalised", False],
        ["Ysbyty", 1, 1, 1, "place", "capitalised", False],
        ["Ysbyty Glan", 1, 1, 1, "place", "capitalised pair", False],
    ]
    # the example shows the first occurrence in context, with the name in place
    gwilym = df.set_index("candidate").loc["Gwilym", "example"]
    assert "Her son Gwilym lives in Cwm Eithin" in gwilym and gwilym.startswith("…")


def test_ordinary_words_are_not_candidates():
    df = find_candidates(_corpus())
    for word in [
        "Welcome",
        "Well",
        "Honestly",
        "Yes",
        "Listening",
        "Teams",
        "Council",
        "Sunday",
        "Her",
        "Tell",
        "Any",
        "I",
        "We",
    ]:
        assert word not in set(df["candidate"]), word


def test_sentence_initial_unknown_words_are_kept_but_ranked_last():
    # "Then Bethan" is mid-sentence, so Bethan ranks first; Patchy is only ever sentence-initial
    corpus = Corpus.from_turns("t", [("Speaker 1", "unknown", "Bethan rang. Patchy signal though. Then Bethan came.")])
    df = find_candidates(corpus)
    assert df[["candidate", "count", "reasons"]].values.tolist() == [
        ["Bethan", 2, "capitalised"],
        ["Patchy", 1, "capitalised; only at sentence start"],
    ]
    # a word also seen in lower case is an ordinary word at the start of a sentence
    corpus = Corpus.from_turns("t", [("Speaker 1", "unknown", "Patchy signal. It was patchy.")])
    assert find_candidates(corpus).empty


def test_roster_header_and_authority():
    text = "SPEAKERS: Linnea Dunmore (LD), Consultant\n\n(LD) Hello from Glanafon, Linnea here."
    start = text.index("Hello")
    base = Corpus.from_turns("w", [("LD", "facilitator", "x")], authority="Glanafon")
    seg = base.segments.assign(text=text[start:], start_char=start, end_char=len(text))
    corpus = Corpus(base.transcripts, base.participants, seg, {"w": text})
    corpus.check()
    roster = pd.DataFrame({"transcript": ["w"], "speaker": ["Owain Price"], "participant_id": ["X1"]})
    df = find_candidates(corpus, roster=roster).set_index("candidate")
    assert df.loc["Linnea Dunmore", "reasons"] == "speakers header; capitalised pair"
    assert df.loc["LD", "reasons"] == "speaker label; speakers header"
    assert df.loc["LD", "count"] == 2
    assert df.loc["Owain Price", "reasons"] == "roster"
    assert df.loc["Glanafon", ["category_guess", "reasons"]].tolist() == ["place", "authority or department; capitalised"]
    assert df.loc["Linnea", "category_guess"] == "participant"


def test_empty_corpus():
    assert find_candidates(Corpus.empty()).empty


def test_real_video_transcripts_surface_the_names(shared_dir):
    """The published guidance's video transcripts name a child, parents and a practitioner."""
    path = shared_dir / "reference" / "social-care-wales-embedding-the-outcomes-approach.txt"
    text = path.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    corpus = Corpus.from_turns("scw", [("Speaker 1", "unknown", p) for p in paragraphs])
    df = find_candidates(corpus).set_index("candidate")
    # names checked by reading the file; counts are capitalised whole-word occurrences
    for name in ["Llyr", "Peter", "Megan", "Steven", "Keri", "Dawn"]:
        expected = len(re.findall(rf"(?<!\w){name}(?!\w)", text))
        assert name in df.index, name
        assert df.loc[name, "count"] == expected, name
        assert df.loc[name, "category_guess"] != "participant"
    assert df.loc["Llyr", "count"] == 12 and df.loc["Llyr", "n_turns"] >= 10
    # names come first: every name above outranks every candidate seen only at a sentence start
    order = list(df.index)
    late = [c for c in order if "only at sentence start" in df.loc[c, "reasons"]]
    assert all(order.index(n) < min((order.index(c) for c in late), default=len(order)) for n in ["Llyr", "Peter", "Megan"])
    # the candidate list is for review, not a dump of every capitalised word
    assert len(df) < 120

    # reviewed names pseudonymise everywhere in the text
    anon, mapping = pseudonymise_corpus(corpus, names=["Llŷr", "Peter", "Megan", "Steven", "Keri", "Dawn"])
    anon.check()
    matcher = NameMatcher([(n, n) for n in ["Llyr", "Peter", "Megan", "Steven", "Keri", "Dawn"]])
    assert list(matcher.finditer(anon.texts["scw"])) == []
    assert mapping.set_index("original").loc["Llŷr", "n_replaced"] == 12

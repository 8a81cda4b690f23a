"""Topic words: the phrase analyser, c-TF-IDF (cross-checked with BERTopic's) and labels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes_qual.topics.words import (
    FILLER_WORDS,
    analyse,
    class_tfidf,
    content_words,
    is_substantive,
    make_label,
    top_terms,
    topic_terms,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Working from home, you know, is lonely.", ["working", "home", "lonely", "working from home"]),
        ("Um, yeah, like, the hot-desking thing", ["hot-desking"]),
        ("Time for visits [laughs] matters", ["time", "visits", "matters", "visits matters", "time for visits"]),
        ("I'm sure it's fine.", []),
    ],
)
def test_analyse(text, expected):
    assert analyse(text) == expected


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Yeah, I agree.", False),
        ("Mm.", False),
        ("You know, like, I mean, yeah.", False),
        ("The panel sends plans back.", True),
        ("[laughs] Panel, panel, panel.", True),
    ],
)
def test_is_substantive(text, ok):
    assert is_substantive(text) is ok


@given(st.text(max_size=200))
def test_analyse_never_emits_filler_or_empty_terms(text):
    for term in analyse(text):
        words = term.split()
        assert 1 <= len(words) <= 3
        assert words[0] not in FILLER_WORDS and words[-1] not in FILLER_WORDS
        assert all(w == w.lower() and w for w in words)
    assert set(content_words(text)) <= set(analyse(text))


def test_class_tfidf_matches_bertopic():
    ctfidf = pytest.importorskip("bertopic.vectorizers")
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 5, size=(6, 30))
    counts[0] += 1  # every term used somewhere (BERTopic gives NaN for unused terms)
    theirs = ctfidf.ClassTfidfTransformer().fit_transform(counts)
    theirs = theirs.toarray() if hasattr(theirs, "toarray") else np.asarray(theirs)
    np.testing.assert_allclose(class_tfidf(counts), theirs, rtol=1e-12, atol=1e-12)
    counts[:, 3] = 0
    assert (class_tfidf(counts)[:, 3] == 0).all()


def test_class_tfidf_by_hand():
    # A = int(mean class total) = int((3 + 4) / 2) = 3; idf = log(1 + 3 / f)
    got = class_tfidf(np.array([[2, 0, 1], [0, 3, 1]]))
    idf = np.log1p(3 / np.array([2, 3, 2]))
    np.testing.assert_allclose(got, [[2 / 3 * idf[0], 0, 1 / 3 * idf[2]], [0, 3 / 4 * idf[1], 1 / 4 * idf[2]]])


def test_top_terms_prefers_phrases_and_skips_their_words():
    terms = ["home", "working", "working from home", "office", "desk"]
    scores = np.array([0.9, 0.8, 0.7, 0.5, 0.1])
    assert top_terms(terms, scores, n=3) == ["working from home", "office", "desk"]
    # a rare phrase does not replace a frequent word
    assert top_terms(terms, np.array([0.9, 0.1, 0.2, 0.5, 0.0]), n=2) == ["home", "office"]


def test_topic_terms_and_label():
    texts = [
        "working from home is lonely",
        "working from home every day",
        "the panel and the budget",
        "panel wants a budget",
        "panel again",
    ]
    words = topic_terms(texts, [0, 0, 1, 1, 1], n=3)
    assert words[0][0] == "working from home"
    assert words[1][:2] == ["panel", "budget"]
    assert make_label(words[0]).startswith("working from home / ")
    assert topic_terms([], []) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # issue 21.9: topic names such as "round / miss the office / sorry" were made of chatter
        ("Sorry, I miss the office.", ["miss", "office", "miss the office"]),
        ("Going round the duty room, sorry, emails.", ["duty", "room", "emails", "duty room"]),
        ("Aye, thanks, mind you the wee team is fine.", ["team"]),
    ],
)
def test_apologies_and_chatter_are_not_topic_words(text, expected):
    assert analyse(text) == expected

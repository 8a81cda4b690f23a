"""find_topics on the shipped sample corpus finds its planted uncovered subject (hybrid working)
as an emergent topic (light path; the BERTopic path is exercised by ``make demo``)."""

from __future__ import annotations

import pytest

from outcomes_qual.codebook import load_codebook
from outcomes_qual.ingest import read_corpus
from outcomes_qual.topics import find_topics

HYBRID_WORDS = ("working from home", "hot-desking", "desk", "office", "team days", "teams calls", "newly qualified")


@pytest.fixture(scope="module")
def sample_result():
    from conftest import CODEBOOK, SAMPLE

    if not (SAMPLE / "roster.csv").is_file() or not CODEBOOK.is_file():
        pytest.skip("sample corpus or shipped codebook missing")
    from outcomes_qual.anonymise import pseudonymise_corpus

    corpus = read_corpus([SAMPLE], roster=SAMPLE / "roster.csv")
    names = SAMPLE / "names.csv"
    corpus, _ = pseudonymise_corpus(corpus, names=names if names.is_file() else None)
    return find_topics(corpus, codebook=load_codebook(CODEBOOK), backend="light", random_state=0)


def test_sample_hybrid_working_is_emergent(sample_result):
    emergent = sample_result.emergent_topics()
    hits = emergent[emergent["top_words"].map(lambda w: any(h in w for h in HYBRID_WORDS))]
    assert len(hits), emergent[["label", "top_words"]].to_string()
    best = hits.sort_values("size", ascending=False).iloc[0]
    # a recurring subject: raised in several groups by many people
    assert best["n_groups"] >= 5 and best["n_participants"] >= 8
    assert any(h in best["label"] for h in HYBRID_WORDS)


def test_sample_codebook_themes_present(sample_result):
    t = sample_result.topics
    matched = set(t.loc[~t["emergent"] & (t["topic_id"] >= 0), "nearest_code"].str.split("/").str[0])
    assert {"culture_shift", "systems_barriers", "partners", "time"} <= matched

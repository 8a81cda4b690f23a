"""TopicModel and find_topics on the light path: planted emergent topic, codebook themes,
reproducibility, the estimator contract, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from test_topics_synthetic import CODEBOOK, PER_GROUP, make_planted_corpus

from outcomes_qual import schema
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.topics import (
    ASSIGNMENT_COLUMNS,
    TOPIC_BY_AUTHORITY_COLUMNS,
    TOPIC_BY_ROLE_COLUMNS,
    TopicModel,
    find_topics,
    get_backend,
    resolve_backend,
)
from outcomes_qual.topics._base import reassign_outliers
from outcomes_qual.topics.model import merge_clusters
from outcomes_qual.topics.tables import known_themes, representative_quotes, select_segments

AGENCY_WORDS = {"agency", "locum", "turnover", "agency staff", "agency workers", "staff", "handover"}


@pytest.fixture(scope="module")
def planted():
    return make_planted_corpus(0)


@pytest.fixture(scope="module")
def light_result(planted):
    corpus, _ = planted
    return find_topics(corpus, codebook=CODEBOOK, backend="light", random_state=0)


def _with_truth(result, truth):
    a = result.assignments
    return a.assign(truth=a["segment_id"].map(truth))


def test_planted_subject_is_one_emergent_topic_named_by_its_words(light_result, planted):
    _, truth = planted
    a = _with_truth(light_result, truth)
    n_agency = sum(v == "agency" for v in truth.values())
    assert n_agency == 6 * PER_GROUP["agency"]
    emergent = light_result.emergent_topics()
    assert len(emergent) >= 1
    # the emergent topic that holds the planted turns holds (almost) only them
    top = a[a["truth"] == "agency"]["topic_id"].value_counts()
    tid = int(top.index[0])
    row = light_result.topics.set_index("topic_id").loc[tid]
    assert row["emergent"]
    assert top.iloc[0] >= 0.8 * n_agency
    members = a[a["topic_id"] == tid]
    assert (members["truth"] == "agency").mean() >= 0.9
    words = set(row["top_words"].split(", ")[:5])
    assert words & AGENCY_WORDS, words
    assert any(w in row["label"] for w in ("agency", "locum", "turnover"))
    # the planted topic was raised in every group and by every role
    assert row["n_groups"] == 6 and row["share_groups"] == 1.0


@pytest.mark.parametrize("theme", ["systems_barriers", "partners", "time"])
def test_codebook_themes_are_matched_to_their_codes(light_result, planted, theme):
    _, truth = planted
    a = _with_truth(light_result, truth)
    topics = light_result.topics.set_index("topic_id")
    theme_turns = a[a["truth"] == theme]
    covered = theme_turns["topic_id"].map(lambda t: t >= 0 and not topics.loc[t, "emergent"])
    assert covered.mean() >= 0.8
    main = int(theme_turns["topic_id"].value_counts().index[0])
    assert topics.loc[main, "nearest_code"].split("/")[0] == theme
    assert not topics.loc[main, "emergent"]
    # the deductive step assigned turns straight to the theme
    assert (theme_turns["source"] == "codebook").sum() >= 10


def test_topics_table_contract(light_result, planted):
    corpus, _ = planted
    t = light_result.topics
    assert tuple(t.columns) == schema.TOPIC_COLUMNS
    assert tuple(light_result.topic_by_role.columns) == TOPIC_BY_ROLE_COLUMNS
    assert tuple(light_result.topic_by_authority.columns) == TOPIC_BY_AUTHORITY_COLUMNS
    assert tuple(light_result.assignments.columns) == ASSIGNMENT_COLUMNS
    real = t[t["topic_id"] >= 0]
    assert real["topic_id"].tolist() == list(range(len(real)))
    assert real["size"].is_monotonic_decreasing
    # sizes add up to the modelled turns; 6 groups x (28 turns) substantive turns
    s = light_result.summary
    assert s["n_used"] == 6 * sum(PER_GROUP.values()) == t["size"].sum() == len(light_result.assignments)
    assert s["n_excluded_facilitator"] == (corpus.segments["role"] == "facilitator").sum()
    assert s["n_excluded_short"] == len(corpus.segments) - s["n_used"] - s["n_excluded_facilitator"]
    # quotes are attributed by role, never by speaker name
    for q in real["quote_1"]:
        assert q.split(": ")[0] in {"Practitioner", "Senior", "Manager"}
    speakers = set(corpus.segments["speaker"])
    assert not any(sp in q for q in real[["quote_1", "quote_2", "quote_3"]].to_numpy().ravel() for sp in speakers)
    # quote 1 and 2 come from different people
    a = light_result.assignments.merge(corpus.segments[["segment_id", "text"]])
    for topic_id, q1, q2 in real[["topic_id", "quote_1", "quote_2"]].itertuples(index=False):
        members = a[a["topic_id"] == topic_id]

        def said(quote, members=members):
            """The participants whose turn in the topic reads as ``quote`` (shortened turns end in " …")."""
            words = quote.split(": ", 1)[1].removesuffix(" …")
            return set(members.loc[members["text"].map(lambda t: " ".join(t.split()).startswith(words)), "participant_id"])

        by_1, by_2 = said(q1), said(q2)
        assert by_1 and by_2 and not (len(by_1) == 1 and by_1 == by_2), (topic_id, q1, q2)
    assert real["similarity"].notna().all()
    assert t["emergent"].dtype == bool


def test_topic_by_role_counts_match_assignments(light_result):
    a = light_result.assignments
    tbr = light_result.topic_by_role
    assert set(tbr["role"]) == {"practitioner", "senior", "manager"}
    for row in tbr.itertuples(index=False):
        sub = a[(a["topic_id"] == row.topic_id) & (a["role"] == row.role)]
        assert row.n_segments == len(sub)
        assert row.n_participants == sub["participant_id"].nunique()
        assert row.share_segments == pytest.approx(len(sub) / (a["role"] == row.role).sum())
    # every role's shares sum to one over topics
    assert tbr.groupby("role")["share_segments"].sum().round(9).eq(1).all()
    tba = light_result.topic_by_authority
    assert set(tba["authority"]) == {"Authority A", "Authority B"}
    assert tba["n_segments"].sum() == len(a)


def test_reproducible_with_same_seed(planted, light_result):
    corpus, _ = planted
    again = find_topics(corpus, codebook=CODEBOOK, backend="light", random_state=0)
    pd.testing.assert_frame_equal(again.topics, light_result.topics)
    pd.testing.assert_frame_equal(again.assignments, light_result.assignments)


def test_codings_take_the_place_of_codebook_matching(planted):
    corpus, truth = planted
    sids = [s for s, v in truth.items() if v == "time"]
    codings = pd.DataFrame({"segment_id": sids, "code": "time/caseloads", "coder": "human", "confidence": 1.0})
    result = find_topics(corpus, codings=codings, backend="light")
    a = result.assignments.set_index("segment_id")
    assert (a.loc[sids, "source"] == "codings").all()
    tid = a.loc[sids[0], "topic_id"]
    assert (a.loc[sids, "topic_id"] == tid).all()
    row = result.topics.set_index("topic_id").loc[tid]
    # without a codebook the code vector is the coded turns' centre
    assert row["nearest_code"] == "time" and not row["emergent"]
    assert result.summary["n_codebook_topics"] == 1


def test_known_themes_picks_confident_unrejected_codes():
    c = pd.DataFrame(
        {
            "segment_id": ["a", "a", "b", "c"],
            "code": ["time", "partners/health", "time", "resistance"],
            "confidence": [0.6, 0.9, 0.2, 0.99],
            "status": ["accepted", "accepted", "accepted", "rejected"],
        }
    )
    assert known_themes(c, ["a", "b", "c", "d"]) == ["partners", None, None, None]
    assert known_themes(c[["segment_id", "code"]], ["b"]) == ["time"]


def test_select_segments_drops_facilitator_and_filler():
    c = Corpus.from_turns(
        "t",
        [
            ("F", "facilitator", "Tell me about the panel process in your team."),
            ("A", "senior", "Yeah, you know, I mean, like, right."),
            ("B", "senior", "The panel sends every plan back for a costed budget."),
            ("C", "senior", "Mm."),
        ],
    )
    seg, counts = select_segments(c)
    assert seg["segment_id"].tolist() == ["t:003"]
    assert counts == {"n_segments": 4, "n_excluded_facilitator": 1, "n_excluded_short": 2, "n_used": 1}
    seg, counts = select_segments(c, include_facilitator=True)
    assert seg["segment_id"].tolist() == ["t:001", "t:003"]


def test_no_turns_left_is_a_clear_error():
    c = Corpus.from_turns("t", [("A", "senior", "Yeah."), ("F", "facilitator", "Anything else about panels today?")])
    with pytest.raises(InputError, match=r"no turns to model: 2 turns, 1 facilitator, 1 shorter than 3"):
        find_topics(c, backend="light")


def test_codings_missing_columns_is_a_clear_error(planted, tmp_path):
    corpus, _ = planted
    bad = tmp_path / "codings.csv"
    bad.write_text("segment,theme\nx,time\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"codings.csv: missing column\(s\) 'segment_id', 'code'"):
        find_topics(corpus, codings=bad, backend="light")


def test_representative_quotes_prefer_distinct_people_and_cut_long_turns():
    long = " ".join(["word"] * 80)
    m = pd.DataFrame(
        {
            "text": ["short text here", "one two three four five six seven eight", "a b c d e f g h i", long],
            "role": ["senior", "senior", "manager", "unknown"],
            "participant_id": ["p1", "p1", "p2", "p3"],
            "transcript_id": ["t1", "t1", "t1", "t2"],
            "similarity": [0.99, 0.9, 0.5, 0.4],
        }
    )
    quotes = representative_quotes(m)
    assert quotes[0] == "Senior: one two three four five six seven eight"
    # second choice: another participant in another transcript, even if less central
    assert quotes[1].startswith("Participant: word word")
    assert quotes[1].endswith(" …") and len(quotes[1].split()) == 1 + 60 + 1
    assert quotes[2] == "Manager: a b c d e f g h i"


def test_representative_quotes_attribute_as_the_report_does():
    """Built-in roles by the report's label ("Other staff"), a study's group as the roster wrote it."""
    m = pd.DataFrame(
        {
            "text": [f"turn {k} one two three four five six seven" for k in range(5)],
            "role": ["non-R1 faculty", "iOS team", "other", None, "unknown"],
            "participant_id": ["p1", "p2", "p3", "p4", "p5"],
            "transcript_id": ["t1", "t2", "t3", "t4", "t5"],
            "similarity": [0.9, 0.8, 0.7, 0.6, 0.5],
        }
    )
    assert [q.split(":")[0] for q in representative_quotes(m, k=5)] == [
        "non-R1 faculty",
        "iOS team",
        "Other staff",
        "Participant",
        "Participant",
    ]


# ---------------------------------------------------------------- estimator


def test_estimator_contract_and_clone():
    tm = TopicModel(backend="light", min_topic_size=4, random_state=3)
    params = tm.get_params()
    assert params["random_state"] == 3 and params["min_topic_size"] == 4
    twin = clone(tm)
    assert twin is not tm and twin.get_params() == params
    with pytest.raises(NotFittedError):
        tm.transform(["anything"])
    with pytest.raises(TypeError):
        TopicModel("light")  # keyword-only
    texts = ["agency staff leave again and again"] * 5 + ["panel forms and the IT system"] * 5
    assert tm.fit(texts) is tm
    assert not hasattr(twin, "labels_")
    assert tm.labels_.shape == (10,)
    # transform puts new texts in the topic of similar ones
    new = tm.transform(["the agency staff leave", "panel forms"])
    assert new.tolist() == [tm.labels_[0], tm.labels_[5]]


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="X: expected at least one text"):
        TopicModel(backend="light").fit([])
    with pytest.raises(ValueError, match=r"known_codes: expected one entry per text \(2\), got 1"):
        TopicModel(backend="light").fit(["a b c", "d e f"], known_codes=["time"])
    with pytest.raises(ValueError, match=r"embeddings: expected 2 rows"):
        TopicModel(backend="light").fit(["a b c", "d e f"], embeddings=np.zeros((3, 4)))


def test_precomputed_embeddings_are_used():
    rng = np.random.default_rng(0)
    E = np.vstack([rng.normal([4, 0, 0], 0.2, (12, 3)), rng.normal([0, 4, 0], 0.2, (12, 3))])
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    texts = [f"alpha beta word{i}" for i in range(24)]
    tm = TopicModel(backend="light", min_topic_size=5).fit(texts, embeddings=E)
    assert sorted(tm.sizes_.tolist()) == [12, 12]
    assert len(set(tm.labels_[:12])) == 1 and tm.labels_[0] != tm.labels_[12]
    np.testing.assert_array_equal(tm.embeddings_, E)
    assert tm.transform(["a", "b"], embeddings=E[[0, 12]]).tolist() == [tm.labels_[0], tm.labels_[12]]
    with pytest.raises(ValueError, match=r"fitted on 3-dimensional embeddings, got \d+; pass embeddings="):
        tm.transform(["alpha beta"])
    with pytest.raises(TypeError, match="X: expected a sequence of texts, got a single str"):
        TopicModel(backend="light").fit("one text")


def test_backend_names():
    assert resolve_backend("light") == "light"
    with pytest.raises(ValueError, match=r"backend: expected one of \['auto', 'light', 'bertopic'\], got 'lda'"):
        get_backend("lda")


def test_auto_falls_back_to_light_with_a_message(monkeypatch, caplog):
    import outcomes_qual.topics._registry as registry

    monkeypatch.setattr(registry, "bertopic_available", lambda: (False, "bertopic is not installed"))
    with caplog.at_level("WARNING", logger="outcomes_qual.topics._registry"):
        assert resolve_backend("auto") == "light"
    assert "install outcomes_qual[embeddings]" in caplog.text and "bertopic is not installed" in caplog.text
    with pytest.raises(ImportError, match=r"backend 'bertopic': bertopic is not installed; install outcomes_qual\[embeddings\]"):
        get_backend("bertopic")


def test_reassign_outliers_and_merge():
    X = np.array([[1, 0], [1, 0], [0, 1], [0.8, 0.6], [-1, 0]], dtype=float)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    assert reassign_outliers(X, np.array([0, 0, 1, -1, -1]), threshold=0.7).tolist() == [0, 0, 1, 0, -1]
    assert reassign_outliers(X, np.array([0, 0, 1, -1, -1]), threshold=0.9).tolist() == [0, 0, 1, -1, -1]
    assert merge_clusters(X, np.array([0, 1, 2, 1, -1]), threshold=0.5).tolist() == [0, 0, 1, 0, -1]
    assert merge_clusters(X, np.array([0, 1, 2, 1, -1]), threshold=0.99, max_clusters=2).tolist() == [0, 0, 1, 0, -1]

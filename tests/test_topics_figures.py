"""Topic figures: PNG and SVG, labelled, emergent topics highlighted, colour-blind-safe colours."""

from __future__ import annotations

import pytest
from test_topics_synthetic import CODEBOOK, make_planted_corpus

from outcomes_qual.topics import find_topics, write_topic_figures
from outcomes_qual.topics.figures import COLOURS, plot_topic_by_role, plot_topic_sizes


@pytest.fixture(scope="module")
def result():
    corpus, _ = make_planted_corpus(0)
    return find_topics(corpus, codebook=CODEBOOK, backend="light")


def test_write_topic_figures(result, tmp_path):
    paths = write_topic_figures(result, tmp_path / "figs")
    assert [p.name for p in paths] == ["topic_sizes.png", "topic_sizes.svg", "topic_by_role.png", "topic_by_role.svg"]
    for p in paths:
        assert p.stat().st_size > 1000
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_text(encoding="utf-8")
    assert "Topics in the corpus" in svg


def test_topic_sizes_bars_and_colours(result):
    fig = plot_topic_sizes(result)
    ax = fig.axes[0]
    bars = ax.patches[: len(result.topics)]
    assert [b.get_width() for b in bars] == result.topics["size"].tolist()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("T0 ")
    from matplotlib.colors import to_hex

    colours = [to_hex(b.get_facecolor()) for b in bars]
    expected = [COLOURS["emergent"] if e else COLOURS["codebook"] for e in result.topics["emergent"]]
    assert [c.upper() for c in colours] == [c.upper() for c in expected]


def test_topic_by_role_heatmap_values(result):
    fig = plot_topic_by_role(result)
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    topics = result.topics[result.topics["topic_id"] >= 0]
    assert grid.shape == (len(topics), 3)
    tbr = result.topic_by_role.set_index(["topic_id", "role"])
    assert grid[0, 0] == pytest.approx(100 * tbr.loc[(0, "practitioner"), "share_segments"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Practitioners", "Seniors", "Managers"]  # as the report heads them
    emergent_rows = [t.get_text() for t in ax.get_yticklabels() if t.get_text().startswith("* ")]
    assert len(emergent_rows) == int(topics["emergent"].sum())


def test_topic_by_role_keeps_a_study_groups_spelling():
    """A study's own groups are labelled as the roster wrote them ("non-R1", not "Non-r1"); built-in roles by their heading."""
    corpus, _ = make_planted_corpus(0)
    groups = {"practitioner": "non-R1 faculty", "senior": "iOS team"}
    for frame in (corpus.segments, corpus.participants):
        frame["role"] = frame["role"].replace(groups)
    fig = plot_topic_by_role(find_topics(corpus, codebook=CODEBOOK, backend="light"))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Managers", "iOS team", "non-R1 faculty"]

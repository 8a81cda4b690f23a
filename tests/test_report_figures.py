"""Report figures: PNG and SVG written, titles and labels present as text."""

from __future__ import annotations

import pytest
from test_report_docx import CODEBOOK, build

from outcomes_qual.report import build_tables
from outcomes_qual.report.figures import authority_figure, participants_by_role_figure, role_theme_heatmap
from outcomes_qual.report.tables import analysed_participants


@pytest.fixture(scope="module")
def tables():
    corpus, codings = build()
    return build_tables(corpus, codings, CODEBOOK)


def test_figures_written(tables, tmp_path):
    corpus, _ = build()
    for fn, data in (
        (role_theme_heatmap, tables["role_by_theme"]),
        (authority_figure, tables["authority_comparison"]),
    ):
        paths = fn(data, tmp_path / fn.__name__, codebook=CODEBOOK)
        assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
    svg = (tmp_path / "role_theme_heatmap.svg").read_text()
    assert "<text" in svg and "Share of each role" in svg and "Systems barriers" in svg  # real text, not paths
    assert "Practitioners" in svg and "33%" in svg
    paths = participants_by_role_figure(analysed_participants(corpus), tmp_path / "p")
    assert "Participants by role and data-collection method" in paths[1].read_text()

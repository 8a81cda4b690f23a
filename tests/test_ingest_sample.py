"""The shipped sample corpus through the readers and the ``segments`` command.

Exact per-transcript counts live in tests/test_sample_corpus.py (owned with
the sample); here we check what the readers promise for each format.
"""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.cli import main
from outcomes_qual.ingest import read_corpus, read_roster


@pytest.fixture(scope="module")
def sample():
    from pathlib import Path

    d = Path(__file__).resolve().parents[1] / "transcripts_sample"
    if not (d / "roster.csv").exists():
        pytest.skip("transcripts_sample/ not present")
    return d, read_corpus([d], roster=d / "roster.csv")


def test_sample_reads_without_problems(sample):
    _, corpus = sample
    assert corpus.problems == []
    corpus.check()
    assert set(corpus.transcripts["format"]) == {"txt", "docx", "vtt"}
    assert set(corpus.segments["role"]) <= set(schema.ROLES)
    assert "unknown" not in set(corpus.segments["role"])


def test_every_roster_row_matches_a_speaker(sample):
    d, corpus = sample
    roster = read_roster(d / "roster.csv")
    got = set(zip(corpus.participants["transcript_id"], corpus.participants["speaker"], strict=True))
    assert set(zip(roster["transcript"], roster["speaker"], strict=True)) == got
    # every participant id comes from the roster, none is generated
    assert corpus.participants["participant_id"].isin(roster["participant_id"]).all()
    extras = [
        c
        for c in roster.columns
        if c not in ("transcript", "speaker", "participant_id", "role", "authority", "department", "method")
    ]
    assert list(corpus.participants.columns) == [*schema.PARTICIPANT_COLUMNS, *extras]


def test_format_specific_fields(sample):
    _, corpus = sample
    seg = corpus.segments.merge(corpus.transcripts[["transcript_id", "format"]], on="transcript_id")
    timed = seg[seg["format"] == "vtt"]
    assert timed["start_s"].notna().all() and (timed["end_s"] >= timed["start_s"]).all()
    assert seg.loc[seg["format"] != "vtt", "start_s"].isna().all()
    # transcripts get method and authority from headers or, for captions, from the roster
    assert corpus.transcripts[["method", "authority"]].notna().all().all()
    assert set(corpus.transcripts["method"]) <= set(schema.METHODS)
    # no turn text starts with a speaker label or carries caption markup
    assert not seg["text"].str.contains(r"</?v[ >]|-->").any()
    assert (seg["text"].str.strip() == seg["text"]).all()


def test_cli_segments_on_sample(sample, tmp_path, capsys):
    d, corpus = sample
    out = tmp_path / "segments.csv"
    assert main(["segments", str(d), "--roster", str(d / "roster.csv"), "--strict", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == list(schema.SEGMENT_COLUMNS)
    assert table["segment_id"].tolist() == corpus.segments["segment_id"].tolist()
    assert table["text"].tolist() == corpus.segments["text"].tolist()

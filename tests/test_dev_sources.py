"""The dev gold sources: offsets and hashes only in the project, exact units when ../shared is present."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import dev_sources  # noqa: E402 - benchmarks/ is put on sys.path just above

THEMES = {"culture_shift", "clarity_of_purpose", "resistance", "systems_barriers", "partners", "time"}


def _lines(name: str) -> list[dict]:
    path = dev_sources.DATA_DIR / name
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.parametrize("name", ["dev_webinar.jsonl", "dev_scw_videos.jsonl"])
def test_gold_files_hold_no_text(name):
    for row in _lines(name):
        assert set(row) == {"id", "source", "group", "start", "end", "sha1", "themes"}
        assert 0 <= row["start"] < row["end"] and set(row["themes"]) <= THEMES


def test_second_coder_file_holds_ids_and_themes_only():
    rows = _lines("dev_second_coder.jsonl")
    assert len(rows) == 90 and len({r["id"] for r in rows}) == 90
    gold_ids = {r["id"] for name in ("dev_webinar.jsonl", "dev_scw_videos.jsonl") for r in _lines(name)}
    for row in rows:
        assert set(row) == {"id", "themes"} and row["id"] in gold_ids and set(row["themes"]) <= THEMES


def test_sources_load_exactly_when_shared_is_present():
    if set(dev_sources.available_sources()) != set(dev_sources.SOURCE_NAMES):
        pytest.skip("../shared is not beside the repository (the dev sources read it by path)")
    sizes = {name: len(dev_sources.load_dev_source(name)) for name in dev_sources.SOURCE_NAMES}
    assert sizes == {"wales": 51, "webinar": 84, "scw_videos": 142}
    web = dev_sources.load_dev_source("webinar")
    assert list(web.columns) == list(dev_sources.COLUMNS)
    assert web["group"].nunique() == 8 and not web["text"].str.contains(r"^\d+:\d+$", regex=True).any()


def test_a_changed_reference_file_is_reported(tmp_path):
    if "webinar" not in dev_sources.available_sources():
        pytest.skip("../shared is not beside the repository")
    shared = tmp_path / "shared"
    (shared / "reference").mkdir(parents=True)
    src = dev_sources.DEFAULT_SHARED / "reference" / "midlothian-pace-webinar-transcript-2020.txt"
    text = src.read_text(encoding="utf-8")
    (shared / "reference" / src.name).write_text("x" + text, encoding="utf-8")
    with pytest.raises(Exception, match="midlothian"):
        dev_sources.load_dev_source("webinar", shared=shared)

"""The training corpus beside a codebook: found, validated, and the shipped one meets its plan."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from outcomes_qual.codebook import load_codebook
from outcomes_qual.codebook.training import TRAINING_COLUMNS, default_training_path, parse_training_lines, training_corpus
from outcomes_qual.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "codebooks" / "outcomes_practice.yaml"

YAML = """
name: tiny
codes:
  - key: time
    label: Time
    definition: Not enough time.
    children:
      - key: rush
        label: Rush
        definition: Hurrying.
  - key: partners
    label: Partners
    definition: Other agencies.
"""


def _write(tmp_path: Path, rows: list, *, name="tiny.training.jsonl", yaml_text=YAML) -> Path:
    cb = tmp_path / "tiny.yaml"
    cb.write_text(yaml_text, encoding="utf-8")
    (tmp_path / name).write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return cb


def test_corpus_beside_the_codebook_is_found_and_read(tmp_path):
    cb_path = _write(
        tmp_path,
        [
            {"text": "We never have the time.", "codes": ["time/rush"], "batch": "a", "role": "senior"},
            {"text": "The GP did not call back.", "codes": ["partners"], "batch": "b"},
            {"text": "Shall we start?", "codes": []},
        ],
    )
    cb = load_codebook(cb_path)
    assert Path(cb.training_path) == default_training_path(cb_path)
    frame = training_corpus(cb)
    assert list(frame.columns) == list(TRAINING_COLUMNS)
    assert frame["codes"].tolist() == [["time/rush"], ["partners"], []]
    assert frame["batch"].tolist() == ["a", "b", ""] and frame["role"].tolist() == ["senior", "", ""]
    assert frame["line"].tolist() == [1, 2, 3]


def test_training_key_names_the_corpus(tmp_path):
    sub = tmp_path / "data"
    sub.mkdir()
    (sub / "turns.jsonl").write_text(json.dumps({"text": "Too rushed.", "codes": ["time"]}) + "\n", encoding="utf-8")
    cb_path = tmp_path / "cb.yaml"
    cb_path.write_text("training: data/turns.jsonl\n" + YAML, encoding="utf-8")
    assert Path(load_codebook(cb_path).training_path) == (sub / "turns.jsonl").resolve()
    cb_path.write_text("training: data/missing.jsonl\n" + YAML, encoding="utf-8")
    with pytest.raises(InputError, match=r"cb\.yaml:1: training corpus 'data/missing.jsonl' not found"):
        load_codebook(cb_path)


def test_codebook_without_corpus_has_none(tmp_path):
    cb_path = tmp_path / "alone.yaml"
    cb_path.write_text(YAML, encoding="utf-8")
    cb = load_codebook(cb_path)
    assert cb.training_path is None and training_corpus(cb) is None


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"text": "Fine.", "codes": ["money"]}, r"tiny\.training\.jsonl:2: unknown code 'money'"),
        ({"text": "  ", "codes": []}, r"tiny\.training\.jsonl:2: empty row: expected a non-empty 'text'"),
        ({"codes": ["time"]}, r"tiny\.training\.jsonl:2: empty row"),
        (
            {"text": "we never have  THE time.", "codes": ["time"]},
            r"tiny\.training\.jsonl:2: duplicate text: the same turn is on line 1",
        ),
        ({"text": "x y z", "codes": "time"}, r"tiny\.training\.jsonl:2: 'codes' must be a list of code keys"),
        ('{"text": "cut off', r"tiny\.training\.jsonl:2: not a JSON object"),
        ('["a list"]', r"tiny\.training\.jsonl:2: expected a JSON object with text and codes, got list"),
    ],
)
def test_bad_rows_name_the_file_and_line(tmp_path, bad, message):
    cb_path = _write(tmp_path, [{"text": "We never have the time.", "codes": ["time"]}, bad])
    with pytest.raises(InputError, match=message):
        load_codebook(cb_path)


def test_parse_skips_blank_lines_and_keeps_line_numbers():
    cb = load_codebook(SHIPPED) if SHIPPED.is_file() else None
    frame = parse_training_lines(["", '{"text": "Too many forms.", "codes": ["systems_barriers"]}'], cb, path="x.jsonl")
    assert frame["line"].tolist() == [2]


def test_shipped_corpus_meets_its_plan():
    """The plan in docs/coding.md: >= 3,000 turns, every sub-code >= 60, every theme >= 400, >= 300 negatives."""
    cb = load_codebook(SHIPPED)
    frame = training_corpus(cb)
    assert frame is not None and len(frame) >= 3000
    themes = Counter(t for codes in frame["codes"] for t in {c.split("/")[0] for c in codes})
    subs = Counter(c for codes in frame["codes"] for c in codes if "/" in c)
    assert all(themes[t] >= 400 for t in cb.theme_keys()), themes
    assert all(subs[k] >= 60 for k in cb.keys() if "/" in k), subs
    n_themes = frame["codes"].map(lambda codes: len({c.split("/")[0] for c in codes}))
    assert (n_themes == 0).sum() >= 300
    assert 0.15 <= (n_themes == 2).mean() <= 0.30
    assert n_themes.max() <= 2
    assert (n_themes == frame["codes"].map(len)).all(), "a row with two codes of one theme"
    assert frame["batch"].nunique() >= 7 and (frame["batch"] != "").all()
    for field in ("role", "setting", "register"):
        assert (frame[field] != "").all(), field
    assert set(frame["register"]) >= {"focus_group", "interview", "consultation", "report_quote", "presentation", "testimonial"}

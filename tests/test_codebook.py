"""Codebook loading, validation (with YAML line numbers), rendering and the shipped codebook."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.codebook import (
    CODEBOOK_COLUMNS,
    CODEBOOK_TABLE_COLUMNS,
    Code,
    Codebook,
    codebook_markdown,
    codebook_table,
    dumps_codebook,
    load_codebook,
    loads_codebook,
    save_codebook,
)
from outcomes_qual.errors import InputError

THEMES = ["culture_shift", "clarity_of_purpose", "resistance", "systems_barriers", "partners", "time"]

GOOD = textwrap.dedent(
    """\
    name: demo
    version: 2
    codes:
      - key: partners
        label: Partners
        color: "#0a0"
        definition: Other agencies.
        keywords: [GP, school]
        children:
          - key: health
            label: Health
            definition: Health services.
            examples: "The GP called."
          - key: partners/education
            label: Education
            definition: Schools.
      - key: time
        label: Time
        definition: Time pressure.
      - key: deadlines
        parent: time
        label: Deadlines
        definition: Timescales.
    """
)


def test_loads_nested_relative_path_and_parent_keys():
    cb = loads_codebook(GOOD, path="demo.yaml")
    assert cb.name == "demo" and cb.version == "2"
    assert cb.keys() == ["partners", "partners/health", "partners/education", "time", "time/deadlines"]
    assert cb["partners"].color == "#00aa00"
    assert cb["partners"].keywords == ("GP", "school")
    assert cb["partners/health"].examples == ("The GP called.",)
    assert cb["partners/health"].line == 10
    assert cb.theme_keys() == ["partners", "time"]


def test_flat_path_keys_are_reordered_parents_first():
    text = "codes:\n- {key: a/b, label: B, definition: b}\n- {key: a, label: A, definition: a}\n"
    assert loads_codebook(text).keys() == ["a", "a/b"]


BAD = [
    ("codes:\n  - key: time\n    label: Time\n", 2, r"code 'time': missing required field 'definition'"),
    ("codes:\n  - label: Time\n    definition: x\n", 2, r"code '\?': missing required field 'key'"),
    (
        "codes:\n  - {key: a, label: A, definition: a}\n  - {key: a, label: A2, definition: b}\n",
        3,
        r"duplicate code key 'a' \(first defined at line 2\)",
    ),
    ("codes:\n  - {key: a/b, label: B, definition: b}\n", 2, r"code 'a/b': parent 'a' is not a code"),
    ("codes:\n  - {key: b, parent: zz, label: B, definition: b}\n", 2, r"code 'b': parent 'zz' is not a code"),
    (
        "codes:\n  - {key: a, parent: b, label: A, definition: a}\n  - {key: b, parent: a, label: B, definition: b}\n",
        2,
        r"cycle in parents: a -> b -> a",
    ),
    ("codes:\n  - key: a\n    label: A\n    definition: a\n    color: red\n", 5, r"color must be '#RRGGBB' or '#RGB', got 'red'"),
    ("codes:\n  - key: a\n    label: A\n    definition: a\n    keyword: [x]\n", 5, r"unknown field 'keyword'"),
    ("codes:\n  - key: A B\n    label: A\n    definition: a\n", 2, r"each part must be lower-case"),
    ("codes:\n  - key: a\n    label: A\n    label: B\n    definition: a\n", 4, r"field 'label' appears twice"),
    ("codes:\n  - key: a\n    label: [A\n    definition: a\n", 4, r"invalid YAML"),
    (
        "codes:\n  - key: a\n    label: A\n    definition: a\n    examples: {x: 1}\n",
        5,
        r"'examples' must be a string or a list of strings",
    ),
    ("codes:\n  - key: a\n    label: A\n    definition: a\n    children: x\n", 5, r"'children' must be a list"),
    ("name: x\ncodes: []\n", 2, r"'codes' must be a non-empty list"),
    ("name: x\nthemes: []\n", 2, r"unknown top-level field 'themes'"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_bad_codebooks_name_file_and_line(text, line, message):
    with pytest.raises(InputError, match=message) as info:
        loads_codebook(text, path="cb.yaml")
    assert info.value.line == line
    assert str(info.value).startswith(f"cb.yaml:{line}: ")


def test_load_codebook_file_errors(tmp_path):
    with pytest.raises(InputError, match="codebook not found"):
        load_codebook(tmp_path / "missing.yaml")
    bad = tmp_path / "latin.yaml"
    bad.write_bytes("codes:\n  - key: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_codebook(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(InputError, match="empty codebook"):
        load_codebook(empty)


def test_dump_round_trip_and_save_refuses_overwrite(tmp_path):
    cb = loads_codebook(GOOD)
    assert loads_codebook(dumps_codebook(cb)) == cb
    out = save_codebook(cb, tmp_path / "cb.yaml")
    assert load_codebook(out) == cb
    with pytest.raises(InputError, match="refusing to overwrite"):
        save_codebook(cb, out)
    save_codebook(cb, out, overwrite=True)


def test_render_table_and_markdown():
    cb = loads_codebook(GOOD)
    table = codebook_table(cb)
    assert tuple(table.columns) == CODEBOOK_TABLE_COLUMNS
    assert table["level"].tolist() == ["theme", "sub-code", "sub-code", "theme", "sub-code"]
    assert table.loc[1, "example"] == "The GP called."
    md = codebook_markdown(cb)
    assert "## Partners (`partners`)" in md and "### Health (`partners/health`)" in md
    assert tuple(cb.to_frame().columns) == CODEBOOK_COLUMNS


# ------------------------------------------------------------------ shipped codebook
def test_shipped_codebook_structure(codebook_path):
    cb = load_codebook(codebook_path)
    assert cb.theme_keys() == THEMES
    expected_subcodes = {
        "systems_barriers/paperwork_and_it",
        "systems_barriers/performance_management_and_targets",
        "systems_barriers/resource_panels_and_eligibility",
        "systems_barriers/budgets",
        "partners/health",
        "partners/courts_and_legal",
        "partners/education",
        "partners/providers_and_voluntary_sector",
        "time/timescales_and_targets",
        "time/time_for_relationships",
        "time/change_takes_time",
        "culture_shift/values_and_relationships",
        "culture_shift/leadership",
        "culture_shift/supervision_and_reflection",
        "clarity_of_purpose/goals_and_review",
        "clarity_of_purpose/partnership_with_people",
        "resistance/mixed_uptake",
        "resistance/fear_and_old_ways",
        "resistance/confusion_about_outcomes",
    }
    assert expected_subcodes <= set(cb.keys())
    for theme in cb.themes():
        assert theme.color and len(theme.include) >= 3 and len(theme.exclude) >= 1
        assert len(theme.keywords) >= 10 and len(theme.examples) >= 5
    for code in cb:
        assert code.examples, code.key


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def test_shipped_codebook_copies_no_ten_word_run_from_shared(codebook_path, shared_dir):
    ours = _words(codebook_path.read_text(encoding="utf-8"))
    ours_runs = {tuple(ours[i : i + 10]) for i in range(len(ours) - 9)}
    sources = list((shared_dir / "reference").glob("*.txt")) + list((shared_dir / "bench").glob("*.jsonl"))
    assert sources
    for src in sources:
        theirs = _words(src.read_text(encoding="utf-8", errors="replace"))
        hits = [run for run in (tuple(theirs[i : i + 10]) for i in range(len(theirs) - 9)) if run in ours_runs]
        assert not hits, f"{src.name}: {' '.join(hits[0])}"


# ------------------------------------------------------------------ property: save/load round trip
_part = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85\ufeff"),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
_texts = st.lists(_text, max_size=3).map(tuple)
_color = st.one_of(st.none(), st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))


@st.composite
def codebooks(draw):
    themes = draw(st.lists(_part, min_size=1, max_size=4, unique=True))
    codes = []
    for t in themes:
        codes.append(Code(t, draw(_text), draw(_text), draw(_texts), draw(_texts), draw(_texts), draw(_texts), draw(_color)))
        for sub in draw(st.lists(_part, max_size=3, unique=True)):
            codes.append(Code(f"{t}/{sub}", draw(_text), draw(_text), keywords=draw(_texts), examples=draw(_texts)))
    return Codebook(name=draw(_part), codes=tuple(codes), description=draw(st.one_of(st.just(""), _text)), version=draw(_part))


@settings(max_examples=40, deadline=None)
@given(codebooks())
def test_dump_load_round_trip_property(cb):
    back = loads_codebook(dumps_codebook(cb))
    assert back == cb
    assert [c.line for c in back] == sorted(c.line for c in back)  # lines recorded, in file order

"""Pure helpers of the web app: text pieces, evidence highlighting, queue order, safe redirects, coder names."""

from __future__ import annotations

from itertools import pairwise

import pytest

pytest.importorskip("starlette")

from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual_web.data import evidence_terms, highlight_ranges, pieces, queue_priority
from outcomes_qual_web.security import safe_next, valid_coder_name

spans = st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50), spans)
def test_pieces_join_back_to_the_text(text, marks):
    out = pieces(text, marks)
    assert "".join(p for p, _ in out) == text
    assert all(p for p, hl in out if hl)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab form IT\n", max_size=60), st.lists(st.sampled_from(["form", "IT", "a b", "forms"]), max_size=3))
def test_highlight_ranges_are_sorted_disjoint_and_inside(text, terms):
    ranges = highlight_ranges(text, terms)
    assert all(0 <= s < e <= len(text) for s, e in ranges)
    assert all(a[1] < b[0] for a, b in pairwise(ranges))


def test_evidence_terms_and_highlights():
    assert evidence_terms("keywords: forms; IT system") == ["forms", "IT system"]
    assert evidence_terms("similar to example 'x' (0.61)") == []
    assert evidence_terms(None) == []
    text = "The Forms and the IT  system; caseload."
    assert highlight_ranges(text, ["forms", "IT system", "caseloads"]) == [(4, 9), (18, 28), (30, 38)]


def test_queue_priority_is_distance_from_the_threshold():
    confs = [0.97, 0.52, None, 0.05, 0.45, 0.7]
    assert sorted(confs, key=queue_priority) == [0.52, 0.45, 0.7, 0.05, 0.97, None]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_safe_next_never_leaves_the_server(target):
    out = safe_next(target)
    assert out.startswith("/") and not out.startswith("//") and "\\" not in out
    assert all(ord(c) >= 32 for c in out)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil", "javascript:alert(1)", "/t/x\r\nSet-Cookie: a=b"]
)
def test_safe_next_refuses(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("ana", "ana"),
        ("Ana  B.", "Ana B."),
        ("o'brien-smith", "o'brien-smith"),
        ("", None),
        ("<x>", None),
        ("a" * 41, None),
        (" ", None),
        ("Siân", "Siân"),
    ],
)
def test_coder_names(name, expected):
    assert valid_coder_name(name) == expected

"""Names lists (read_names), name forms and the NameMatcher."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.anonymise import NAMES_COLUMNS, NameMatcher, name_variants, names_frame, read_names
from outcomes_qual.anonymise.names import fold_text, is_generic_label, is_initials, name_key
from outcomes_qual.anonymise.wordlists import is_common_word, is_domain_word, is_everyday_word, is_title
from outcomes_qual.errors import InputError


def _write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "names.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_read_names_columns_comments_and_bom(tmp_path):
    path = _write(
        tmp_path,
        "\ufeffName,Category,Pseudonym\n# families\nLlŷr,child,\n\nMegan  Jones,parent,\nCwm Eithin,,[Village]\nLlŷr,child,\n",
    )
    frame = read_names(path)
    assert list(frame.columns) == list(NAMES_COLUMNS)
    assert frame.values.tolist() == [
        ["Llŷr", "", "child"],
        ["Megan Jones", "", "parent"],
        ["Cwm Eithin", "[Village]", ""],
    ]


def test_read_names_cp1252_fallback(tmp_path):
    path = _write(tmp_path, "name,category\nSiân,colleague\n", encoding="cp1252")
    assert read_names(path)["name"].tolist() == ["Siân"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("who,category\nLlŷr,child\n", r"names.csv:1: no 'name' column"),
        ("name,category\nLlŷr,child\n,parent\n", r"names.csv:3: empty name"),
        ("name,category\n1234,child\n", r"names.csv:2: bad name '1234'"),
        ("name,category\nLlŷr,child!\n", r"names.csv:2: bad category 'child!'"),
        ("name,category\nLlŷr,child\nLLYR,parent\n", r"names.csv:3: 'LLYR' is listed again .* on line 2"),
        ("", r"names.csv: empty names list"),
    ],
)
def test_read_names_bad_rows_name_the_line(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_names(_write(tmp_path, text))


def test_read_names_missing_file(tmp_path):
    with pytest.raises(InputError, match="names list not found"):
        read_names(tmp_path / "nope.csv")


def test_names_frame_accepts_dataframes_lists_and_mappings():
    assert names_frame(pd.DataFrame({"Name": ["Peter"], "Replacement": ["[Dad]"]})).values.tolist() == [["Peter", "[Dad]", ""]]
    assert names_frame(pd.DataFrame({"original": ["Peter"]}))["name"].tolist() == ["Peter"]
    with pytest.raises(InputError, match=r"expected a 'name' column, got \['who'\]"):
        names_frame(pd.DataFrame({"who": ["Peter"]}))


def test_name_variants():
    assert [v.text for v in name_variants("Siân Hughes")] == [
        "Siân Hughes",
        "Siân",
        "Hughes",
        "Mr Hughes",
        "Mrs Hughes",
        "Ms Hughes",
        "Miss Hughes",
        "Mx Hughes",
        "Dr Hughes",
    ]
    assert [v.text for v in name_variants("Llŷr")] == ["Llŷr"]
    assert [v.text for v in name_variants("Dr. Moffat")] == [
        "Moffat",
        "Dr Moffat",
        "Mr Moffat",
        "Mrs Moffat",
        "Ms Moffat",
        "Miss Moffat",
        "Mx Moffat",
    ]
    assert [v.text for v in name_variants("Ann Smith", full_only=True)] == [
        "Ann Smith",
        "Mr Smith",
        "Mrs Smith",
        "Ms Smith",
        "Miss Smith",
        "Mx Smith",
        "Dr Smith",
    ]
    smith = [v for v in name_variants("Ann Smith") if v.text == "Smith"][0]
    assert smith.capitalised_only and not smith.case_sensitive


@pytest.mark.parametrize(
    ("label", "generic"),
    [
        ("Practitioner 2", True),
        ("SENIOR", True),
        ("[Manager]", True),
        ("Speaker 1", True),
        ("Interviewer", True),
        ("P03", True),
        ("Ann", False),
        ("Dr Jones", False),
        ("BH", False),
    ],
)
def test_is_generic_label(label, generic):
    assert is_generic_label(label) is generic


def test_small_helpers():
    assert name_key("Mrs.  LLŶR") == "mrs llyr"
    assert fold_text("SIÂN’S") == "sian's"
    assert is_initials("(BH)") and not is_initials("Bec")
    assert is_title("Dr.") and not is_title("Doctor")
    assert is_common_word("Honestly") and not is_common_word("Ceri")
    assert is_domain_word("Councils") and is_domain_word("NQSWs") and not is_domain_word("Glanafon")
    assert is_everyday_word("Hope") and not is_everyday_word("Gwilym")


MATCHER = NameMatcher(
    [
        ("Llŷr", "[Child 1]"),
        ("Siân Hughes", "[Senior P01]"),
        ("Grace", "[Child 2]"),
        ("BH", "[Manager P02]"),
        ("O'Brien", "[Parent 1]"),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Llŷr's plan", "[Child 1]'s plan"),
        ("LLYR’S plan", "[Child 1]’S plan"),
        ("Siân Hughes, Sian, Ms Hughes and MRS. HUGHES", "[Senior P01], [Senior P01], [Senior P01] and [Senior P01]"),
        ("Siân\nHughes", "[Senior P01]"),
        ("by grace of Grace", "by grace of [Child 2]"),
        ("BH said bh", "[Manager P02] said bh"),
        ("O’Brien and o'brien", "[Parent 1] and [Parent 1]"),
        ("Llŷrs, Hughesville, Siân-Marie, x-Llŷr", "Llŷrs, Hughesville, Siân-Marie, x-Llŷr"),
        ("2Llŷr Llŷr2 _Llŷr", "2Llŷr Llŷr2 _Llŷr"),
        ("(Llŷr) 'Llŷr' \"Llŷr\"", "([Child 1]) '[Child 1]' \"[Child 1]\""),
    ],
)
def test_matcher_sub(text, expected):
    assert MATCHER.sub(text)[0] == expected


def test_one_letter_initials_inside_n_a_a_b_or_q_and_a_are_not_names():
    # before: "N/A" became "[P118]/[P119]" and "Q&A" became "Q&[P119]"
    m = NameMatcher([("Nia Evans", "[P118]"), ("N", "[P118]"), ("A", "[P119]")])
    text = "N: budget N/A, A/B, Q&A, Y/N and N&A.\nA: N agreed; (A) too."
    assert m.sub(text)[0] == "[P118]: budget N/A, A/B, Q&A, Y/N and N&A.\n[P119]: [P118] agreed; ([P119]) too."
    # two-letter initials and full names are matched as before
    assert NameMatcher([("BH", "[M]")]).sub("BH/LD and BH")[0] == "[M]/LD and [M]"


def test_matcher_priority_and_tags():
    m = NameMatcher([("Ann Bell", "[A]", {"tag": 0}), ("Ann Jones", "[B]", {"tag": 1})])
    # "Ann" alone is claimed by the first entry; each surname by its own
    assert m.sub("Ann, Bell, Jones, Ann Jones")[0] == "[A], [A], [B], [B]"
    assert [t for *_, t in m.finditer("Ann Jones and Mrs Bell")] == [1, 0]
    assert not NameMatcher([])
    assert NameMatcher([]).sub("x") == ("x", [])


def test_a_name_form_without_letters_is_refused_by_name():
    # before: AttributeError from the first-word index ('NoneType' object has no attribute 'group')
    with pytest.raises(ValueError, match=r"a name to find needs a letter; got '123'"):
        NameMatcher([("123", "[Place 1]", {"person": False})])

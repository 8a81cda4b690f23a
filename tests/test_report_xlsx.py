"""tables.xlsx and tables/*.csv: one sheet per table, rounding at export, safe sheet names; figures."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from test_report_docx import CODEBOOK, NAMES, build

from outcomes_qual.report import build_tables, write_csvs, write_workbook
from outcomes_qual.report.xlsx import sheet_name

EXPECTED_SHEETS = [
    "participants_by_method_role",
    "participants_by_authority_role",
    "role_by_theme",
    "role_by_theme_participants",
    "role_by_theme_groups",
    "role_by_code",
    "role_theme_test",
    "role_theme_test_summary",
    "theme_summary",
    "exemplar_quotes",
    "vignette_candidates",
    "authority_comparison",
    "theme_cooccurrence",
    "codebook",
]


@pytest.fixture(scope="module")
def tables():
    corpus, codings = build()
    return build_tables(corpus, codings, CODEBOOK)


def test_table_names_and_no_private_columns(tables):
    assert list(tables) == EXPECTED_SHEETS
    for name, frame in tables.items():
        assert "speaker" not in frame.columns, name
        assert "participant_id" not in frame.columns, name


def test_workbook_sheets_and_values(tables, tmp_path):
    path = write_workbook(tables, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == EXPECTED_SHEETS
    ws = wb["participants_by_method_role"]
    assert [c.value for c in ws[1]] == ["method", "practitioner", "senior", "manager", "total"]
    assert [c.value for c in ws[4]] == ["total", 3, 3, 1, 7]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    rbt = wb["role_by_theme"]
    header = [c.value for c in rbt[1]]
    first = dict(zip(header, [c.value for c in rbt[2]], strict=True))
    assert first["code"] == "time" and first["role"] == "practitioner" and first["percent"] == pytest.approx(33.3333)
    strings = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    for name in NAMES:
        assert name not in strings


def test_csvs_rounded(tables, tmp_path):
    paths = write_csvs({"role_by_theme": tables["role_by_theme"]}, tmp_path)
    text = paths["role_by_theme"].read_text()
    assert text.splitlines()[0] == "code,level,role,unit,n,base,percent,share_of_code"
    assert "time,theme,practitioner,segments,3,9,33.3333,42.8571" in text


def test_sheet_names():
    taken = {"Role_by_theme"}
    assert sheet_name("role_by_theme", taken) == "role_by_theme_2"
    assert len(sheet_name("x" * 40, set())) == 31
    assert sheet_name("a[b]:c", set()) == "a_b__c"

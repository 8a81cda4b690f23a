"""Leak check: scan_for_names / assert_no_names over docx, xlsx, csv, qdpx, svg and png."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from outcomes_qual.anonymise import LEAK_COLUMNS, NameLeakError, assert_no_names, pseudonymise_corpus, scan_for_names
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError

NAMES = ["Llŷr", "Megan Jones"]


def _docx(path, paragraphs):
    docx = pytest.importorskip("docx")
    doc = docx.Document()
    for runs in paragraphs:
        p = doc.add_paragraph()
        for text in runs:
            p.add_run(text)
    table = doc.add_table(rows=1, cols=1)
    table.rows[0].cells[0].text = "Senior: a clean cell"
    doc.save(path)
    return path


def test_docx_name_split_across_runs(tmp_path):
    path = _docx(tmp_path / "report.docx", [["Practitioner: ", "Ll", "ŷr's plan"], ["Nothing here."], ["Megan"]])
    leaks = scan_for_names(path, NAMES)
    assert list(leaks.columns) == list(LEAK_COLUMNS)
    # one row per occurrence (a name in a single run is not counted twice)
    assert leaks[["member", "name", "matched"]].values.tolist() == [
        ["word/document.xml", "Llŷr", "Llŷr"],
        ["word/document.xml", "Megan Jones", "Megan"],
    ]
    assert "Practitioner: Llŷr's plan" in leaks.loc[0, "context"]


def test_docx_clean(tmp_path):
    path = _docx(tmp_path / "report.docx", [["Practitioner: ", "[Child 1]'s plan"]])
    assert scan_for_names(path, NAMES).empty
    assert_no_names(path, NAMES)


def test_xlsx_shared_and_inline_strings_and_sheet_names(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "quotes"
    ws.append(["role", "quote"])
    ws.append(["Senior", "Mrs Jones rang"])
    wb.create_sheet("Megan")
    path = tmp_path / "tables.xlsx"
    wb.save(path)
    leaks = scan_for_names(path, NAMES)
    # openpyxl writes inline strings into the sheet; the sheet name is in workbook.xml
    assert sorted(leaks[["member", "matched"]].itertuples(index=False, name=None)) == [
        ("xl/workbook.xml", "Megan"),
        ("xl/worksheets/sheet1.xml", "Mrs Jones"),
    ]


def test_xlsx_shared_strings_rich_text_runs(tmp_path):
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    path = tmp_path / "tables.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{ns}"><si><t>Senior</t></si><si><r><t>Ll</t></r><r><t>ŷr</t></r><r><t> went</t></r></si></sst>',
        )
    leaks = scan_for_names(path, NAMES)
    assert leaks[["member", "matched", "context"]].values.tolist() == [["xl/sharedStrings.xml", "Llŷr", "Senior Llŷr went"]]


def test_csv_and_directories_recursively(tmp_path):
    (tmp_path / "tables").mkdir()
    pd.DataFrame({"role": ["Senior"], "quote": ["LLYR went home"]}).to_csv(tmp_path / "tables" / "q.csv", index=False)
    (tmp_path / "clean.csv").write_text("role,quote\nSenior,[Child 1] went home\n", encoding="utf-8")
    leaks = scan_for_names([tmp_path], NAMES)
    assert leaks[["file", "member", "name", "matched"]].values.tolist() == [
        [str(tmp_path / "tables" / "q.csv"), "", "Llŷr", "LLYR"]
    ]


def test_qdpx_project_and_sources(tmp_path):
    path = tmp_path / "export.qdpx"
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Cases><Case guid="x" name="Megan Jones"/></Cases>'
        '<Sources><TextSource name="fg1"><Description>Ll&#375;r and others</Description></TextSource></Sources></Project>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/abc.txt", "Practitioner: Megan said no.\n")
        zf.writestr("sources/clean.txt", "Practitioner: [Child 2] said no.\n")
    leaks = scan_for_names(path, NAMES)
    assert sorted(leaks[["member", "matched"]].itertuples(index=False, name=None)) == [
        ("project.qde", "Llŷr"),
        ("project.qde", "Megan Jones"),
        ("sources/abc.txt", "Megan"),
    ]


def test_svg_and_png_text(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("Themes raised by Llŷr")
    fig.savefig(tmp_path / "fig.svg")
    fig.savefig(tmp_path / "fig.png", metadata={"Title": "Megan Jones figure"})
    plt.close(fig)
    leaks = scan_for_names(tmp_path, NAMES)
    assert sorted(zip(leaks["file"].map(lambda f: f.rsplit("/", 1)[-1]), leaks["matched"], strict=True)) == [
        ("fig.png", "Megan Jones"),
        ("fig.svg", "Llŷr"),
    ]


def test_assert_no_names_is_loud(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("Megan and Llyr and Mrs Jones\n", encoding="utf-8")
    with pytest.raises(NameLeakError, match=r"NAME LEAK: 3 occurrence\(s\) of real names in 1 file\(s\).*'Llyr'"):
        assert_no_names(path, NAMES)
    with pytest.raises(InputError, match="no such file or directory to scan"):
        scan_for_names(tmp_path / "missing", NAMES)


def test_mapping_as_names_skips_generic_labels(tmp_path):
    corpus = Corpus.from_turns("fg1", [("Facilitator", "facilitator", "Hi Ann."), ("Ann", "practitioner", "Llŷr's fine.")])
    anon, mapping = pseudonymise_corpus(corpus, names=["Llŷr"])
    path = tmp_path / "q.txt"
    path.write_text("Facilitator: " + anon.texts["fg1"], encoding="utf-8")
    assert scan_for_names(path, mapping).empty
    path.write_text("Facilitator: Hi Ann", encoding="utf-8")
    assert scan_for_names(path, mapping)["matched"].tolist() == ["Ann"]


def test_places_match_only_as_written(tmp_path):
    names = pd.DataFrame({"name": ["Burnbrae Primary", "Dilys Evans"], "category": ["place", "service_user"]})
    path = tmp_path / "t.csv"
    path.write_text("Primary care; Burnbrae primary; Evans; Dilys\n", encoding="utf-8")
    assert scan_for_names(path, names)["matched"].tolist() == ["Burnbrae primary", "Evans", "Dilys"]

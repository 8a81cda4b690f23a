"""Spreadsheet formula injection: every CSV and XLSX the toolkit writes is safe to open, and reads back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import CODEBOOK
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from outcomes_qual.cli import main
from outcomes_qual.safe_tables import (
    TRIGGERS,
    neutralise,
    neutralise_frame,
    read_csv,
    read_workbook_sheet,
    restore,
    restore_frame,
    type_text_cells,
    write_csv,
)

HOSTILE = [
    "+cmd|' /C calc'!A0 and the forms still take all week to fill in",
    "@SUM(1+1) is what the panel wants before it releases any funding",
    "-2+3 is how many visits we get to a family now, and it is never enough time",
    '=HYPERLINK("http://x.invalid","click") we start with what matters to the person',
    "'=1+1 said the manager about the new outcomes measures and supervision",
]

FG = "\n".join(
    [
        "Facilitator: What has changed in how you work with families?",
        f"Gwenllian Price: {HOSTILE[0]}",
        f"Rhodri Evans: {HOSTILE[1]}",
        "Facilitator: And time?",
        f"Gwenllian Price: {HOSTILE[2]}",
        f"Rhodri Evans: {HOSTILE[3]}",
        f"Gwenllian Price: {HOSTILE[4]}",
        "",
    ]
)
INT = "\n".join(
    [
        "Interviewer: How do managers see it?",
        "Morag Bell: As a manager I see the values changing across the teams, slowly, in supervision and time.",
        "Interviewer: Anything else?",
        "Morag Bell: =cmd|' /C calc'!A0 the panels still want deficits written up for Tomos before they release funding.",
        "",
    ]
)
ROSTER = """transcript,speaker,participant_id,role,authority,department,method,team
fg_glanafon,Facilitator,F1,facilitator,Glanafon,Adults,focus_group,=1+1
fg_glanafon,Gwenllian Price,P1,practitioner,Glanafon,Adults,focus_group,@team
fg_glanafon,Rhodri Evans,P2,senior,Glanafon,Adults,focus_group,-north
int_strathlinn,Interviewer,F2,facilitator,Strathlinn,'-Children,interview,+south
int_strathlinn,Morag Bell,P3,manager,Strathlinn,'-Children,interview,+south
"""
NAMES = "name,category\nTomos,child\n"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_csv(path: Path) -> int:
    """Assert no text cell of ``path`` starts with a trigger; return the number of cells."""
    n = 0
    with open(path, newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh)):
            for cell in row:
                n += 1
                if cell[:1] in TRIGGERS and cell:
                    assert _is_number(cell), f"{path.name} row {i}: {cell[:40]!r}"
    return n


def check_xlsx(path: Path) -> int:
    n = 0
    for ws in load_workbook(path):
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                n += 1
                assert cell.data_type != "f", f"{path.name}:{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in TRIGGERS or not cell.value, f"{ws.title}!{cell.coordinate}"
    return n


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    (d / "in").mkdir()
    (d / "in" / "fg_glanafon.txt").write_text(FG, encoding="utf-8")
    (d / "in" / "int_strathlinn.txt").write_text(INT, encoding="utf-8")
    (d / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (d / "names.csv").write_text(NAMES, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def outputs(hostile):
    """Run every writer on the hostile corpus; return the output folder."""
    codebook_path = CODEBOOK
    d = hostile
    inp, roster, out = str(d / "in"), str(d / "roster.csv"), d / "out"
    out.mkdir()
    common = [inp, "--roster", roster]

    def run(*argv):
        assert main([str(a) for a in argv]) == 0, argv

    run("segments", *common, "--out", out / "segments.csv")
    run("autocode", *common, "--codebook", codebook_path, "--method", "keyword", "--out", out / "codings.csv")
    run(
        "report",
        *common,
        "--codebook",
        codebook_path,
        "--method",
        "keyword",
        "--topic-backend",
        "light",
        "--names",
        d / "names.csv",
        "--quiet",
        "--out",
        out / "report",
    )
    run("topics", *common, "--codebook", codebook_path, "--backend", "light", "--out", out / "topics")
    run("participants", roster, "--rows", "team", "--cols", "role", "--out", out / "participants.csv")
    codings = pd.read_csv(out / "codings.csv", dtype=str, keep_default_na=False)
    other = codings.assign(coder="ben", code=codings["code"].iloc[::-1].to_numpy())
    write_csv(other, out / "codings_ben.csv")
    run(
        "agreement",
        out / "codings.csv",
        out / "codings_ben.csv",
        "--segments",
        out / "segments.csv",
        "--out",
        out / "agreement.csv",
        "--disagreements",
        out / "disagreements.csv",
    )
    run(
        "validate",
        out / "codings.csv",
        out / "codings_ben.csv",
        "--segments",
        out / "segments.csv",
        "--boot",
        "20",
        "--out",
        out / "validation.csv",
        "--confusions",
        out / "confusions.csv",
        "--per-unit",
        out / "validation_units.csv",
    )
    run("suggest", *common, "--codebook", codebook_path, "--backend", "lsa", "-n", "3", "--out", out / "suggest.csv")
    run("anonymise", *common, "--names", d / "names.csv", "--review", out / "candidates.csv")
    run("anonymise", *common, "--names", d / "names.csv", "--apply", "--out", out / "anon")
    run("project", "init", out / "p.sqlite", "--codebook", codebook_path)
    run("project", "add", inp, "--roster", roster, "--project", out / "p.sqlite")
    run("autocode", "--project", out / "p.sqlite", "--codebook", codebook_path, "--method", "keyword")
    run("project", "export", "--project", out / "p.sqlite", "--out", out / "export")
    return out


def test_every_written_table_is_safe(outputs):
    csvs = sorted(outputs.rglob("*.csv"))
    xlsxs = sorted(outputs.rglob("*.xlsx"))
    names = {p.name for p in csvs}
    for expected in (
        "segments.csv",
        "codings.csv",
        "exemplar_quotes.csv",
        "topics.csv",
        "agreement.csv",
        "disagreements.csv",
        "candidates.csv",
        "mapping.csv",
        "participants.csv",
    ):
        assert expected in names
    assert xlsxs, "the report writes tables.xlsx"
    # the hostile text really reached the outputs, neutralised
    seg = (outputs / "segments.csv").read_text(encoding="utf-8")
    assert "'+cmd|' /C calc'!A0" in seg and "''=1+1 said" in seg
    quotes = (outputs / "report" / "tables" / "exemplar_quotes.csv").read_text(encoding="utf-8")
    assert "'-2+3 is how many visits" in quotes or "'@SUM(1+1)" in quotes or "'+cmd" in quotes
    assert sum(check_csv(p) for p in csvs) > 500
    assert sum(check_xlsx(p) for p in xlsxs) > 200


def test_numbers_stay_numbers(outputs):
    wb = load_workbook(outputs / "report" / "tables.xlsx")
    ws = wb["role_by_theme"]
    header = [c.value for c in ws[1]]
    col = header.index("percent")
    values = [row[col].value for row in ws.iter_rows(min_row=2)]
    assert values and all(isinstance(v, (int, float)) for v in values)
    # negative statistics are written as numbers, in the CSV and in the workbook
    frame = pd.read_csv(outputs / "report" / "tables" / "role_theme_test.csv")
    assert frame["residual"].dtype == float and (frame["residual"] < 0).any()
    ws = wb["role_theme_test"]
    header = [c.value for c in ws[1]]
    col = header.index("residual")
    cells = [row[col] for row in ws.iter_rows(min_row=2)]
    assert any(c.data_type == "n" and c.value < 0 for c in cells)


def test_our_readers_restore_the_original(outputs, hostile):
    from outcomes_qual.cli.autocode import read_training_codings
    from outcomes_qual.ingest import read_corpus, read_roster

    original = read_corpus([hostile / "in"], roster=hostile / "roster.csv")
    again = read_corpus([outputs / "segments.csv"])
    assert again.segments["text"].tolist() == original.segments["text"].tolist()
    for text in HOSTILE:
        assert text in set(again.segments["text"])
    seg = read_csv(outputs / "segments.csv", dtype=str, keep_default_na=False)
    assert set(HOSTILE) <= set(seg["text"])
    roster = read_roster(outputs / "anon" / "roster.csv")
    assert {"=1+1", "@team", "-north", "+south"} <= set(roster["team"])
    # a roster cell typed '-Children is Excel's text marker: read as -Children, written back neutralised
    assert set(read_roster(hostile / "roster.csv")["department"]) == set(roster["department"]) == {"Adults", "-Children"}
    codings = read_training_codings(outputs / "codings.csv")
    assert len(codings) and codings["segment_id"].str.contains(":").all()
    anon_segments = read_corpus([outputs / "anon" / "segments.csv"])
    assert HOSTILE[2] in set(anon_segments.segments["text"])
    back = read_workbook_sheet(outputs / "report" / "tables.xlsx", "exemplar_quotes")
    assert any(str(t).startswith(("+cmd", "@SUM", "-2+3", "=HYPERLINK")) for t in back["quote"])


def test_restore_is_the_exact_inverse():
    for text in HOSTILE + ["", "'", "''", "'-", "''@", "'Tis", "\t", "\r\n", "-0.5", "a=b"]:
        safe = neutralise(text)
        assert restore(safe) == text
        assert safe[:1] not in TRIGGERS or not safe


@given(st.text())
def test_neutralise_round_trip(text):
    safe = neutralise(text)
    assert restore(safe) == text
    assert not (safe[:1] and safe[:1] in TRIGGERS)
    if not text.lstrip("'")[:1] or text.lstrip("'")[:1] not in TRIGGERS:
        assert safe == text  # only cells that need it are touched


_cell = st.text(alphabet=st.sampled_from(list("=+-@\t\r'ab ,\"\n1")), max_size=8)


@given(st.lists(st.tuples(_cell, st.floats(allow_nan=False, allow_infinity=False, width=32)), min_size=1, max_size=6))
def test_csv_round_trip(rows):
    frame = pd.DataFrame(rows, columns=["text", "value"])
    buf = io.StringIO()
    write_csv(frame, buf)
    for row in list(csv.reader(io.StringIO(buf.getvalue())))[1:]:
        assert not (row[0][:1] and row[0][:1] in TRIGGERS)
    back = read_csv(io.StringIO(buf.getvalue()), dtype={"text": str}, keep_default_na=False)
    assert back["text"].tolist() == frame["text"].tolist()
    assert back["value"].tolist() == pytest.approx(frame["value"].tolist())


def test_frames_numbers_and_missing_values():
    frame = pd.DataFrame({"text": ["=1", None, "ok"], "stat": [-0.5, 1.0, -2.0], "mixed": ["-x", 3, -4.5]})
    safe = neutralise_frame(frame)
    assert safe["text"].tolist()[0] == "'=1" and safe["text"].isna().tolist() == [False, True, False]
    assert safe["stat"].tolist() == [-0.5, 1.0, -2.0] and safe["stat"].dtype == float
    assert safe["mixed"].tolist() == ["'-x", 3, -4.5]
    assert restore_frame(safe).equals(frame)


def test_type_text_cells_turns_formulas_into_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "=1+1"
    ws["A2"] = -3
    ws["A3"] = "-x"
    assert ws["A1"].data_type == "f"
    assert type_text_cells(ws) == 2
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert (ws["A1"].value, ws["A1"].data_type) == ("'=1+1", "s")
    assert ws["A2"].value == -3 and ws["A3"].value == "'-x"

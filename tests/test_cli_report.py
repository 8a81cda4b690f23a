"""``outcomes-qual report``: end to end from transcript files, with progress on stderr and paths on stdout."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from outcomes_qual.cli import main

FG = """Facilitator: What has changed in how you work with families?
Gwenllian Price: We start with what matters to the person now, not with the form. That is a real culture shift for us.
Rhodri Evans: The assessment form still asks about deficits in every box, and the IT system will not save a plan.
Facilitator: And time?
Gwenllian Price: There is never enough time in the week to sit with a family and really listen to them properly.
Rhodri Evans: Caseloads are too high to do this properly, so the good conversations get squeezed out every week.
"""

INT = """Interviewer: How do managers see it?
Morag Bell: As a manager I see the values changing across the teams, slowly, and supervision is where it shows most.
Interviewer: Anything else?
Morag Bell: The panels still want deficits written up before they release funding, which pulls staff back to old ways.
"""

ROSTER = """transcript,speaker,participant_id,role,authority,department,method
fg_glanafon,Facilitator,F1,facilitator,Glanafon,Adults,focus_group
fg_glanafon,Gwenllian Price,P1,practitioner,Glanafon,Adults,focus_group
fg_glanafon,Rhodri Evans,P2,senior,Glanafon,Adults,focus_group
int_strathlinn,Interviewer,F2,facilitator,Strathlinn,Children,interview
int_strathlinn,Morag Bell,P3,manager,Strathlinn,Children,interview
"""


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "fg_glanafon.txt").write_text(FG)
    (d / "int_strathlinn.txt").write_text(INT)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    codings = tmp_path / "codings.csv"
    rows = [
        ("fg_glanafon:002", "culture_shift"),
        ("fg_glanafon:003", "systems_barriers/paperwork_and_it"),
        ("fg_glanafon:003", "systems_barriers"),
        ("fg_glanafon:005", "time"),
        ("fg_glanafon:006", "time"),
        ("int_strathlinn:002", "culture_shift"),
        ("int_strathlinn:004", "systems_barriers"),
    ]
    pd.DataFrame(rows, columns=["segment_id", "code"]).assign(coder="analyst", method="manual").to_csv(codings, index=False)
    return d, roster, codings


def test_report_with_codings(inputs, tmp_path, codebook_path, capsys):
    if not codebook_path.is_file():
        pytest.skip("shipped codebook missing")
    d, roster, codings = inputs
    out = tmp_path / "out"
    before = {p: p.read_bytes() for p in d.iterdir()}
    code = main(
        [
            "report",
            str(d),
            "--roster",
            str(roster),
            "--codebook",
            str(codebook_path),
            "--codings",
            str(codings),
            "--no-topics",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"report:  {out / 'report.docx'}" in captured.out
    assert (out / "tables.xlsx").is_file() and (out / "tables" / "theme_summary.csv").is_file()
    assert (out / "figures" / "role_theme_heatmap.png").is_file()
    assert "outcomes-qual report" in captured.err  # progress bar on stderr
    assert {p: p.read_bytes() for p in d.iterdir()} == before  # inputs untouched
    summary = pd.read_csv(out / "tables" / "theme_summary.csv").set_index("theme")
    assert summary.loc["time", "n_turns"] == 2 and summary.loc["culture_shift", "n_participants"] == 2
    with zipfile.ZipFile(out / "report.docx") as z:
        xml = z.read("word/document.xml").decode()
    for name in ("Gwenllian", "Rhodri", "Morag", "Price", "Evans", "Bell"):
        assert name not in xml
    assert "1 focus group and 1 one-to-one interview in 2 local authorities" in xml


def test_report_bad_codings_is_one_line(inputs, tmp_path, codebook_path, capsys):
    d, roster, _ = inputs
    bad = tmp_path / "bad.csv"
    bad.write_text("segment_id,code\nnope:001,time\n")
    code = main(
        [
            "report",
            str(d),
            "--roster",
            str(roster),
            "--codebook",
            str(codebook_path),
            "--codings",
            str(bad),
            "--no-topics",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert err.startswith(f"error: {bad}: no segment_id matches the corpus (e.g. 'nope:001'")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("id,theme\n1,time\n")
    assert (
        main(
            [
                "report",
                str(d),
                "--codebook",
                str(codebook_path),
                "--codings",
                str(nocol),
                "--no-topics",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "missing column(s) 'segment_id', 'code'" in capsys.readouterr().err


def test_report_requires_codebook(inputs, tmp_path, capsys):
    d, roster, codings = inputs
    assert main(["report", str(d), "--codings", str(codings), "--out", str(tmp_path / "o")]) == 2
    assert "--codebook is required" in capsys.readouterr().err


def test_report_autocodes_and_finds_topics(inputs, tmp_path, codebook_path, capsys):
    pytest.importorskip("outcomes_qual.coding").autocode  # noqa: B018 - the access loads autocode (lazily imported)
    d, roster, _ = inputs
    out = tmp_path / "auto"
    code = main(
        [
            "report",
            str(d),
            "--roster",
            str(roster),
            "--codebook",
            str(codebook_path),
            "--method",
            "keyword",
            "--topic-backend",
            "light",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    from openpyxl import load_workbook

    sheets = load_workbook(out / "tables.xlsx").sheetnames
    assert "topics" in sheets and "role_by_theme" in sheets
    assert pd.read_csv(out / "tables" / "role_by_theme.csv")["n"].sum() > 0


def test_leak_check_fails_loudly(inputs, tmp_path, codebook_path, capsys, monkeypatch):
    """If a name slipped through pseudonymisation, the command says so and exits 2."""
    from outcomes_qual.cli import _common

    monkeypatch.setattr(_common, "anonymise", lambda corpus, args: corpus)  # simulate a pseudonymiser that missed
    monkeypatch.setattr("outcomes_qual.analysis.quotes.scrub_names", lambda text, names, **kw: text)
    monkeypatch.setattr("outcomes_qual.report.docx_report.scrub_names", lambda text, names, **kw: text)
    d, roster, codings = inputs
    (d / "fg_glanafon.txt").write_text(
        FG + "Gwenllian Price: Rhodri Evans put it best, the forms are the worst part of the whole week for us.\n"
    )
    pd.DataFrame({"segment_id": ["fg_glanafon:007"], "code": ["systems_barriers"]}).to_csv(codings, index=False)
    code = main(
        [
            "report",
            str(d),
            "--roster",
            str(roster),
            "--codebook",
            str(codebook_path),
            "--codings",
            str(codings),
            "--no-topics",
            "--quiet",
            "--out",
            str(tmp_path / "leaky"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "NAME LEAK" in err and "report.docx" in err


def test_report_from_project(inputs, tmp_path, codebook_path, capsys):
    """--project: corpus, codebook and non-rejected codings come from the project file."""
    from outcomes_qual.codebook import load_codebook
    from outcomes_qual.ingest import read_corpus
    from outcomes_qual.project import Project

    d, roster, codings = inputs
    path = tmp_path / "p.sqlite"
    proj = Project.create(path)
    try:
        proj.add_corpus(read_corpus([d], roster=roster))
        cb = load_codebook(codebook_path)
        proj.add_codebook(cb)
        rows = pd.read_csv(codings)
        rows["status"] = ["accepted"] * (len(rows) - 1) + ["rejected"]  # int_strathlinn:004 rejected
        proj.add_codings(rows, codebook=cb)
    finally:
        proj.close()
    out = tmp_path / "from_project"
    code = main(["report", "--project", str(path), "--no-topics", "--quiet", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = pd.read_csv(out / "tables" / "theme_summary.csv").set_index("theme")
    assert summary.loc["time", "n_turns"] == 2
    assert summary.loc["systems_barriers", "n_turns"] == 1  # the rejected coding is not counted


def test_supervised_needs_train(inputs, tmp_path, codebook_path, capsys):
    d, roster, _ = inputs
    code = main(
        [
            "report",
            str(d),
            "--roster",
            str(roster),
            "--codebook",
            str(codebook_path),
            "--method",
            "supervised",
            "--no-topics",
            "--quiet",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "--method supervised needs --train CODINGS.csv" in capsys.readouterr().err


def test_out_inside_input_is_refused(inputs, tmp_path, codebook_path, capsys):
    d, roster, codings = inputs
    code = main(
        ["report", str(d), "--codebook", str(codebook_path), "--codings", str(codings), "--no-topics", "--out", str(d / "report")]
    )
    assert code == 2
    assert "--out is inside an INPUT directory" in capsys.readouterr().err
    assert not (d / "report").exists()

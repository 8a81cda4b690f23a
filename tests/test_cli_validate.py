"""``outcomes-qual validate`` end to end: from a project and from CSVs; bad input is one line, exit 2."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.agreement import CONFUSION_COLUMNS, VALIDATION_COLUMNS, VALIDATION_UNIT_COLUMNS
from outcomes_qual.cli import main
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

TURNS = [
    ("Fac", "facilitator", "What gets in the way?"),
    ("Ann", "practitioner", "The forms take all week."),
    ("Bo", "manager", "We never have the time to sit with families."),
    ("Cy", "senior", "Health partners do not share plans with us."),
    ("Ann", "practitioner", "Time again, and the forms."),
    ("Bo", "manager", "It was a good year for the team."),
    ("Cy", "senior", "The panel sends plans back."),
]
CODEBOOK = Codebook(
    "demo",
    (
        Code("systems_barriers", "Systems", "Systems in the way."),
        Code("time", "Time", "Lack of time."),
        Code("partners", "Partners", "Other agencies."),
        Code("partners/health", "Health", "Health services."),
    ),
)


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.sqlite"
    with Project.create(path) as proj:
        proj.add_corpus(Corpus.from_turns("fg", TURNS))
        proj.add_codebook(CODEBOOK)
        # the machine suggests on turns 2-7; ana codes turns 2, 3, 4 herself and reviews turn 5 and 7
        machine = pd.DataFrame(
            {
                "segment_id": ["fg:002", "fg:003", "fg:004", "fg:004", "fg:005", "fg:006", "fg:007"],
                "code": [
                    "systems_barriers",
                    "systems_barriers",
                    "partners",
                    "partners/health",
                    "time",
                    "time",
                    "systems_barriers",
                ],
                "coder": "outcomes_qual",
                "method": "keyword",
            }
        )
        ids = proj.add_codings(machine)
        for sid, code in (("fg:002", "systems_barriers"), ("fg:003", "time"), ("fg:004", "partners/health")):
            proj.code_segment(sid, code, coder="ana")
        proj.accept(ids[4], reviewer="ana")  # fg:005 time
        proj.reject(ids[6], reviewer="ana")  # fg:007 systems_barriers
    return path


def run(capsys, *argv):
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_from_project(project, tmp_path, capsys):
    out_csv, conf_csv, unit_csv = tmp_path / "v.csv", tmp_path / "c.csv", tmp_path / "u.csv"
    code, out, err = run(
        capsys,
        "--project",
        project,
        "--coder",
        "outcomes_qual",
        "--against",
        "ana",
        "--out",
        out_csv,
        "--confusions",
        conf_csv,
        "--per-unit",
        unit_csv,
        "--boot",
        200,
    )
    assert code == 0, err
    table = pd.read_csv(out_csv, keep_default_na=False, na_values=[""])
    assert list(table.columns) == list(VALIDATION_COLUMNS)
    # units: fg:002-005 and fg:007 (reviewed); fg:006 never seen by ana; themes from the project's codebook
    assert table["code"].tolist() == ["systems_barriers", "time", "partners", "all"]
    assert table["n_units"].tolist() == [5, 5, 5, 15]
    t = table.set_index("code")
    # systems_barriers: machine 002 003 007, ana 002 -> agree on 002, 004, 005: 3/5
    assert t.loc["systems_barriers", "percent_agreement"] == pytest.approx(0.6)
    assert (t.loc["systems_barriers", "n_machine"], t.loc["systems_barriers", "n_human"]) == (3, 1)
    # time: machine 005, ana 003 and 005 (accepted) -> 4/5; kappa: po .8, pe .2*.4 + .8*.6 = .56
    assert t.loc["time", "cohen_kappa"] == pytest.approx(round(0.24 / 0.44, 4))
    # partners: both on 004 only -> perfect
    assert t.loc["partners", "percent_agreement"] == 1.0 and t.loc["partners", "f1"] == 1.0
    assert t.loc["all", "cohen_kappa_ci_low"] <= t.loc["all", "cohen_kappa"] <= t.loc["all", "cohen_kappa_ci_high"]
    assert "outcomes_qual against ana: 5 turn(s)" in out
    assert "systems_barriers" in out and "confusions (rows: human, columns: machine; units)" in out
    conf = pd.read_csv(conf_csv)
    assert list(conf.columns) == list(CONFUSION_COLUMNS)
    cells = {(r.human_code, r.machine_code): r.n_units for r in conf.itertuples()}
    assert cells == {
        ("systems_barriers", "systems_barriers"): 1,
        ("time", "systems_barriers"): 1,
        ("partners", "partners"): 1,
        ("time", "time"): 1,
        ("none", "systems_barriers"): 1,
    }
    units = pd.read_csv(unit_csv, keep_default_na=False)
    assert list(units.columns) == list(VALIDATION_UNIT_COLUMNS)
    assert units["segment_id"].tolist() == ["fg:002", "fg:003", "fg:004", "fg:005", "fg:007"]


def test_same_seed_same_output(project, tmp_path, capsys):
    outs = []
    for name in ("a.csv", "b.csv"):
        code, _out, err = run(
            capsys, "--project", project, "--against", "ana", "--out", tmp_path / name, "--seed", 5, "--boot", 100
        )
        assert code == 0, err
        outs.append((tmp_path / name).read_text())
    assert outs[0] == outs[1]


def test_code_level(project, tmp_path, capsys):
    code, out, err = run(
        capsys, "--project", project, "--against", "ana", "--level", "code", "--boot", 0, "--out", tmp_path / "v.csv"
    )
    assert code == 0, err
    table = pd.read_csv(tmp_path / "v.csv")
    assert "partners/health" in set(table["code"]) and set(table["level"]) == {"code"}


def test_from_csv_files(tmp_path, capsys):
    seg = pd.DataFrame(
        {
            "segment_id": ["t:001", "t:002", "t:003", "t:004", "t:005"],
            "role": ["facilitator", "practitioner", "senior", "manager", "senior"],
        }
    )
    seg.to_csv(tmp_path / "segments.csv", index=False)
    pd.DataFrame({"segment_id": ["t:002", "t:003", "t:001"], "code": ["time", "time", "time"], "coder": "outcomes_qual"}).to_csv(
        tmp_path / "machine.csv", index=False
    )
    pd.DataFrame({"segment_id": ["t:002", "t:004"], "code": ["time", "time"]}).to_csv(tmp_path / "ana.csv", index=False)
    code, out, err = run(
        capsys,
        tmp_path / "machine.csv",
        tmp_path / "ana.csv",
        "--segments",
        tmp_path / "segments.csv",
        "--out",
        tmp_path / "v.csv",
        "--boot",
        0,
    )
    assert code == 0, err
    table = pd.read_csv(tmp_path / "v.csv").set_index("code")
    # units t:002-005 (facilitator left out); machine 002 003, ana 002 004 -> 2/4 agree
    assert table.loc["time", "n_units"] == 4
    assert table.loc["time", "percent_agreement"] == 0.5
    assert set(table["against"]) == {"ana"}  # named after the file when it has no coder column
    code, out, err = run(
        capsys, tmp_path / "machine.csv", tmp_path / "ana.csv", "--units-from-human", "--out", tmp_path / "v2.csv", "--boot", 0
    )
    assert code == 0, err
    assert pd.read_csv(tmp_path / "v2.csv").set_index("code").loc["time", "n_units"] == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--against", "zoe"],
            r"error: .*p\.sqlite: --against: no codings by 'zoe' in the project, nor any reviewed "
            r"by them; coders and reviewers in it: \['ana', 'outcomes_qual'\]",
        ),
        (["--against", "ana", "--coder", "robot"], r"--coder: no codings by 'robot'"),
        ([], r"--project needs --against NAME"),
        (["--against", "ana", "--boot", "-1"], r"--boot: expected a number of resamples >= 0, got -1"),
    ],
)
def test_bad_project_arguments(project, capsys, argv, message):
    code, out, err = run(capsys, "--project", project, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert pytest.importorskip("re").search(message, err), err


def test_bad_files(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("segment,label\nx,y\n")
    code, _out, err = run(capsys, tmp_path / "bad.csv", tmp_path / "bad.csv", "--segments", tmp_path / "bad.csv")
    assert code == 2 and "bad.csv" in err and "missing column(s) ['segment_id', 'code']" in err
    code, _out, err = run(capsys, tmp_path / "missing.csv", "--coder", "a", "--against", "b", "--units-from-human")
    assert code == 2 and "missing.csv: no such codings file" in err
    code, _out, err = run(capsys)
    assert code == 2 and "give MACHINE.csv HUMAN.csv" in err


def test_refuses_to_overwrite_input(project, capsys):
    code, _out, err = run(capsys, "--project", project, "--against", "ana", "--out", project)
    assert code == 2 and "overwrite an input" in err


def test_a_reviewer_without_codings_of_their_own(project, tmp_path, capsys):
    with Project.open(project) as proj:
        ids = proj.codings(coder="outcomes_qual")["coding_id"].tolist()
        proj.accept(ids[:2], reviewer="ben")  # fg:002, fg:003 systems_barriers
        proj.reject(ids[5], reviewer="ben")  # fg:006 time
    code, out, err = run(capsys, "--project", project, "--against", "ben", "--boot", 0, "--out", tmp_path / "v.csv")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "v.csv").set_index("code")
    assert table.loc["systems_barriers", "n_units"] == 3
    assert table.loc["systems_barriers", "percent_agreement"] == 1.0
    assert table.loc["time", ["n_machine", "n_human"]].tolist() == [1, 0]

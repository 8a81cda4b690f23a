"""Learning from an evaluator's reviews: the rule, and ``autocode --project P --train-from-reviews``."""

from __future__ import annotations

import pandas as pd
import pytest
from test_cli_project import cli, files, project  # noqa: F401  (fixtures)

from outcomes_qual.cli import main
from outcomes_qual.coding import REVIEWED_COLUMNS, reviewed_codings
from outcomes_qual.project import Project


def test_reviewed_codings_rule_exact():
    frame = pd.DataFrame(
        {
            "segment_id": ["a:1", "a:1", "a:1", "a:2", "a:3", "a:4", "a:4"],
            "code": ["time", "partners", "time", "partners", "time", "time", "systems_barriers"],
            "status": ["accepted", "rejected", "accepted", "rejected", "suggested", "suggested", "accepted"],
        }
    )
    out = reviewed_codings(frame)
    assert list(out.columns) == list(REVIEWED_COLUMNS)
    # a:1 accepted time (once), rejected partners; a:2 all rejected -> a negative; a:3 untouched -> not a training turn;
    # a:4 reviewed: accepted systems_barriers, the pending time suggestion counts as not applying
    assert out.values.tolist() == [["a:1", "time"], ["a:2", ""], ["a:4", "systems_barriers"]]
    with pytest.raises(ValueError, match="status"):
        reviewed_codings(frame.drop(columns="status"))


def test_autocode_learns_from_the_projects_reviews(files, project, capsys):  # noqa: F811 - files and project are the fixtures imported above
    p = project
    code, _, err = cli(
        capsys, "autocode", "--project", p, "--codebook", files / "cb.yaml", "--backend", "lsa", "--train-from-reviews"
    )
    assert code == 0 and "no reviewed turn" in err
    with Project.open(p) as proj:
        sugg = proj.codings(status="suggested")
        # the evaluator rejects every suggestion on the forms turn and codes it by hand as time (to be visible)
        forms = sugg[sugg["segment_id"] == "fg_north:002"]
        proj.reject(forms["coding_id"].tolist(), reviewer="ana")
        proj.code_segment("fg_north:002", "time", coder="ana")
        before = len(proj.codings())
    code, _, err = cli(
        capsys,
        "autocode",
        "--project",
        p,
        "--codebook",
        files / "cb.yaml",
        "--backend",
        "lsa",
        "--train-from-reviews",
        "--coder",
        "model-b",
    )
    assert code == 0 and "learning from 1 reviewed turns" in err
    with Project.open(p) as proj:
        after = proj.codings()
    assert len(after) > before and set(after.loc[after.index >= before, "coder"]) == {"model-b"}


def test_train_from_reviews_needs_a_project(files, capsys):  # noqa: F811 - files is the fixture imported above
    code = main(
        [
            "autocode",
            str(files / "fg_north.txt"),
            "--codebook",
            str(files / "cb.yaml"),
            "--backend",
            "lsa",
            "--train-from-reviews",
            "--out",
            str(files / "c.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--train-from-reviews needs --project" in err

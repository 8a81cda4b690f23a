"""``outcomes-qual project ...`` end to end on small transcript files."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.cli import main
from outcomes_qual.project import PROJECT_CODING_COLUMNS, Project

CODEBOOK_YAML = """\
name: mini
version: "1"
codes:
  - key: time
    label: Time
    definition: Talk about having or lacking time.
  - key: systems_barriers
    label: Systems barriers
    definition: Processes and systems that get in the way.
    children:
      - key: paperwork_and_it
        label: Forms and IT
        definition: Forms, recording systems and IT.
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "fg_north.txt").write_text(
        "Facilitator: What gets in the way of good conversations?\n"
        "Ann: The forms. The assessment form is twelve pages.\n"
        "Bea: And there is never time to sit with people.\n"
        "Ann: Our IT system logs us out mid-visit.\n",
        encoding="utf-8",
    )
    (tmp_path / "int_south.txt").write_text(
        "Interviewer: How has practice changed?\nCy: We plan around what people want, but time is tight.\n",
        encoding="utf-8",
    )
    (tmp_path / "roster.csv").write_text(
        "transcript,speaker,participant_id,role,authority\n"
        "fg_north,Ann,P01,practitioner,North\nfg_north,Bea,P02,senior,North\n"
        "fg_north,Facilitator,F1,facilitator,North\n"
        "int_south,Cy,P03,manager,South\nint_south,Interviewer,F2,facilitator,South\n",
        encoding="utf-8",
    )
    (tmp_path / "cb.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    return tmp_path


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(files, capsys):
    path = files / "p.sqlite"
    assert cli(capsys, "project", "init", path, "--codebook", files / "cb.yaml")[0] == 0
    code, out, err = cli(
        capsys,
        "project",
        "add",
        files / "fg_north.txt",
        files / "int_south.txt",
        "--roster",
        files / "roster.csv",
        "--project",
        path,
    )
    assert code == 0, err
    assert "added 2 transcript(s), 6 turn(s)" in out
    return path


def test_init_refuses_existing_file(project, capsys):
    code, _, err = cli(capsys, "project", "init", project)
    assert code == 2
    assert err.strip().endswith("p.sqlite: already exists; open it with Project.open or choose a new file name")
    assert "Traceback" not in err


def test_add_keeps_roster_attributes(project):
    with Project.open(project) as p:
        part = p.participants().set_index("speaker")
        assert part.loc["Bea", ["participant_id", "role", "authority"]].tolist() == ["P02", "senior", "North"]
        assert p.codebook().keys() == ["time", "systems_barriers", "systems_barriers/paperwork_and_it"]
        assert p.corpus().texts["int_south"].startswith("Interviewer: How")


def test_code_segment_search_span_review_undo_export(project, files, capsys):
    code, out, _ = cli(capsys, "project", "code", "fg_north:003", "time", "--coder", "ann", "--project", project)
    assert code == 0 and out.strip() == "coded fg_north:003 as 'time' by ann (coding id 1)"

    code, out, _ = cli(capsys, "project", "code", "--search", "time", "time", "--coder", "bob", "--preview", "--project", project)
    assert code == 0
    assert out.splitlines()[0] == "fg_north:003\tsenior\tAnd there is never [time] to sit with people."
    assert out.splitlines()[-1].startswith("2 turn(s) match 'time'; run without --preview")
    with Project.open(project) as p:
        assert p.summary()["codings"] == 1

    code, out, _ = cli(
        capsys,
        "project",
        "code",
        "--search",
        "form*",
        "systems_barriers/paperwork_and_it",
        "--coder",
        "bob",
        "--project",
        project,
    )
    assert out.strip() == "1 turn(s) match 'form*'; 1 new coding(s) as 'systems_barriers/paperwork_and_it' by bob"

    with Project.open(project) as p:
        text = p.texts()["fg_north"]
    start = text.index("IT system")
    code, out, _ = cli(
        capsys,
        "project",
        "code",
        "--span",
        "fg_north",
        start,
        start + 9,
        "systems_barriers",
        "--coder",
        "ann",
        "--project",
        project,
    )
    assert code == 0 and "(1 turn(s); coding id(s) 3)" in out

    with Project.open(project) as p:
        p.add_codings(
            pd.DataFrame(
                {
                    "segment_id": ["fg_north:002", "int_south:002"],
                    "code": "systems_barriers",
                    "coder": "keyword",
                    "method": "keyword",
                }
            )
        )
    assert cli(capsys, "project", "reject", "5", "--project", project)[1].strip() == "rejected 1 coding(s)"
    assert cli(capsys, "project", "undo", "--project", project)[1].startswith("undone: rejected 1 coding(s)")
    assert (
        cli(capsys, "project", "accept", "--coder", "keyword", "--reviewer", "ann", "--project", project)[1].strip()
        == "accepted 2 coding(s)"
    )

    code, out, _ = cli(capsys, "project", "info", "--project", project)
    assert "codings: 5 (0 suggested, 5 accepted, 0 rejected)" in out

    code, out, _ = cli(capsys, "project", "export", "--project", project, "--out", files / "export", "--no-anonymise")
    assert code == 0 and "to " + str(files / "export") + "; real names kept" in out
    codings = pd.read_csv(files / "export" / "codings.csv")
    assert list(codings.columns) == list(PROJECT_CODING_COLUMNS)
    assert codings["coder"].tolist() == ["ann", "bob", "ann", "keyword", "keyword"]
    assert codings.loc[2, ["start_char", "end_char"]].tolist() == [start, start + 9]
    assert (files / "export" / "texts" / "fg_north.txt").read_text(encoding="utf-8") == text
    for name in ("transcripts", "participants", "segments", "codebook", "codebook_versions", "memos", "actions"):
        assert (files / "export" / f"{name}.csv").is_file()
    assert pd.read_csv(files / "export" / "codebook.csv")["key"].tolist()[0] == "time"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["code", "fg_north:003", "tme", "--coder", "a"], r"code\(s\) \['tme'\] not in codebook version 1"),
        (["code", "fg_north:003", "--coder", "a"], "expected SEGMENT_ID CODE, got 'fg_north:003'"),
        (["code", "--search", "x", "a", "b", "--coder", "a"], "expected CODE, got 'a b'"),
        (["code", "--span", "fg_north", "x", "9", "time", "--coder", "a"], "START: expected an integer, got 'x'"),
        (["accept", "--project-less"], None),
        (["accept"], "give CODING_ID"),
        (["reject", "77"], r"coding id\(s\) not in the project: \[77\]"),
    ],
)
def test_bad_commands_give_one_line(project, capsys, argv, message):
    if message is None:
        with pytest.raises(SystemExit):
            main(["project", *argv, "--project", str(project)])
        return
    code, _, err = cli(capsys, "project", *argv, "--project", project)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert pytest.importorskip("re").search(message, err)


def test_accept_and_reject_act_on_suggestions_only(project, capsys):
    # before: the command line changed any coding's status (the review screen answers 409)
    assert cli(capsys, "project", "code", "fg_north:003", "time", "--coder", "ann", "--project", project)[0] == 0
    with Project.open(project) as p:
        p.add_codings(pd.DataFrame({"segment_id": ["fg_north:002"] * 2, "code": ["time", "systems_barriers"], "coder": "kw"}))
    assert cli(capsys, "project", "reject", "2", "--reviewer", "bea", "--project", project)[0] == 0
    refusals = [
        (["reject", "1"], "coding 1 is accepted, not a suggestion: only suggested codings can be rejected"),
        (["accept", "3", "2"], "coding 2 is rejected by bea at 20"),
        (["accept", "2"], "only suggested codings can be accepted; nothing was changed"),
    ]
    for argv, message in refusals:
        code, out, err = cli(capsys, "project", *argv, "--project", project)
        assert (code, out) == (2, "")
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {project}: ") and message in err
    with Project.open(project) as p:  # nothing changed, not even coding 3 (a suggestion) given with a decided one
        assert p.codings()[["coding_id", "status", "reviewed_by"]].fillna("").values.tolist() == [
            [1, "accepted", ""],
            [2, "rejected", "bea"],
            [3, "suggested", ""],
        ]
    assert cli(capsys, "project", "accept", "3", "--project", project)[1].strip() == "accepted 1 coding(s)"


def test_damaged_project_is_one_line_error(files, capsys):
    bad = files / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    code, _, err = cli(capsys, "project", "info", "--project", bad)
    assert code == 2
    assert "bad.sqlite: cannot read the project file" in err and "truncated or corrupt" in err
    code, _, err = cli(capsys, "project", "info", "--project", files / "none.sqlite")
    assert code == 2 and "none.sqlite: no such project file" in err


def test_export_pseudonymises_by_default_and_moves_spans(project, files, capsys):
    with Project.open(project) as p:
        text = p.texts()["fg_north"]
        start = text.index("IT system")
        p.code_span("fg_north", start, start + 9, "systems_barriers", coder="kim")
        p.add_memo("participant", "P02", "Bea spoke for the seniors.", author="kim")
        p.add_codings(
            pd.DataFrame({"segment_id": ["fg_north:003"], "code": ["time"], "coder": ["kim"], "evidence": ["Bea said so"]})
        )
    (files / "names.csv").write_text("name,category\nNorth,place\n", encoding="utf-8")
    code, out, err = cli(
        capsys, "project", "export", "--project", project, "--out", files / "anon", "--names", files / "names.csv"
    )
    assert code == 0, err
    assert "names pseudonymised" in out
    blob = "".join(p.read_text(encoding="utf-8") for p in (files / "anon").rglob("*.*"))
    for name in ("Ann", "Bea", "Cy"):
        assert f"{name}:" not in blob and f" {name} " not in blob and f",{name}," not in blob
    codings = pd.read_csv(files / "anon" / "codings.csv")
    span = codings[codings["coder"] == "kim"].iloc[0]
    anon_text = (files / "anon" / "texts" / "fg_north.txt").read_text(encoding="utf-8")
    assert anon_text[int(span["start_char"]) : int(span["end_char"])] == "IT system"
    assert not codings["evidence"].astype(str).str.contains("Bea").any()
    memo = pd.read_csv(files / "anon" / "memos.csv")["text"].iloc[0]
    assert "Bea" not in memo and memo.endswith("spoke for the seniors.")
    with Project.open(project) as p:  # the project itself keeps the real text and the way back
        assert p.texts()["fg_north"] == text
        kept = p.name_mapping()
        assert {"Ann", "Bea", "Cy", "North"} <= set(kept["original"])
        n_versions = (p.actions()["kind"] == "set_name_mapping").sum()
    assert (
        cli(capsys, "project", "export", "--project", project, "--out", files / "anon2", "--names", files / "names.csv")[0] == 0
    )
    with Project.open(project) as p:  # the same export again stores no second copy
        assert (p.actions()["kind"] == "set_name_mapping").sum() == n_versions == 1


def test_other_commands_read_the_corpus_from_a_project(project):
    import argparse

    from outcomes_qual.cli._common import load_corpus

    corpus = load_corpus(argparse.Namespace(project=str(project), inputs=[], roster=None, strict=False))
    corpus.check()
    with Project.open(project) as p:
        assert corpus.texts == p.texts()
        assert corpus.segments["segment_id"].tolist() == p.segments()["segment_id"].tolist()
    assert corpus.participants.set_index("speaker").loc["Cy", "participant_id"] == "P03"


def test_memo_command(project, capsys):
    code, out, _ = cli(
        capsys,
        "project",
        "memo",
        "code",
        "time",
        "Only lack of time that shapes the work.",
        "--author",
        "ana",
        "--project",
        project,
    )
    assert code == 0 and out.strip() == "memo 1 on code time"
    assert (
        cli(capsys, "project", "memo", "project", "-", "Round two.", "--author", "ben", "--project", project)[1].strip()
        == "memo 2 on project"
    )
    code, _, err = cli(capsys, "project", "memo", "segment", "fg_north:099", "x", "--author", "a", "--project", project)
    assert code == 2 and "segment 'fg_north:099' is not in the project" in err
    with Project.open(project) as p:
        assert p.memos()["author"].tolist() == ["ana", "ben"]


def test_add_again_skips_identical_transcripts_and_refuses_changed_ones(project, files, capsys):
    (files / "new").mkdir()
    (files / "new" / "int_east.txt").write_text("Interviewer: Hello?\nDee: Time again.\n", encoding="utf-8")
    code, out, err = cli(capsys, "project", "add", files / "fg_north.txt", files / "new" / "int_east.txt", "--project", project)
    assert code == 0, err
    assert "skipped 1 transcript(s) already in the project: fg_north" in out
    assert "added 1 transcript(s), 2 turn(s)" in out and "now holds 3 transcript(s)" in out
    (files / "new" / "int_east.txt").write_text("Interviewer: Hello?\nDee: Something else.\n", encoding="utf-8")
    code, _, err = cli(capsys, "project", "add", files / "new" / "int_east.txt", "--project", project)
    assert code == 2 and "['int_east'] are already in the project with different text" in err


def test_roster_command_updates_roles(project, files, capsys):
    roster = (files / "roster.csv").read_text(encoding="utf-8").replace("fg_north,Bea,P02,senior", "fg_north,Bea,P02,manager")
    (files / "roster2.csv").write_text(roster, encoding="utf-8")
    code, out, err = cli(capsys, "project", "roster", files / "roster2.csv", "--project", project)
    assert code == 0, err
    assert out.strip().startswith("updated 1 participant(s)")
    with Project.open(project) as p:
        assert p.participants().set_index("speaker").loc["Bea", "role"] == "manager"
        assert p.segments().set_index("segment_id").loc["fg_north:003", "role"] == "manager"

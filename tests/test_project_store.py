"""Project file: corpus round trip, codebook versions, codings, review, memos, undo, migrations."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.project import PROJECT_CODING_COLUMNS, SCHEMA_VERSION, Project, _schema

CB = Codebook(
    "mini",
    (
        Code("systems_barriers", "Systems barriers", "Processes in the way.", keywords=("forms",)),
        Code("systems_barriers/paperwork_and_it", "Forms and IT", "Forms and IT systems."),
        Code("time", "Time", "Pressure of time.", include=("deadlines",), examples=("No time to visit.",)),
        Code("culture_shift", "Culture shift", "Changing how staff think.", color="#336699"),
    ),
    description="A small codebook",
    version="0.3",
)


def make_corpus() -> Corpus:
    a = Corpus.from_turns(
        "north_fg",
        [
            ("Facilitator", "facilitator", "What gets in the way?"),
            ("Ann", "practitioner", "The forms take all week, honestly."),
            ("Bea", "senior", "We never have time for the visits."),
            ("Ann", "practitioner", "Caf\u00e9 chats with families help."),
        ],
        authority="North",
        department="Adults",
    )
    b = Corpus.from_turns(
        "south_int", [("Cy", "manager", "Staff ask what matters now; time is short.")], authority="South", method="interview"
    )
    corpus = Corpus.concat([a, b])
    corpus.participants["team"] = ["", "duty", "review", "duty"]
    corpus.participants["years"] = [np.nan, 3, 12, 20]
    corpus.segments.loc[1, "start_s"] = 1.5
    corpus.segments.loc[1, "end_s"] = 9.25
    corpus.transcripts["date"] = ["2024-03-01", None]
    return corpus


def codings(rows, **extra) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["segment_id", "code", "coder"])
    for k, v in extra.items():
        frame[k] = v
    return frame


@pytest.fixture
def proj(tmp_path):
    with Project.create(tmp_path / "p.sqlite") as p:
        p.add_corpus(make_corpus())
        yield p


def test_create_sets_wal_version_and_refuses_existing(tmp_path):
    path = tmp_path / "new.sqlite"
    Project.create(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA application_id").fetchone()[0] == _schema.APPLICATION_ID
    con.close()
    with pytest.raises(InputError, match="new.sqlite: already exists"):
        Project.create(path)
    with pytest.raises(InputError, match="no such project file"):
        Project.open(tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()


def test_corpus_round_trips_exactly(proj):
    corpus = make_corpus()
    back = proj.corpus()
    back.check()
    assert back.texts == corpus.texts
    pd.testing.assert_frame_equal(back.segments, corpus.segments, check_dtype=False)
    assert back.segments["start_char"].dtype == np.int64
    assert back.segments.loc[1, "start_s"] == 1.5 and np.isnan(back.segments.loc[0, "start_s"])
    assert list(back.participants.columns) == list(schema.PARTICIPANT_COLUMNS) + ["team", "years"]
    assert back.participants["team"].tolist() == ["", "duty", "review", "duty"]
    assert back.participants["years"].tolist()[1:] == [3, 12, 20]
    assert back.participants["authority"].tolist() == ["North", "North", "North", "South"]
    assert back.transcripts["transcript_id"].tolist() == ["north_fg", "south_int"]
    assert back.transcripts["date"].tolist()[0] == "2024-03-01"
    assert back.transcripts["n_turns"].tolist() == [4, 1]
    assert back.texts["north_fg"][back.segments.loc[3, "start_char"] :].startswith("Café")


def test_add_corpus_refuses_repeat_and_bad_offsets_without_change(proj):
    with pytest.raises(InputError, match=r"already in the project: \['north_fg'\]"):
        proj.add_corpus(make_corpus().subset(["north_fg"]))
    bad = Corpus.from_turns("x", [("A", "senior", "Hello there.")])
    bad.segments.loc[0, "end_char"] = 3
    with pytest.raises(InputError, match="offsets of x:001"):
        proj.add_corpus(bad)
    orphan = Corpus.from_turns("y", [("A", "senior", "Hello there.")])
    orphan.participants.loc[0, "transcript_id"] = "elsewhere"
    with pytest.raises(InputError, match=r"corpus.participants: transcript_id\(s\) not in corpus.transcripts"):
        proj.add_corpus(orphan)
    assert proj.summary()["transcripts"] == 2
    assert proj.summary()["segments"] == 5


def test_add_roster_updates_participants_segments_and_undoes(proj):
    roster = pd.DataFrame(
        {
            "transcript": ["north_fg", "north_fg", "nowhere"],
            "speaker": ["Ann", "Bea", "Zed"],
            "participant_id": ["P01", "P02", "P99"],
            "role": ["Senior Social Worker", "senior", "manager"],
            "grade": ["7", "8", "9"],
        }
    )
    assert proj.add_roster(roster) == 2
    assert proj.add_roster(roster) == 0  # nothing changes the second time: no action logged
    assert proj.actions()["kind"].tolist() == ["add_corpus", "add_roster"]
    part = proj.participants().set_index("speaker")
    assert part.loc["Ann", "participant_id"] == "P01"
    assert part.loc["Ann", "role"] == "senior"
    assert part.loc["Bea", "grade"] == "8"
    seg = proj.segments()
    assert seg.loc[seg["speaker"] == "Ann", "participant_id"].tolist() == ["P01", "P01"]
    assert proj.undo().startswith("add_roster")
    part = proj.participants().set_index("speaker")
    assert part.loc["Ann", "participant_id"] == "north_fg_Ann"
    assert part.loc["Ann", "role"] == "practitioner"
    assert "grade" not in part.columns
    assert proj.segments().loc[1, "participant_id"] == "north_fg_Ann"


def test_codebook_versions_are_content_addressed(proj):
    v1 = proj.add_codebook(CB)
    assert proj.add_codebook(CB) == v1
    assert proj.codebook() == CB
    assert proj.codebook(v1).to_frame().equals(CB.to_frame())
    changed = Codebook("mini", CB.codes[:2], version="0.4")
    v2 = proj.add_codebook(changed)
    assert v2 == v1 + 1
    assert proj.codebook().keys() == ["systems_barriers", "systems_barriers/paperwork_and_it"]
    assert proj.codebook_versions()["n_codes"].tolist() == [4, 2]
    with pytest.raises(InputError, match=r"codebook version 9 is not in the project; versions: \[1, 2\]"):
        proj.codebook(9)


def test_add_codings_columns_versions_and_status(proj):
    v1 = proj.add_codebook(CB)
    frame = codings(
        [("north_fg:002", "systems_barriers", "keyword"), ("north_fg:003", "time", "keyword")],
        method="keyword",
        confidence=[0.9, 0.4],
        evidence=["forms", "time"],
    )
    ids = proj.add_codings(frame)
    assert ids == [1, 2]
    got = proj.codings()
    assert list(got.columns) == list(PROJECT_CODING_COLUMNS)
    assert got["status"].tolist() == ["suggested", "suggested"]
    assert got["codebook_version"].tolist() == [v1, v1]
    assert got["confidence"].tolist() == [0.9, 0.4]
    assert got["start_char"].isna().all()
    # a new codebook passed with the codings becomes a version they refer to
    smaller = Codebook("mini", CB.codes[:1])
    ids = proj.add_codings(codings([("south_int:001", "systems_barriers", "ann")]), codebook=smaller, status="accepted")
    row = proj.codings(coder="ann").iloc[0]
    assert row["codebook_version"] == v1 + 1 and row["status"] == "accepted" and row["method"] == "manual"
    assert proj.codings(status=["accepted"])["coding_id"].tolist() == ids


def test_span_of_the_whole_turn_is_a_whole_segment_coding(proj):
    seg = proj.segments().set_index("segment_id").loc["north_fg:002"]
    proj.add_codings(codings([("north_fg:002", "time", "nvivo")], start_char=[seg["start_char"]], end_char=[seg["end_char"]]))
    assert proj.codings()[["start_char", "end_char"]].isna().all().all()


def test_add_codings_keeps_span_status_created_at(proj):
    frame = codings(
        [("north_fg:002", "time", "nvivo")],
        start_char=[26],
        end_char=[30],
        status=["accepted"],
        created_at=["2023-01-02T03:04:05Z"],
    )
    proj.add_codings(frame)
    row = proj.codings().iloc[0]
    assert (row["start_char"], row["end_char"], row["status"], row["created_at"]) == (26, 30, "accepted", "2023-01-02T03:04:05Z")
    assert pd.isna(row["codebook_version"])


@pytest.mark.parametrize(
    "frame, message",
    [
        (codings([("north_fg:002", "time", "a"), ("nope:001", "time", "a")]), r"segment_id\(s\) not in the project"),
        (codings([("north_fg:002", "tme", "a")]), r"code\(s\) \['tme'\] not in codebook version 1"),
        (codings([("north_fg:002", "time", "a")], status=["maybe"]), "status must be one of"),
        (codings([("north_fg:002", "time", "a")], start_char=[0], end_char=[5]), "span 0:5 must lie"),
        (codings([("north_fg:002", "time", "a")], start_char=[30], end_char=[np.nan]), "both start_char"),
        (pd.DataFrame({"segment_id": ["north_fg:002"], "code": ["time"]}), "missing column"),
        (codings([("north_fg:002", "time", None)]), "must not be empty"),
    ],
)
def test_add_codings_rejects_bad_rows_and_stores_nothing(proj, frame, message):
    proj.add_codebook(CB)
    with pytest.raises(InputError, match=message):
        proj.add_codings(frame)
    assert proj.summary()["codings"] == 0
    assert proj.actions()["kind"].tolist() == ["add_corpus", "add_codebook"]


def test_accept_reject_record_reviewer_and_undo(proj):
    ids = proj.add_codings(codings([("north_fg:002", "time", "m"), ("north_fg:003", "time", "m")]))
    assert proj.accept(ids[:1], reviewer="ann") == 1
    assert proj.reject([ids[1]], reviewer="ann") == 1
    assert proj.accept(ids[:1]) == 0  # already accepted: no action logged
    got = proj.codings()
    assert got["status"].tolist() == ["accepted", "rejected"]
    assert got["reviewed_by"].tolist() == ["ann", "ann"]
    proj.undo()
    assert proj.codings()["status"].tolist() == ["accepted", "suggested"]
    proj.undo()
    got = proj.codings()
    assert got["status"].tolist() == ["suggested", "suggested"]
    assert got["reviewed_by"].isna().all()
    with pytest.raises(InputError, match=r"coding id\(s\) not in the project: \[99\]"):
        proj.accept([1, 99])


def test_accept_many_ids_and_repeats(proj):
    frame = codings([(f"north_fg:00{i}", "time", f"m{j}") for i in range(1, 5) for j in range(300)])
    ids = proj.add_codings(frame)
    assert len(ids) == 1200
    assert proj.accept(ids + ids[:5]) == 1200
    assert set(proj.codings()["status"]) == {"accepted"}
    proj.undo()
    assert set(proj.codings()["status"]) == {"suggested"}


def test_undo_is_a_stack_and_keeps_the_log(proj):
    proj.add_codebook(CB)
    proj.add_codings(codings([("north_fg:002", "time", "m")]))
    memo = proj.add_memo("segment", "north_fg:002", "Check with Bea", author="ann")
    assert memo == 1
    assert proj.undo() == "add_memo on segment north_fg:002"
    assert proj.undo().startswith("add_codings: 1 coding(s) by m")
    assert proj.summary()["codings"] == 0 and proj.summary()["memos"] == 0
    assert proj.undo().startswith("add_codebook")
    assert proj.undo().startswith("add_corpus")
    assert proj.summary()["segments"] == 0 and proj.summary()["participants"] == 0
    assert proj.undo() is None
    log = proj.actions()
    assert log["kind"].tolist()[:4] == ["add_corpus", "add_codebook", "add_codings", "add_memo"]
    assert log["undone_at"].iloc[:4].notna().all()
    assert log["description"].iloc[4] == "undo #4: add_memo on segment north_fg:002"


def test_memos_validate_targets(proj):
    proj.add_codebook(CB)
    proj.add_memo("code", "time", "Includes caseload talk.", author="lead")
    proj.add_memo("transcript", "south_int", "Audio poor at the start.", author="ann")
    proj.add_memo("project", None, "Second coding round.", author="lead")
    memos = proj.memos()
    assert memos["target_type"].tolist() == ["code", "transcript", "project"]
    assert memos["author"].tolist() == ["lead", "ann", "lead"]
    with pytest.raises(InputError, match="code 'tim' is in no codebook"):
        proj.add_memo("code", "tim", "x", author="a")
    with pytest.raises(InputError, match="segment 'x:001' is not in the project"):
        proj.add_memo("segment", "x:001", "x", author="a")
    with pytest.raises(InputError, match="target_type: expected one of"):
        proj.add_memo("turn", "x", "x", author="a")


def test_name_mapping_is_kept_but_never_exported(proj, tmp_path):
    from outcomes_qual.cli import main

    assert proj.name_mapping().empty
    mapping = pd.DataFrame(
        {"name": ["Ann Jones", "Llyr"], "replacement": ["[Practitioner P01]", "[Child 1]"], "n_replaced": [3, 1]}
    )
    proj.set_name_mapping(mapping)
    pd.testing.assert_frame_equal(proj.name_mapping(), mapping, check_dtype=False)
    proj.close()
    assert main(["project", "export", "--project", str(tmp_path / "p.sqlite"), "--out", str(tmp_path / "x")]) == 0
    exported = b"".join(p.read_bytes() for p in (tmp_path / "x").rglob("*.csv"))
    assert b"Llyr" not in exported and b"[Child 1]" not in exported
    with Project.open(tmp_path / "p.sqlite") as again:
        # the export kept its own mapping in the project; undo goes back version by version
        assert "[Child 1]" not in again.name_mapping()["replacement"].tolist()
        assert again.undo().startswith("set_name_mapping")
        pd.testing.assert_frame_equal(again.name_mapping(), mapping, check_dtype=False)
        again.set_name_mapping(mapping)  # the same mapping again stores no new version
        assert again.undo().startswith("set_name_mapping")
        assert again.name_mapping().empty


def test_forward_migration_from_version_1(tmp_path):
    path = tmp_path / "old.sqlite"
    _schema.create_file(path, version=1).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "reviewed_by" not in [r[1] for r in con.execute("PRAGMA table_info(codings)")]
    con.close()
    with Project.open(path) as p:
        p.add_corpus(make_corpus())
        ids = p.add_codings(codings([("north_fg:002", "time", "m")]))
        p.accept(ids, reviewer="bea")
        assert p.codings()["reviewed_by"].tolist() == ["bea"]
        p.set_name_mapping(pd.DataFrame({"name": ["Ann"], "replacement": ["[P01]"]}))
        assert p.name_mapping()["replacement"].tolist() == ["[P01]"]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_closed_project_says_so(tmp_path):
    p = Project.create(tmp_path / "c.sqlite")
    p.close()
    p.close()
    with pytest.raises(InputError, match="the project is closed"):
        p.codings()


def test_batch_is_one_transaction_and_one_undo(proj):
    proj.add_codebook(CB)
    with proj.batch("import from NVivo", actor="lee"):
        proj.add_codings(codings([("north_fg:002", "time", "lee")]))
        with pytest.raises(InputError, match="not in codebook"):
            proj.add_codings(codings([("north_fg:003", "tme", "lee")]))  # this call alone leaves no trace
        proj.add_memo("segment", "north_fg:002", "From Lee's NVivo file.", author="lee")
    assert proj.summary()["codings"] == 1 and proj.summary()["memos"] == 1
    assert proj.actions()["kind"].tolist() == ["add_corpus", "add_codebook", "batch"]
    with pytest.raises(RuntimeError, match="stop"):
        with proj.batch("half an import"):
            proj.add_codings(codings([("north_fg:003", "time", "lee")]))
            raise RuntimeError("stop")
    assert proj.summary()["codings"] == 1 and len(proj.actions()) == 3
    with pytest.raises(InputError, match="do not nest"):
        with proj.batch("a"), proj.batch("b"):
            pass
    assert proj.undo() == "import from NVivo"
    assert proj.summary()["codings"] == 0 and proj.summary()["memos"] == 0

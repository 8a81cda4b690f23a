"""Roles, methods and the participant roster."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.errors import InputError
from outcomes_qual.ingest import (
    UnknownSpeakersError,
    apply_roster,
    normalise_method,
    normalise_role,
    read_corpus,
    read_roster,
    role_from_label,
)


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        ("Senior practitioner", "senior"),
        ("Senior Social Worker", "senior"),
        ("SP", "senior"),
        ("sp2", "senior"),
        ("Team manager", "manager"),
        ("Service Manager", "manager"),
        ("Head of service", "manager"),
        ("Team Leader", "manager"),
        ("Senior manager", "manager"),
        ("Social worker", "practitioner"),
        ("Social worker (NQSW)", "practitioner"),
        ("Practitioner", "practitioner"),
        ("Support worker", "practitioner"),
        ("OT", "practitioner"),
        ("Occupational therapist", "practitioner"),
        ("Community care officer", "practitioner"),
        ("Care manager", "practitioner"),
        ("Mentor", "mentor"),
        ("Practice mentor", "mentor"),
        ("Facilitator", "facilitator"),
        ("Interviewer", "facilitator"),
        ("Moderator", "facilitator"),
        ("Researcher", "facilitator"),
        ("Finance clerk", "other"),
        ("", "unknown"),
        (None, "unknown"),
        (float("nan"), "unknown"),
        ("senior", "senior"),
    ],
)
def test_normalise_role(raw, role):
    assert normalise_role(raw) == role
    assert normalise_role(raw) in schema.ROLES


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Practitioner 2", "practitioner"),
        ("SENIOR", "senior"),
        ("Manager", "manager"),
        ("Senior B", "senior"),
        ("Interviewer", "facilitator"),
        ("Q", "facilitator"),
        ("Mentor", "mentor"),
        ("Speaker 1", "unknown"),
        ("Respondent 4", "unknown"),
        ("Ann", "unknown"),
        ("Managers Meeting Room", "unknown"),
    ],
)
def test_role_from_label(label, role):
    assert role_from_label(label) == role


@pytest.mark.parametrize(
    ("raw", "method"),
    [
        ("focus group", "focus_group"),
        ("Focus Group", "focus_group"),
        ("focus_group", "focus_group"),
        ("1:1 interview", "interview"),
        ("one-to-one", "interview"),
        ("Team meeting", "meeting"),
        ("telephone interview", "phone"),
        ("Phone", "phone"),
        ("webinar", "other"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_method(raw, method):
    assert normalise_method(raw) == method


ROSTER = (
    "Transcript,Speaker,Participant ID,Role,Authority,Department,Method,Years in role\n"
    "fg1,Facilitator,EV1,Facilitator,,,Focus group,\n"
    "fg1,Ann,P01,Senior practitioner,Northvale,Adult services,Focus group,4\n"
    "fg1,Bob,P02,,Northvale,Adult services,Focus group,\n"
    "fg1,JB,P03,Team manager,Northvale,,,9\n"
    "int9,Cara,P09,Social worker,Northvale,,interview,2\n"
)


def make_files(tmp_path):
    (tmp_path / "fg1.txt").write_text(
        "Facilitator: Hello.\nAnn: Hi.\nBob: Practitioner here.\nJo Bloggs: Me too.\nDee: Late.\n", encoding="utf-8"
    )
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return tmp_path / "roster.csv"


def test_read_roster_canonical_columns(tmp_path):
    roster = read_roster(make_files(tmp_path))
    assert list(roster.columns) == [
        "transcript",
        "speaker",
        "participant_id",
        "role",
        "authority",
        "department",
        "method",
        "years_in_role",
    ]
    assert roster["role"].tolist() == ["facilitator", "senior", None, "manager", "practitioner"]
    assert roster["method"].tolist() == ["focus_group", "focus_group", "focus_group", None, "interview"]
    assert roster.attrs["lines"] == [2, 3, 4, 5, 6]
    assert roster.attrs["role_raw"][:2] == ["Facilitator", "Senior practitioner"]


def test_apply_roster_fills_participants_segments_and_transcripts(tmp_path, caplog):
    roster = make_files(tmp_path)
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus([tmp_path], roster=roster)
    corpus.check()
    part = corpus.participants
    assert list(part.columns) == [*schema.PARTICIPANT_COLUMNS, "years_in_role"]
    assert part[["participant_id", "speaker", "role", "authority", "department", "method", "years_in_role"]].values.tolist() == [
        ["EV1", "Facilitator", "facilitator", "Northvale", "Adult services", "focus_group", None],
        ["P01", "Ann", "senior", "Northvale", "Adult services", "focus_group", "4"],
        # no role in the roster: the label implies none either
        ["P02", "Bob", "unknown", "Northvale", "Adult services", "focus_group", None],
        # roster "JB" matches the speaker's initials
        ["P03", "Jo Bloggs", "manager", "Northvale", "Adult services", "focus_group", "9"],
        ["fg1:dee", "Dee", "unknown", "Northvale", "Adult services", "focus_group", None],
    ]
    seg = corpus.segments
    assert seg[["participant_id", "role"]].values.tolist() == [
        ["EV1", "facilitator"],
        ["P01", "senior"],
        ["P02", "unknown"],
        ["P03", "manager"],
        ["fg1:dee", "unknown"],
    ]
    tr = corpus.transcripts.iloc[0]
    assert (tr["method"], tr["authority"], tr["department"]) == ("focus_group", "Northvale", "Adult services")
    messages = [str(p) for p in corpus.problems]
    assert messages == [
        f"{roster}:6: roster names transcript 'int9', which was not read; expected one of ['fg1']",
        f"{roster}: 1 speaker(s) have no roster row: fg1: 'Dee'",
    ]
    assert isinstance(corpus.problems[1], UnknownSpeakersError)
    assert "1 speaker(s) have no roster row: fg1: 'Dee'" in caplog.text


def test_strict_unknown_speakers_raise(tmp_path):
    roster = make_files(tmp_path)
    with pytest.raises(UnknownSpeakersError, match=r"roster\.csv: 1 speaker\(s\) have no roster row: fg1: 'Dee'"):
        read_corpus([tmp_path / "fg1.txt"], roster=roster, strict=True)


def test_header_values_win_for_transcript_roster_for_participants(tmp_path):
    (tmp_path / "fg2.txt").write_text("Authority: Westvale\nMethod: meeting\n\nAnn: Hi.\nBob: Yo.\n", encoding="utf-8")
    roster = pd.DataFrame(
        {"transcript": ["fg2", "fg2"], "speaker": ["ann", "Bob"], "role": ["SP", "OT"], "authority": ["Eastvale", None]}
    )
    corpus = read_corpus(tmp_path / "fg2.txt", roster=roster)
    assert corpus.problems == []
    assert corpus.transcripts.loc[0, "authority"] == "Westvale"
    assert corpus.participants[["participant_id", "role", "authority", "method"]].values.tolist() == [
        ["fg2:ann", "senior", "Eastvale", "meeting"],
        ["fg2:bob", "practitioner", "Westvale", "meeting"],
    ]


def test_roster_missing_required_columns(tmp_path):
    p = tmp_path / "roster.csv"
    p.write_text("file name,role\nfg1,SP\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"roster\.csv:1: roster is missing required column\(s\) 'transcript', 'speaker'"):
        read_roster(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"empty roster file"),
        ("transcript,speaker\nfg1,Ann\nfg1,ann\n", r"roster\.csv:3: transcript 'fg1' speaker 'ann' appears twice"),
        ("transcript,speaker\nfg1,\n", r"roster\.csv:2: row has no speaker"),
        ("transcript,speaker\nfg1,Ann,extra\n", r"roster\.csv:2: expected 2 fields"),
    ],
)
def test_bad_roster_rows(tmp_path, text, match):
    p = tmp_path / "roster.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        read_roster(p)


def test_roster_transcript_given_as_file_name(tmp_path):
    make_files(tmp_path)
    roster = pd.DataFrame({"transcript": ["fg1.txt"], "speaker": ["Dee"], "role": ["Mentor"]})
    corpus = read_corpus(tmp_path / "fg1.txt", roster=roster)
    dee = corpus.participants.set_index("speaker").loc["Dee"]
    assert dee["role"] == "mentor"


def test_apply_roster_does_not_modify_input_corpus(tmp_path):
    make_files(tmp_path)
    corpus = read_corpus(tmp_path / "fg1.txt")
    before = corpus.participants.copy()
    apply_roster(corpus, tmp_path / "roster.csv")
    pd.testing.assert_frame_equal(corpus.participants, before)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-03-04", "2026-03-04"),
        ("4 March 2026", "2026-03-04"),
        ("Wednesday, 4th March 2026", "2026-03-04"),
        ("04/03/2026", "2026-03-04"),
        ("4 Mar 2026", "2026-03-04"),
        ("March 4, 2026", "2026-03-04"),
        ("August 2020", "August 2020"),
        ("31/02/2026", "31/02/2026"),
        ("  ", None),
    ],
)
def test_normalise_date(raw, iso):
    from outcomes_qual.ingest.roles import normalise_date

    assert normalise_date(raw) == iso


def test_unknown_speaker_message_suggests_unused_roster_rows(tmp_path):
    (tmp_path / "fg1.txt").write_text("Facilitator: Hi.\nGareth J: Hello.\nAnn: Yes.\n", encoding="utf-8")
    roster = pd.DataFrame({"transcript": ["fg1", "fg1"], "speaker": ["Ann", "Gareth"], "role": ["SP", "SW"]})
    corpus = read_corpus(tmp_path / "fg1.txt", roster=roster)
    assert [str(p) for p in corpus.problems] == [
        "roster: 1 speaker(s) have no roster row: fg1: 'Gareth J' (roster rows with no turns: 'Gareth')",
        f"{tmp_path / 'fg1.txt'}: transcript 'fg1': roster speaker(s) 'Gareth' never found as a speaker label "
        "at the start of a line; check the transcript's labels or the roster",
    ]


def test_several_unknown_roster_transcripts_are_one_message(tmp_path):
    (tmp_path / "fg1.txt").write_text("Ann: Hi.\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("transcript,speaker\nfg1,Ann\nfg2,Bob\nfg2,Cy\nint3,Di\n", encoding="utf-8")
    corpus = read_corpus(tmp_path / "fg1.txt", roster=roster)
    assert [str(p) for p in corpus.problems] == [
        f"{roster}:3: roster names 2 transcripts that were not read: 'fg2' (line 3), 'int3' (line 5); expected one of ['fg1']"
    ]


def test_missing_roster_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: no such roster file"):
        read_corpus(tmp_path, roster=tmp_path / "nope.csv")


def test_filtered_roster_frame_is_accepted(tmp_path):
    roster_path = make_files(tmp_path)
    roster = read_roster(roster_path)
    subset = roster[roster["transcript"] == "fg1"].iloc[1:]  # a user's in-memory edit
    corpus = read_corpus(tmp_path / "fg1.txt", roster=subset)
    assert corpus.participants.set_index("speaker").loc["Ann", "participant_id"] == "P01"
    assert "Facilitator" not in str(corpus.problems)

"""Consultation exports: one row per respondent, one column per open question (CSV, XLSX, Parquet)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual import schema
from outcomes_qual.analysis import role_by_theme
from outcomes_qual.errors import InputError
from outcomes_qual.ingest import nonresponse_by_question, read_consultation, read_corpus, read_transcript
from outcomes_qual.ingest.consultation import is_nonresponse, question_key

CSV = (
    "Respondent ID,Responding as,Organisation,Local authority,Region,"
    "Q1. What works well?,Q2. What gets in the way?,Q3 Anything else?\n"
    "r1,Individual,,Glanafon,Wales,Being asked what matters to me.,N/A,\n"
    'r2,Organisation,Carers Together,Strathlinn,Scotland,"Carers are listened to.\nMostly.",'
    "The forms and the IT system.,no comment\n"
    "r3,Team manager,,Glanafon,Wales,-,None,n/a\n"
    "r4,Practitioner,,Strathlinn,Scotland,Supervision helps.,Panels slow us down.,Time.\n"
)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_wide_csv_gives_one_segment_per_answer_with_question_and_attributes(tmp_path):
    corpus = read_transcript(write(tmp_path, "ncs.csv", CSV))
    corpus.check()
    seg = corpus.segments
    assert list(seg.columns[: len(schema.SEGMENT_COLUMNS)]) == list(schema.SEGMENT_COLUMNS)
    assert seg[
        ["segment_id", "question", "role", "respondent_type", "authority", "turn", "start_char", "end_char"]
    ].values.tolist() == [
        ["r1:q1", "q1", "individual", "Individual", "Glanafon", 1, 0, 31],
        ["r2:q1", "q1", "organisation", "Organisation", "Strathlinn", 1, 0, 31],
        ["r2:q2", "q2", "organisation", "Organisation", "Strathlinn", 2, 33, 61],
        ["r4:q1", "q1", "practitioner", "Practitioner", "Strathlinn", 1, 0, 18],
        ["r4:q2", "q2", "practitioner", "Practitioner", "Strathlinn", 2, 20, 40],
        ["r4:q3", "q3", "practitioner", "Practitioner", "Strathlinn", 3, 42, 47],
    ]
    assert seg["text"].iloc[1] == "Carers are listened to.\nMostly."
    assert corpus.texts["ncs:r2"] == "Carers are listened to.\nMostly.\n\nThe forms and the IT system."
    assert corpus.texts["ncs:r3"] == ""  # answered nothing: counted, not coded
    part = corpus.participants.set_index("speaker")
    assert part.loc["r2", "organisation"] == "Carers Together"
    assert part.loc["r3", "role"] == "manager"
    assert part.loc["r1", "region"] == "Wales"
    assert corpus.transcripts.set_index("respondent_id").loc["r3", "nonresponse"] == "q1|q2|q3"


def test_nonresponse_counted_per_question(tmp_path):
    corpus = read_consultation(write(tmp_path, "ncs.csv", CSV))
    table = nonresponse_by_question(corpus)
    assert table.values.tolist() == [
        ["q1", 4, 3, 1, 0.25],
        ["q2", 4, 2, 2, 0.5],
        ["q3", 4, 1, 3, 0.75],
    ]


def test_question_and_respondent_type_tables_from_the_analysis_functions(tmp_path):
    corpus = read_consultation(write(tmp_path, "ncs.csv", CSV))
    codings = pd.DataFrame(
        {
            "segment_id": ["r1:q1", "r2:q1", "r2:q2", "r4:q2"],
            "code": ["culture_shift", "culture_shift", "systems_barriers", "systems_barriers"],
        }
    )
    seg = corpus.segment_context()
    by_q = role_by_theme(seg.assign(role=seg["question"]), codings)
    assert by_q.query("code == 'systems_barriers'")[["role", "n", "base"]].values.tolist() == [
        ["q1", 0, 3],
        ["q2", 2, 2],
        ["q3", 0, 1],
        ["all", 2, 6],
    ]
    by_type = role_by_theme(corpus, codings, unit="participants")
    assert by_type.query("code == 'culture_shift'")[["role", "n", "base"]].values.tolist() == [
        ["practitioner", 0, 1],
        ["individual", 1, 1],
        ["organisation", 1, 1],
        ["all", 2, 3],
    ]


def test_malformed_rows_are_reported_with_file_and_row_and_the_rest_is_read(tmp_path, caplog):
    text = (
        "respondent_id,type,Q1. What works?\n"
        "a,Individual,Listening.\n"
        "b,Individual,Too,many,fields\n"
        ",Individual,No id here.\n"
        "a,Organisation,Repeated id.\n"
        "c,Organisation,Partners talk.\n"
    )
    path = write(tmp_path, "c.csv", text)
    corpus = read_consultation(path)
    assert corpus.segments["segment_id"].tolist() == ["a:q1", "c:q1"]
    messages = [str(p) for p in corpus.problems]
    assert messages == [
        f"{path}:3: row 3: expected 3 fields (as in the header), got 5; row skipped",
        f"{path}:4: row 4: no respondent id in column 'respondent_id'; row skipped",
        f"{path}:5: row 5: respondent id 'a' repeats (first in row 2); row skipped",
    ]
    batch = read_corpus([path])
    assert len(batch.problems) == 3 and len(batch.segments) == 2


def test_xlsx_and_parquet_read_like_csv(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.read_csv(write(tmp_path, "ncs.csv", CSV), dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "ncs.xlsx", index=False)
    frame.to_parquet(tmp_path / "ncs.parquet", index=False)
    base = read_consultation(tmp_path / "ncs.csv")
    for name in ("ncs.xlsx", "ncs.parquet"):
        other = read_transcript(tmp_path / name)
        other.check()
        cols = ["segment_id", "transcript_id", "role", "text", "question", "start_char", "end_char", "authority"]
        assert other.segments[cols].values.tolist() == base.segments[cols].values.tolist(), name
        assert nonresponse_by_question(other).equals(nonresponse_by_question(base))


def test_bad_headers_get_one_line_messages(tmp_path):
    with pytest.raises(InputError, match=r"x\.csv:1: expected a respondent id column"):
        read_consultation(write(tmp_path, "x.csv", "name,Q1. Why?\nA,Because.\n"))
    with pytest.raises(InputError, match=r"y\.csv:1: expected at least one open-question column"):
        read_consultation(write(tmp_path, "y.csv", "respondent_id,region\nA,Wales\n"))
    with pytest.raises(InputError, match=r"bad\.xlsx: not a readable \.xlsx workbook"):
        read_consultation(write(tmp_path, "bad.xlsx", "not a zip"))


def test_plain_response_csv_is_still_a_table_of_segments(tmp_path):
    corpus = read_transcript(write(tmp_path, "s.csv", "id,text,role\nr1,Forms.,Social worker\n"))
    assert "question" not in corpus.segments.columns


def test_sample_consultation(sample_dir):
    corpus = read_consultation(sample_dir / "consultation_sample.csv")
    corpus.check()
    assert len(corpus.transcripts) == 120
    assert len(corpus.segments) == 537
    assert sorted(corpus.segments["question"].unique()) == ["q1", "q2", "q3", "q4", "q5"]
    assert set(corpus.segments["role"]) == {"individual", "unpaid_carer", "organisation", "practitioner", "manager"}
    assert nonresponse_by_question(corpus)["n_nonresponse"].tolist() == [9, 13, 12, 11, 18]
    # the sample transcripts folder does not pick it up (the demo reads transcripts only)
    assert len(read_corpus([sample_dir]).transcripts) == 10


def test_question_keys_and_nonresponses():
    assert [question_key(h) for h in ["Q1. What works?", "q 2) Other", "Question 3a - more", "What else?"]] == [
        "q1",
        "q2",
        "q3a",
        "what_else",
    ]
    assert [
        is_nonresponse(v) for v in ["", "N/A", "n/a.", "No comment", "NONE", "-", float("nan"), "Nothing works", "No, never"]
    ] == [True, True, True, True, True, True, True, False, False]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="abc xyz.,\n\"'", max_size=30), st.sampled_from(["", "N/A", "x"])), min_size=1, max_size=6
    )
)
def test_offsets_hold_for_any_answers(tmp_path_factory, answers):
    tmp = tmp_path_factory.mktemp("h")
    frame = pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(len(answers))],
            "Q1. a?": [a for a, _ in answers],
            "Q2. b?": [b for _, b in answers],
        }
    )
    frame.to_csv(tmp / "h.csv", index=False)
    try:
        corpus = read_consultation(tmp / "h.csv")
    except InputError:
        return
    corpus.check()
    report = corpus.reads[0]
    read_as_questions = {q.column for q in report.questions}
    named = read_as_questions | set(report.attributes.values()) | {c for c, _ in report.unread} | {report.id_column}
    assert named == {"respondent_id", "Q1. a?", "Q2. b?"}  # every column is accounted for
    n_answers = sum(
        not is_nonresponse(a) and a.strip() != ""
        for pair in answers
        for col, a in zip(("Q1. a?", "Q2. b?"), pair, strict=True)
        if col in read_as_questions
    )
    assert len(corpus.segments) == n_answers == report.n_answers

"""CSV and JSONL of already segmented responses."""

from __future__ import annotations

import json

import pytest

from outcomes_qual import schema
from outcomes_qual.errors import InputError
from outcomes_qual.ingest import read_transcript


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_csv_responses_with_ids_roles_and_extras(tmp_path):
    text = (
        "ID,Response,Role,Authority,Question\n"
        'q1-001,"More say in my own care.",Service user,Northvale,Q1\n'
        'q1-002,"Forms, forms, forms.\nAnd more forms.",Social worker,Northvale,Q1\n'
        "q1-003,,Team manager,Northvale,Q1\n"
        "q1-004,Panels slow us down.,Team manager,Southvale,Q2\n"
    )
    corpus = read_transcript(write(tmp_path, "survey.csv", text))
    corpus.check()
    seg = corpus.segments
    assert list(seg.columns) == [*schema.SEGMENT_COLUMNS, *schema.QUESTION_COLUMNS]
    assert seg[
        ["segment_id", "turn", "speaker", "role", "start_char", "end_char", "question", "question_text"]
    ].values.tolist() == [
        ["q1-001", 1, "q1-001", "other", 0, 24, "q1", "Q1"],
        ["q1-002", 2, "q1-002", "practitioner", 26, 62, "q1", "Q1"],
        ["q1-004", 3, "q1-004", "manager", 64, 84, "q2", "Q2"],
    ]
    assert seg["text"].iloc[1] == "Forms, forms, forms.\nAnd more forms."
    part = corpus.participants
    assert list(part.columns) == list(schema.PARTICIPANT_COLUMNS)  # the question is the answer's, not the person's
    assert part["authority"].tolist() == ["Northvale", "Northvale", "Southvale"]
    tr = corpus.transcripts.iloc[0]
    assert (tr["transcript_id"], tr["format"], tr["n_turns"], tr["authority"]) == ("survey", "csv", 3, "Northvale")


def test_jsonl_with_speakers_and_transcript_groups(tmp_path):
    rows = [
        {"id": "a1", "transcript_id": "fgA", "speaker": "Ann", "role": "SP", "text": "One."},
        {"id": "a2", "transcript_id": "fgA", "speaker": "Ann", "text": "Two."},
        {"id": "b1", "transcript_id": "fgB", "speaker": "Bob", "text": "Three.", "start_s": 1.5},
    ]
    p = write(tmp_path, "segs.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    corpus = read_transcript(p)
    corpus.check()
    assert corpus.texts == {"fgA": "One.\n\nTwo.", "fgB": "Three."}
    seg = corpus.segments
    assert seg[["segment_id", "transcript_id", "turn", "speaker", "role"]].values.tolist() == [
        ["a1", "fgA", 1, "Ann", "senior"],
        ["a2", "fgA", 2, "Ann", "unknown"],
        ["b1", "fgB", 1, "Bob", "unknown"],
    ]
    assert seg["start_s"].isna().tolist() == [True, True, False]
    assert seg["start_s"].iloc[2] == 1.5
    # consecutive rows by one speaker stay separate segments (each keeps its id)
    assert corpus.segments["segment_id"].tolist() == ["a1", "a2", "b1"]
    assert corpus.participants[["participant_id", "role"]].values.tolist() == [["fgA:ann", "senior"], ["fgB:bob", "unknown"]]


def test_segments_csv_round_trip(tmp_path):
    text = "Facilitator: Hi.\nPractitioner 1: Hello.\n"
    original = read_transcript(write(tmp_path, "fg.txt", text))
    out = tmp_path / "segments.csv"
    original.segments.to_csv(out, index=False)
    again = read_transcript(out)
    again.check()
    cols = ["segment_id", "transcript_id", "turn", "speaker", "participant_id", "role", "text"]
    assert again.segments[cols].values.tolist() == original.segments[cols].values.tolist()


def test_missing_ids_are_generated(tmp_path):
    corpus = read_transcript(write(tmp_path, "r.csv", "text\nFirst.\nSecond.\n"))
    assert corpus.segments["segment_id"].tolist() == ["r:001", "r:002"]


def test_repeated_id_names_line(tmp_path):
    p = write(tmp_path, "r.csv", "id,text\nx,One.\ny,Two.\nx,Three.\n")
    with pytest.raises(InputError, match=r"r\.csv:4: id 'x' repeats \(first on line 2\)"):
        read_transcript(p)


def test_no_text_column_roster_hint(tmp_path):
    p = write(tmp_path, "people.csv", "transcript,speaker,role\nfg1,Ann,SP\n")
    with pytest.raises(InputError, match=r"people\.csv:1: expected a 'text' column .*looks like a roster"):
        read_transcript(p)


def test_bad_json_line(tmp_path):
    p = write(tmp_path, "r.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2, "text": \n')
    with pytest.raises(InputError, match=r"r\.jsonl:2: not valid JSON"):
        read_transcript(p)


def test_ragged_csv_row(tmp_path):
    p = write(tmp_path, "r.csv", "id,text\n1,ok\n2,too,many\n")
    with pytest.raises(InputError, match=r"r\.csv:3: expected 2 fields \(as in the header\), got 3"):
        read_transcript(p)


def test_response_ids_never_make_a_role(tmp_path):
    """Ids such as q1 or i2 are not speaker labels: without a speaker or role column the role is unknown."""
    from outcomes_qual.ingest import read_corpus

    path = tmp_path / "quotes.jsonl"
    path.write_text('{"id": "q1", "text": "The forms take all day."}\n{"id": "i2", "text": "No time."}\n', encoding="utf-8")
    corpus = read_corpus([path])
    assert corpus.segments["role"].tolist() == ["unknown", "unknown"]
    assert corpus.segments["speaker"].tolist() == ["q1", "i2"]

"""Word .docx transcripts: bold and plain labels, transcript tables, metadata tables, bad files."""

from __future__ import annotations

import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes_qual.errors import InputError
from outcomes_qual.ingest import read_transcript


def para(doc, label=None, text="", bold=True):
    p = doc.add_paragraph()
    if label is not None:
        p.add_run(label).bold = bold
    if text:
        p.add_run(text)
    return p


def save(doc, tmp_path, name):
    p = tmp_path / name
    doc.save(p)
    return p


def test_bold_labels_header_and_continuation(tmp_path):
    doc = docx.Document()
    doc.add_heading("Focus group: seniors", level=1)
    doc.add_paragraph("Authority: Northvale")
    doc.add_paragraph("Method: focus group")
    doc.add_paragraph("")
    para(doc, "Facilitator:", " What does good look like?")
    para(doc, "Rhodri:", " Patchy, honestly.")
    doc.add_paragraph("It depends on the team.")
    para(doc, "rhian", ": lower-case bold label with the colon outside.")
    para(doc, "Rhodri:", " Again.")
    para(doc, "Rhodri:", " And again.")
    corpus = read_transcript(save(doc, tmp_path, "fg2.docx"))
    corpus.check()
    assert corpus.texts["fg2"] == (
        "Focus group: seniors\nAuthority: Northvale\nMethod: focus group\n\n"
        "Facilitator: What does good look like?\n"
        "Rhodri: Patchy, honestly.\nIt depends on the team.\n"
        "rhian: lower-case bold label with the colon outside.\n"
        "Rhodri: Again.\nAnd again."
    )
    assert corpus.segments[["speaker", "role", "text"]].values.tolist() == [
        ["Facilitator", "facilitator", "What does good look like?"],
        ["Rhodri", "unknown", "Patchy, honestly.\nIt depends on the team."],
        ["rhian", "unknown", "lower-case bold label with the colon outside."],
        ["Rhodri", "unknown", "Again.\nAnd again."],
    ]
    tr = corpus.transcripts.iloc[0]
    assert (tr["format"], tr["authority"], tr["method"], tr["n_turns"]) == ("docx", "Northvale", "focus_group", 4)


def test_plain_labels_in_paragraphs(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("Interviewer: How is it going?")
    doc.add_paragraph("Senior Practitioner: Better than last year.")
    doc.add_paragraph("Interviewer: Why?")
    corpus = read_transcript(save(doc, tmp_path, "int.docx"))
    corpus.check()
    assert corpus.segments[["speaker", "role", "start_char", "end_char"]].values.tolist() == [
        ["Interviewer", "facilitator", 13, 29],
        ["Senior Practitioner", "senior", 51, 73],
        ["Interviewer", "facilitator", 87, 91],
    ]


def test_transcript_table_with_header(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("Transcript of team meeting")
    table = doc.add_table(rows=1, cols=3)
    for cell, h in zip(table.rows[0].cells, ["Time", "Speaker", "Text"], strict=True):
        cell.text = h
    for row in [
        ("00:00:05", "Manager", "Let's start."),
        ("00:01:10", "", "First item."),
        ("[00:02:00]", "Practitioner 1", "Fine."),
    ]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    corpus = read_transcript(save(doc, tmp_path, "mtg.docx"))
    corpus.check()
    assert corpus.segments[["speaker", "role", "text", "start_s"]].values.tolist() == [
        ["Manager", "manager", "Let's start.\nFirst item.", 5.0],
        ["Practitioner 1", "practitioner", "Fine.", 120.0],
    ]
    assert corpus.transcripts.loc[0, "method"] == "meeting"


def test_metadata_table_and_headerless_three_column_table(tmp_path):
    doc = docx.Document()
    meta = doc.add_table(rows=0, cols=2)
    for k, v in [("Authority", "Southvale"), ("Department", "Children and families")]:
        cells = meta.add_row().cells
        cells[0].text, cells[1].text = k, v
    table = doc.add_table(rows=0, cols=3)
    for row in [("0:01", "Ann", "One."), ("0:09", "Bob", "Two.")]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    corpus = read_transcript(save(doc, tmp_path, "t.docx"))
    corpus.check()
    assert corpus.segments[["speaker", "text", "start_s"]].values.tolist() == [["Ann", "One.", 1.0], ["Bob", "Two.", 9.0]]
    assert corpus.transcripts.loc[0, "authority"] == "Southvale"
    assert corpus.transcripts.loc[0, "department"] == "Children and families"


def test_docx_that_is_not_a_zip(tmp_path):
    p = tmp_path / "old.docx"
    p.write_bytes(b"\xd0\xcf\x11\xe0 an old Word 97 file" + bytes(range(256)))
    with pytest.raises(InputError, match=r"old\.docx: is not a valid \.docx \(Word\) file: it is not a zip archive"):
        read_transcript(p)


def test_zip_that_is_not_a_word_document(tmp_path):
    p = tmp_path / "fake.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match=r"fake\.docx: is not a readable \.docx \(Word\) file"):
        read_transcript(p)


def test_docx_without_turns(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("Meeting notes without any speakers.")
    with pytest.raises(InputError, match=r"notes\.docx: no speaker turns found"):
        read_transcript(save(doc, tmp_path, "notes.docx"))


def test_teams_style_docx_label_line_then_text(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("Smith, Jane   0:03")
    doc.add_paragraph("Morning all.")
    doc.add_paragraph("Practitioner 1   1:15")
    doc.add_paragraph("Morning.")
    doc.add_paragraph("Second paragraph.")
    corpus = read_transcript(save(doc, tmp_path, "teams.docx"))
    corpus.check()
    assert corpus.texts["teams"] == "Smith, Jane: Morning all.\nPractitioner 1: Morning.\nSecond paragraph."
    assert corpus.segments[["speaker", "role", "text", "start_s"]].values.tolist() == [
        ["Smith, Jane", "unknown", "Morning all.", 3.0],
        ["Practitioner 1", "practitioner", "Morning.\nSecond paragraph.", 75.0],
    ]


PARAS = st.lists(st.sampled_from(["we", "plan", "Forms", "café", "it's", "time", "—"]), min_size=1, max_size=6).map(" ".join)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.tuples(st.sampled_from(["Ann", "Bob Jones", "Manager 1", None]), PARAS, st.booleans()), min_size=1, max_size=8)
)
def test_docx_offsets_property(tmp_path_factory, rows):
    doc = docx.Document()
    doc.add_paragraph("Title line")
    expected, current = [], None
    for speaker, text, bold in rows:
        if speaker is None:
            doc.add_paragraph(text)
            if current is None:
                continue  # before any label: header
        else:
            para(doc, f"{speaker}:", f" {text}", bold=bold)
            current = speaker
        if not expected or expected[-1][0] != current:
            expected.append([current, [text]])
        else:
            expected[-1][1].append(text)
    if not expected:
        return
    p = tmp_path_factory.mktemp("docx") / "prop.docx"
    doc.save(p)
    corpus = read_transcript(p)
    corpus.check()
    assert corpus.segments[["speaker", "text"]].values.tolist() == [[s, "\n".join(t)] for s, t in expected]

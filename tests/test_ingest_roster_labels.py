"""Speaker labels named in a roster, collapsed transcripts, roster speakers never found, per-transcript counts."""

from __future__ import annotations

import re

import docx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.cli import main
from outcomes_qual.ingest import (
    CollapsedTranscriptError,
    MissingSpeakersError,
    UnknownSpeakersError,
    read_corpus,
    read_transcript,
    transcript_counts,
)
from outcomes_qual.ingest.checks import collapse_reason, format_counts
from outcomes_qual.ingest.txt import RosterLabels

# A focus group whose participants are labelled with a lower-case first letter, as some
# transcribers write them; the facilitator's label is an ordinary one.
ANSWER = "we moved every assessment online and rebuilt the marking scheme from scratch over several weeks"
LOWER = (
    "\n".join(
        ["Focus group two", "", "Facilitator: What changed when assessment moved online?"]
        + [f"nR1-0{k % 3 + 1}: {ANSWER} ({k})." for k in range(12)]
        + ["Facilitator: Thank you all."]
    )
    + "\n"
)
ROSTER = pd.DataFrame(
    {
        "transcript": ["fg2"] * 4,
        "speaker": ["Facilitator", "nR1-01", "nR1-02", "nR1-03"],
        "role": ["Facilitator", "non-R1 faculty", "non-R1 faculty", "non-R1 faculty"],
    }
)


@pytest.fixture
def lower(tmp_path):
    path = tmp_path / "fg2.txt"
    path.write_text(LOWER, encoding="utf-8")
    return path


def test_lower_case_labels_collapse_without_roster_and_are_reported(lower):
    corpus = read_corpus(lower)
    assert len(corpus.segments) == 1  # every turn sits in the facilitator's, the label-less lines continuing it
    [problem] = corpus.problems
    assert isinstance(problem, CollapsedTranscriptError) and isinstance(problem, UnknownSpeakersError)
    assert str(problem) == (
        f"{lower}: transcript 'fg2' looks collapsed: one turn holds 100% of the 214 words (1 turn(s), 1 speaker(s)); "
        "speaker labels were probably not recognised: name the speakers in a --roster, or check the labels"
    )
    assert "\n" not in str(problem)


def test_collapse_is_an_error_with_strict(lower):
    with pytest.raises(CollapsedTranscriptError, match=rf"^{re.escape(str(lower))}: transcript 'fg2' looks collapsed"):
        read_corpus(lower, strict=True)
    with pytest.raises(CollapsedTranscriptError):
        read_transcript(lower, strict=True)


def test_roster_named_lower_case_labels_are_turns(lower):
    corpus = read_corpus(lower, roster=ROSTER, strict=True)
    seg = corpus.segments
    assert len(seg) == 14
    assert seg["speaker"].tolist() == ["Facilitator"] + [f"nR1-0{k % 3 + 1}" for k in range(12)] + ["Facilitator"]
    assert seg["text"].iloc[1] == f"{ANSWER} (0)."
    assert not [p for p in corpus.problems if isinstance(p, UnknownSpeakersError)]


def test_roster_speaker_never_found_is_reported(tmp_path):
    path = tmp_path / "fg2.txt"
    path.write_text(LOWER.replace("nR1-03", "nR1-02"), encoding="utf-8")
    corpus = read_corpus(path, roster=ROSTER)
    [problem] = corpus.problems
    assert isinstance(problem, MissingSpeakersError)
    assert str(problem) == (
        f"{path}: transcript 'fg2': roster speaker(s) 'nR1-03' never found as a speaker label at the start "
        "of a line; check the transcript's labels or the roster"
    )
    with pytest.raises(MissingSpeakersError, match=r"roster speaker\(s\) 'nR1-03' never found"):
        read_corpus(path, roster=ROSTER, strict=True)


@pytest.mark.parametrize(
    ("line", "label", "text"),
    [
        ("nR1-01: Yes.", "nR1-01", "Yes."),
        ("NR1-01: Yes.", "nR1-01", "Yes."),
        ("nr1-01 : Yes.", "nR1-01", "Yes."),
        ("nR1-01 - Yes.", "nR1-01", "Yes."),
        ("nR1-01 – Yes.", "nR1-01", "Yes."),
        ("nR1-01\tYes.", "nR1-01", "Yes."),
        ("[nR1-01] Yes.", "nR1-01", "Yes."),
        ("(nR1-01): Yes.", "nR1-01", "Yes."),
        ("**nR1-01:** Yes.", "nR1-01", "Yes."),
        ("[00:03:10] nR1-01: Yes.", "nR1-01", "Yes."),
        ("p3: ok", "p3", "ok"),
        ("int.: so", "int.", "so"),
        ("INT: so", "int.", "so"),
        ("dr o'neill: fine", "Dr O'Neill", "fine"),
    ],
)
def test_roster_label_forms(line, label, text):
    m = RosterLabels(["nR1-01", "p3", "int.", "Dr O'Neill", "I"]).match(line)
    assert m is not None and m.label == label and line[m.rest :] == text


@pytest.mark.parametrize(
    "line",
    ["nR1-011: no", "nR1-01s: no", "p3 said so", "p33 - no", "I - I think so", "xnR1-01: no", "the int: no", "p3-4: no"],
)
def test_roster_label_non_matches(line):
    assert RosterLabels(["nR1-01", "p3", "int.", "I"]).match(line) is None


_LABEL = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,7}[A-Za-z0-9]", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    label=_LABEL,
    sep=st.sampled_from([": ", ":", " : ", " - ", " — ", "\t", ":\t"]),
    text=st.from_regex(r"[a-z][a-z ,.]{0,20}", fullmatch=True),
    upper=st.booleans(),
)
def test_roster_label_roundtrip(label, sep, text, upper):
    written = label.upper() if upper else label.lower()
    m = RosterLabels([label]).match(f"{written}{sep}{text}")
    assert m is not None
    assert m.label == re.sub(r"\s+", " ", label)
    assert f"{written}{sep}{text}"[m.rest :].strip() == text.strip()


@settings(max_examples=100, deadline=None)
@given(label=_LABEL, tail=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9]{0,3}", fullmatch=True))
def test_roster_label_needs_a_boundary(label, tail):
    # a longer word that starts with a roster label is not that label
    assert RosterLabels([label]).match(f"{label}{tail}: text") is None


def test_docx_roster_labels(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("Focus group two")
    doc.add_paragraph("Facilitator: What changed?")
    for k in range(14):
        doc.add_paragraph(f"nR1-0{k % 2 + 1}: {ANSWER} ({k}).")
    path = tmp_path / "fg2.docx"
    doc.save(path)
    plain = read_corpus(path)
    assert len(plain.segments) == 1 and isinstance(plain.problems[0], CollapsedTranscriptError)
    corpus = read_corpus(path, roster=ROSTER.iloc[:3])
    assert corpus.segments["speaker"].tolist() == ["Facilitator"] + ["nR1-01", "nR1-02"] * 7
    assert corpus.segments["text"].iloc[2] == f"{ANSWER} (1)."
    assert corpus.problems == []


def test_docx_table_speaker_cell_takes_roster_spelling(tmp_path):
    doc = docx.Document()
    table = doc.add_table(rows=3, cols=2)
    for row, (who, said) in zip(table.rows, [("Speaker", "Text"), ("NR1-01", "Yes."), ("nr1-02:", "No.")], strict=True):
        row.cells[0].text, row.cells[1].text = who, said
    path = tmp_path / "fg2.docx"
    doc.save(path)
    corpus = read_corpus(path, roster=ROSTER.iloc[1:3])
    assert corpus.segments["speaker"].tolist() == ["nR1-01", "nR1-02"]
    assert corpus.segments["participant_id"].tolist() == ["fg2:nr1-01", "fg2:nr1-02"]


def test_vtt_roster_labels(tmp_path):
    cues = ["WEBVTT", ""]
    for k, who in enumerate(["01", "p3", "P4", "01"]):
        cues += [f"00:00:0{k}.000 --> 00:00:0{k + 1}.000", f"{who}: point {k}", ""]
    path = tmp_path / "int1.vtt"
    path.write_text("\n".join(cues), encoding="utf-8")
    roster = pd.DataFrame({"transcript": ["int1"] * 3, "speaker": ["01", "p3", "p4"]})
    corpus = read_corpus(path, roster=roster)
    assert corpus.segments[["speaker", "text"]].values.tolist() == [
        ["01", "point 0"],
        ["p3", "point 1"],
        ["p4", "point 2"],
        ["01", "point 3"],
    ]
    assert corpus.problems == []


def test_table_reader_speaker_column_matches_roster(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("id,speaker,text\nr1,NR1-01,Too much surveillance.\nr2,nr1-02,Fine by me.\n", encoding="utf-8")
    roster = pd.DataFrame(
        {
            "transcript": ["survey"] * 2,
            "speaker": ["nR1-01", "nR1-02"],
            "participant_id": ["P1", "P2"],
            "role": ["R1 faculty", "non-R1 faculty"],
        }
    )
    corpus = read_corpus(path, roster=roster, strict=True)
    assert corpus.segments["participant_id"].tolist() == ["P1", "P2"]


@pytest.mark.parametrize(
    ("words", "collapsed"),
    [
        ([199], False),  # too short to judge
        ([200], True),
        ([100, 101], True),  # one of two turns holds just over half
        ([100, 100], False),
        ([20] * 100 + [999], False),  # long, but under MIN_LONG_WORDS
        ([20] * 100 + [1000], True),  # 50 x the median
        ([99] * 15 + [1112, 1659], False),  # a webinar's presentation: 39% of the words, 17 x the median
    ],
)
def test_collapse_rule(words, collapsed):
    assert (collapse_reason(words) is not None) is collapsed


def test_counts_table(lower):
    corpus = read_corpus(lower, roster=ROSTER)
    counts = transcript_counts(corpus)
    assert counts.to_dict("records") == [
        {
            "transcript_id": "fg2",
            "format": "txt",
            "turns": 14,
            "speakers": 4,
            "words": 201,
            "largest_turn_words": 16,
            "largest_turn_share": 16 / 201,
            "collapsed": False,
        }
    ]
    assert format_counts(counts).splitlines()[1].split() == ["fg2", "14", "4", "201", "8%"]


def test_format_counts_limits_rows_but_keeps_collapsed():
    rows = [[f"t{k:02d}", "txt", 5, 2, 50, 10, 0.2, False] for k in range(5)] + [["big", "txt", 1, 1, 900, 900, 1.0, True]]
    text = format_counts(pd.DataFrame(rows, columns=list(transcript_counts.__globals__["COUNT_COLUMNS"])), limit=2)
    assert [line.split()[0] for line in text.splitlines()] == ["transcript", "t00", "t01", "big", "..."]
    assert text.splitlines()[-1] == "... and 3 more transcript(s)"


def test_cli_segments_prints_counts_and_strict_fails(lower, tmp_path, capsys):
    out = tmp_path / "seg.csv"
    assert main(["segments", str(lower), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert re.search(r"^fg2\s+1\s+1\s+214\s+100%  <- collapsed\?$", printed.out, re.M)
    assert "looks collapsed" in printed.err
    assert main(["segments", str(lower), "--strict", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"error: {lower}: transcript 'fg2' looks collapsed: one turn holds 100%")
    roster = tmp_path / "roster.csv"
    ROSTER.to_csv(roster, index=False)
    assert main(["segments", str(lower), "--roster", str(roster), "--strict", "--out", str(out)]) == 0
    assert re.search(r"^fg2\s+14\s+4\s+201\s+8%$", capsys.readouterr().out, re.M)


def test_cli_project_add_prints_counts(lower, tmp_path, capsys):
    project = tmp_path / "p.sqlite"
    assert main(["project", "init", str(project)]) == 0
    assert main(["project", "add", str(lower), "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^fg2\s+1\s+1\s+214\s+100%  <- collapsed\?$", out, re.M)
    assert "added 1 transcript(s), 1 turn(s)" in out


def test_speaker_list_in_the_header_is_not_turns(tmp_path):
    path = tmp_path / "fg2.txt"
    path.write_text("Participants:\nnR1-01 - lecturer\nnR1-02 - lecturer\n\nnR1-01: Yes.\nnr1-02: No.\n", encoding="utf-8")
    corpus = read_corpus(path, roster=ROSTER.iloc[1:3])
    assert corpus.segments[["speaker", "text"]].values.tolist() == [["nR1-01", "Yes."], ["nR1-02", "No."]]


def test_speaker_list_ends_at_the_first_ordinary_label(tmp_path):
    path = tmp_path / "fg2.txt"
    path.write_text("Participants: nR1-01, nR1-02\nFacilitator: Why?\nnR1-01: Yes.\nnr1-02: No.\n", encoding="utf-8")
    corpus = read_corpus(path, roster=ROSTER.iloc[:3])
    assert corpus.segments["speaker"].tolist() == ["Facilitator", "nR1-01", "nR1-02"]


def test_cli_counts_leave_out_response_tables(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    path.write_text("id,text\nr1,Too much surveillance.\nr2,Fine by me.\n", encoding="utf-8")
    assert main(["segments", str(path), "--out", str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"wrote {tmp_path / 's.csv'}", "1 transcripts, 2 participants, 2 turns (2 unknown)"]

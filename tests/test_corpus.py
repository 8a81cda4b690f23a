import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.corpus import Corpus, make_segment_id
from outcomes_qual.errors import InputError
from outcomes_qual.text import normalise_text


def two_groups():
    a = Corpus.from_turns("a", [("F", "facilitator", "Q?"), ("X", "senior", "Yes."), ("Y", "manager", "No.")], authority="North")
    b = Corpus.from_turns("b", [("Z", "practitioner", "Maybe.")], authority="South", method="interview")
    return Corpus.concat([a, b])


def test_from_turns_offsets_and_columns():
    c = Corpus.from_turns("t", [("A", "practitioner", "One."), ("B", "senior", "Two two.")])
    c.check()
    assert list(c.segments.columns) == list(schema.SEGMENT_COLUMNS)
    assert c.segments["start_char"].tolist() == [0, 5]
    assert c.segments["end_char"].tolist() == [4, 13]
    assert c.transcripts.loc[0, "n_turns"] == 2


def test_concat_and_subset():
    c = two_groups()
    c.check()
    assert c.transcripts["transcript_id"].tolist() == ["a", "b"]
    assert len(c.segments) == 4
    assert len(c.analysed_segments()) == 3
    assert len(c.analysed_segments(include_facilitator=True)) == 4
    sub = c.subset(["b"])
    assert sub.segments["segment_id"].tolist() == ["b:001"]
    assert list(sub.texts) == ["b"]


def test_concat_rejects_repeated_transcript():
    a = Corpus.from_turns("a", [("X", "senior", "Yes.")])
    with pytest.raises(ValueError, match="repeated across corpora: \\['a'\\]"):
        Corpus.concat([a, a])


def test_segment_context_prefers_roster_attributes():
    c = two_groups()
    c.participants.loc[c.participants["speaker"] == "X", "authority"] = "Elsewhere"
    ctx = c.segment_context()
    assert ctx.set_index("speaker").loc["X", "authority"] == "Elsewhere"
    assert ctx.set_index("speaker").loc["Z", "method"] == "interview"


def test_check_detects_bad_offsets():
    c = Corpus.from_turns("t", [("A", "practitioner", "One.")])
    c.segments.loc[0, "end_char"] = 3
    with pytest.raises(AssertionError, match="offsets give 'One'"):
        c.check()


def test_make_segment_id():
    assert make_segment_id("fg", 12) == "fg:012"


def test_input_error_message():
    assert str(InputError("bad", path="x.vtt", line=3)) == "x.vtt:3: bad"
    assert str(InputError("bad")) == "bad"


@pytest.mark.parametrize("raw, want", [("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("\ufeffx", "x"), ("e\u0301", "\u00e9")])
def test_normalise_text(raw, want):
    assert normalise_text(raw) == want


def test_check_columns_message():
    with pytest.raises(ValueError, match="codings: missing column\\(s\\) 'code'"):
        schema.check_columns(pd.DataFrame({"segment_id": []}), schema.CODING_COLUMNS, name="codings")


def test_repr_counts_people_not_roster_rows():
    # the facilitator speaks in both groups (one roster row each) and is counted once, apart
    a = Corpus.from_turns("a", [("F", "facilitator", "Why?"), ("Ann", "practitioner", "Time."), ("Bo", "senior", "Forms.")])
    b = Corpus.from_turns("b", [("F", "facilitator", "Why?"), ("Cy", "manager", "Panels.")])
    corpus = Corpus.concat([a, b])
    corpus.participants["participant_id"] = ["F1", "P1", "S1", "F1", "M1"]
    assert repr(corpus) == "Corpus(2 transcripts, 3 participants and 1 facilitator(s), 5 segments, 0 problems)"

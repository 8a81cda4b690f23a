"""WebVTT (Zoom and Teams) and SRT captions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.errors import InputError
from outcomes_qual.ingest import read_transcript
from outcomes_qual.ingest.vtt import parse_subtitles

ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Facilitator: Welcome, everyone.

2
00:00:04.500 --> 00:00:07.250
Ann Smith: Thanks. I'll start
with the forms.

3
00:00:07.300 --> 00:00:09.000
They take &amp; take.

4
00:01:00.000 --> 00:01:02.000
Senior 1: Agreed.
"""

TEAMS = """WEBVTT

f6b8-1/12-0
00:00:03.367 --> 00:00:09.508
<v Helen Marsh>Okay, recording.</v>

f6b8-1/12-1
00:00:09.689 --> 00:00:13.169
<v Helen Marsh>Who goes first?</v>

2aed-2/13-0
00:00:29.251 --> 00:00:31.661
<v Alun Prosser>Me, then <c.yellow>Rhian</c>.</v>

NOTE this is a comment
that spans lines

2aed-3/14-0
00:00:32.000 --> 00:00:34.000
<v Rhian Howells>Fine.</v><v Alun Prosser>Good.</v>
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
Interviewer: How long have you been in post?

2
00:00:03,000 --> 00:00:05,000
Practitioner: Two years.

3
00:00:05,000 --> 00:00:06,000
Mostly adults.
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_zoom_vtt(tmp_path):
    corpus = read_transcript(write(tmp_path, "zoom.vtt", ZOOM))
    corpus.check()
    assert corpus.texts["zoom"] == (
        "Facilitator: Welcome, everyone.\nAnn Smith: Thanks. I'll start with the forms. They take & take.\nSenior 1: Agreed."
    )
    assert corpus.segments[["speaker", "role", "start_char", "end_char", "start_s", "end_s"]].values.tolist() == [
        ["Facilitator", "facilitator", 13, 31, 1.0, 4.0],
        ["Ann Smith", "unknown", 43, 95, 4.5, 9.0],
        ["Senior 1", "senior", 106, 113, 60.0, 62.0],
    ]
    assert corpus.transcripts.loc[0, "format"] == "vtt"


def test_teams_voice_tags(tmp_path):
    corpus = read_transcript(write(tmp_path, "teams.vtt", TEAMS))
    corpus.check()
    assert corpus.segments[["speaker", "text", "start_s", "end_s"]].values.tolist() == [
        ["Helen Marsh", "Okay, recording. Who goes first?", 3.367, 13.169],
        ["Alun Prosser", "Me, then Rhian.", 29.251, 31.661],
        ["Rhian Howells", "Fine.", 32.0, 34.0],
        ["Alun Prosser", "Good.", 32.0, 34.0],
    ]
    assert corpus.participants["speaker"].tolist() == ["Helen Marsh", "Alun Prosser", "Rhian Howells"]


def test_srt(tmp_path):
    corpus = read_transcript(write(tmp_path, "int.srt", SRT))
    corpus.check()
    assert corpus.segments[["speaker", "role", "text", "start_s", "end_s"]].values.tolist() == [
        ["Interviewer", "facilitator", "How long have you been in post?", 1.0, 2.5],
        ["Practitioner", "practitioner", "Two years. Mostly adults.", 3.0, 6.0],
    ]
    assert corpus.transcripts.loc[0, "format"] == "srt"


@pytest.mark.parametrize(("text", "fmt"), [(ZOOM, "vtt"), (SRT, "srt")])
def test_txt_extension_detected_by_content(tmp_path, text, fmt):
    corpus = read_transcript(write(tmp_path, "captions.txt", text))
    assert corpus.transcripts.loc[0, "format"] == fmt
    corpus.check()


def test_cues_without_speakers(tmp_path):
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHello there.\n\n00:02.000 --> 00:03.000\nAnd again.\n"
    corpus = read_transcript(write(tmp_path, "anon.vtt", vtt))
    assert corpus.segments[["speaker", "role", "text"]].values.tolist() == [["Unknown", "unknown", "Hello there. And again."]]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("1\n00:00:01.000 --> 00:00:0x.000\nAnn: hi\n", 4),
        ("00:00:01.000 -> 00:00:02.000\nAnn: hi\n", 3),
        ("1\n00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n2\n00:00:03.000 --> 00:00 04.000\nBob: yes\n", 8),
    ],
)
def test_broken_timestamp_names_line(tmp_path, body, line):
    p = write(tmp_path, "bad.vtt", "WEBVTT\n\n" + body)
    with pytest.raises(InputError, match=rf"bad\.vtt:{line}: broken cue timing .*expected 'HH:MM:SS\.mmm --> HH:MM:SS\.mmm'"):
        read_transcript(p)


def test_no_cues(tmp_path):
    with pytest.raises(InputError, match=r"empty\.vtt: no captions found"):
        read_transcript(write(tmp_path, "empty.vtt", "WEBVTT\n\nNOTE nothing yet\n"))


NAMES = st.sampled_from(["Ann", "Bob Jones", "Facilitator", "Manager 2", None])
CUE = st.lists(
    st.sampled_from(["we", "plan", "forms", "time", "it's", "&amp;", "<i>really</i>", "café"]), min_size=1, max_size=6
).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(NAMES, CUE, st.booleans()), min_size=1, max_size=10))
def test_vtt_offsets_property(cues):
    blocks, expected_speakers, t = [], [], 0.0
    current = None
    for name, text, teams in cues:
        if name is None:
            payload = text
            speaker = current or "Unknown"
        else:
            payload = f"<v {name}>{text}</v>" if teams else f"{name}: {text}"
            speaker = name
        current = speaker
        if not expected_speakers or expected_speakers[-1] != speaker:
            expected_speakers.append(speaker)
        blocks.append(f"00:00:{t:06.3f} --> 00:00:{t + 1:06.3f}\n{payload}")
        t += 1
    corpus = parse_subtitles("WEBVTT\n\n" + "\n\n".join(blocks) + "\n", "p")
    corpus.check()
    assert corpus.segments["speaker"].tolist() == expected_speakers
    assert not corpus.segments["text"].str.contains("<").any()


def test_utf16_teams_export_named_txt(tmp_path):
    p = tmp_path / "teams.txt"
    p.write_bytes(TEAMS.replace("\n", "\r\n").encode("utf-16"))
    corpus = read_transcript(p)
    assert corpus.transcripts.loc[0, "format"] == "vtt"
    assert corpus.segments["speaker"].tolist() == ["Helen Marsh", "Alun Prosser", "Rhian Howells", "Alun Prosser"]


def test_note_blocks_before_first_cue_are_metadata(tmp_path):
    vtt = (
        "WEBVTT\n\nNOTE Authority: Northvale\nMethod: focus group\nDate: 5 March 2026\n\n"
        "00:01.000 --> 00:02.000\nAnn: Hi.\n\nNOTE not metadata: after a cue\n\n00:02.000 --> 00:03.000\nBob: Yo.\n"
    )
    corpus = read_transcript(write(tmp_path, "fg.vtt", vtt))
    corpus.check()
    tr = corpus.transcripts.iloc[0]
    assert (tr["authority"], tr["method"], tr["date"]) == ("Northvale", "focus_group", "2026-03-05")
    assert corpus.texts["fg"] == "Authority: Northvale\nMethod: focus group\nDate: 5 March 2026\n\nAnn: Hi.\nBob: Yo."

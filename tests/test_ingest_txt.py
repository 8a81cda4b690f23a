"""Plain-text transcripts: label styles, header metadata, continuation, trailers, offsets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes_qual import schema
from outcomes_qual.errors import InputError
from outcomes_qual.ingest import read_transcript
from outcomes_qual.ingest.txt import detect_style, match_label, parse_txt
from outcomes_qual.text import normalise_text


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def seg_values(corpus, cols=("speaker", "role", "text")):
    return corpus.segments[list(cols)].values.tolist()


def test_colon_labels_header_and_continuation(tmp_path):
    text = (
        "Practitioners focus group\n"
        "Authority: Northvale\n"
        "Department: Adult services\n"
        "Method: focus group\n"
        "Date: 2026-03-04\n"
        "\n"
        "Facilitator: What has changed?\n"
        "\n"
        "Practitioner 2: We ask people first.\n"
        "\n"
        "Then we plan with them.\n"
        "SENIOR: Not everyone, though.\n"
    )
    corpus = read_transcript(write(tmp_path, "fg1.txt", text))
    corpus.check()
    assert list(corpus.segments.columns) == list(schema.SEGMENT_COLUMNS)
    assert seg_values(corpus) == [
        ["Facilitator", "facilitator", "What has changed?"],
        ["Practitioner 2", "practitioner", "We ask people first.\n\nThen we plan with them."],
        ["SENIOR", "senior", "Not everyone, though."],
    ]
    assert corpus.segments["segment_id"].tolist() == ["fg1:001", "fg1:002", "fg1:003"]
    plain = corpus.texts["fg1"]
    assert plain == text
    first = plain.index("What has changed?")
    assert corpus.segments[["start_char", "end_char"]].values.tolist()[0] == [first, first + 17]
    tr = corpus.transcripts.iloc[0]
    assert (tr["transcript_id"], tr["format"], tr["method"], tr["authority"], tr["department"], tr["date"], tr["n_turns"]) == (
        "fg1",
        "txt",
        "focus_group",
        "Northvale",
        "Adult services",
        "2026-03-04",
        3,
    )
    part = corpus.participants
    assert part["participant_id"].tolist() == ["fg1:facilitator", "fg1:practitioner-2", "fg1:senior"]
    assert part["authority"].tolist() == ["Northvale"] * 3
    assert corpus.segments["start_s"].isna().all()


def test_header_key_is_not_a_speaker_but_role_word_is(tmp_path):
    text = "Interview: practice mentor\nDate: 4 March\nType: 1:1 interview\n\nInterviewer: Hello.\nElin: Hi there.\n"
    corpus = read_transcript(write(tmp_path, "int1.txt", text))
    assert seg_values(corpus, ("speaker", "role")) == [["Interviewer", "facilitator"], ["Elin", "unknown"]]
    assert corpus.transcripts.loc[0, "method"] == "interview"
    assert corpus.transcripts.loc[0, "date"] == "4 March"


def test_same_speaker_merges_into_one_span(tmp_path):
    text = "Ann: One.\nAnn: Two.\nBob: Three.\n"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    corpus.check()
    assert seg_values(corpus, ("speaker", "text", "start_char", "end_char")) == [
        ["Ann", "One.\nAnn: Two.", 5, 19],
        ["Bob", "Three.", 25, 31],
    ]


def test_label_on_its_own_line_and_empty_turn_dropped(tmp_path):
    text = "Ann:\nFirst line.\nBob:\nCarol: Yes.\n"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    assert seg_values(corpus, ("speaker", "text")) == [["Ann", "First line."], ["Carol", "Yes."]]


def test_bracket_labels(tmp_path):
    text = "[Facilitator] Shall we begin?\n[Manager] Yes.\n[Laughter]\n[Senior practitioner 1]: Fine.\n"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    corpus.check()
    assert seg_values(corpus) == [
        ["Facilitator", "facilitator", "Shall we begin?"],
        ["Manager", "manager", "Yes.\n[Laughter]"],
        ["Senior practitioner 1", "senior", "Fine."],
    ]


def test_initials_with_speakers_header(tmp_path):
    text = (
        "TITLE: Webinar on assessment\n\n"
        "SPEAKERS: Jo Bloggs (JB), Team Manager, Northvale\n"
        "Al Smith (AS), Social worker\n\n"
        "Some introduction before the talk.\n\n"
        "(JB) Welcome.\n\n"
        "Continued welcome.\n"
        "(AS) Thanks.\n"
        "Feedback: it went well.\n"
    )
    corpus = read_transcript(write(tmp_path, "web.txt", text))
    corpus.check()
    assert seg_values(corpus) == [
        ["Jo Bloggs", "manager", "Welcome.\n\nContinued welcome."],
        ["Al Smith", "practitioner", "Thanks.\nFeedback: it went well."],
    ]
    assert corpus.participants["participant_id"].tolist() == ["web:jo-bloggs", "web:al-smith"]


def test_otter_export(tmp_path):
    text = "Team meeting\n\nAnn Smith  0:03\nHello all.\nStill me.\n\nPractitioner 1  1:02:05\nHi.\n\nTranscribed by https://otter.ai\n"
    corpus = read_transcript(write(tmp_path, "otter.txt", text))
    corpus.check()
    assert seg_values(corpus, ("speaker", "role", "text", "start_s")) == [
        ["Ann Smith", "unknown", "Hello all.\nStill me.", 3.0],
        ["Practitioner 1", "practitioner", "Hi.", 3725.0],
    ]
    assert corpus.transcripts.loc[0, "method"] == "meeting"


def test_rev_export(tmp_path):
    text = "Speaker 1 (00:00):\nGood morning.\n\nSpeaker 2 (01:05): Morning.\n\nSpeaker 1 (01:10):\nRight.\n"
    corpus = read_transcript(write(tmp_path, "rev.txt", text))
    corpus.check()
    assert seg_values(corpus, ("speaker", "role", "text", "start_s")) == [
        ["Speaker 1", "unknown", "Good morning.", 0.0],
        ["Speaker 2", "unknown", "Morning.", 65.0],
        ["Speaker 1", "unknown", "Right.", 70.0],
    ]


@pytest.mark.parametrize(
    "trailer",
    [
        "END OF TRANSCRIPT\nAnn: not a turn\n",
        "[End]\n",
        "Useful links\n\nSome site:\n\n<https://example.org/>\n",
        "https://example.org/page\n",
    ],
)
def test_trailing_material_is_dropped(tmp_path, trailer):
    text = f"Ann: Hello.\nBob: Bye now.\n\n{trailer}"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    assert seg_values(corpus, ("speaker", "text")) == [["Ann", "Hello."], ["Bob", "Bye now."]]


def test_sentence_with_colon_is_not_a_label(tmp_path):
    text = "Ann: We tried.\nThe thing is: nobody had time.\nBob: True.\n"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    assert seg_values(corpus, ("speaker", "text")) == [
        ["Ann", "We tried.\nThe thing is: nobody had time."],
        ["Bob", "True."],
    ]


def test_crlf_bom_and_nfc_offsets(tmp_path):
    raw = "\ufeffAnn: Cafe\u0301 time.\r\nBob: Yes.\r\n"
    p = tmp_path / "t.txt"
    p.write_bytes(raw.encode("utf-8"))
    corpus = read_transcript(p)
    corpus.check()
    assert corpus.texts["t"] == normalise_text(raw)
    assert seg_values(corpus, ("text", "start_char", "end_char")) == [["Café time.", 5, 15], ["Yes.", 21, 25]]


def test_transcript_id_override(tmp_path):
    corpus = read_transcript(write(tmp_path, "t.txt", "Ann: Hi.\n"), transcript_id="custom")
    assert corpus.segments["segment_id"].tolist() == ["custom:001"]


def test_no_labels_is_one_line_error(tmp_path):
    p = write(tmp_path, "notes.txt", "Just some notes.\nNothing labelled here.\n")
    with pytest.raises(InputError, match=r"notes\.txt: no speaker labels found; expected lines such as 'Name: text'"):
        read_transcript(p)


@pytest.mark.parametrize(
    ("lines", "style"),
    [
        (["Ann: hi", "Bob: yes"], "colon"),
        (["[Manager] hi", "[Senior] yes"], "bracket"),
        (["(AB) hi", "(CD) yes", "Note: x"], "paren"),
        (["Ann  0:01", "hi", "Bob  0:05", "yes"], "otter"),
        (["Speaker 1 (00:01): hi", "Speaker 2 (00:05): yes"], "rev"),
        (["nothing here"], None),
    ],
)
def test_detect_style(lines, style):
    assert detect_style(lines) == style


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Dr O'Neill: Yes", "Dr O'Neill"),
        ("Senior social worker 3: Yes", "Senior social worker 3"),
        ("Q: What helps?", "Q"),
        ("**Ann:** bold markdown", "Ann"),
        ("Note: this is a note", None),
        ("Authority: Northvale", None),
        ("so what: happened", None),
        ("https://example.org", None),
        ("10:30 we met", None),
    ],
)
def test_match_label_colon(line, label):
    m = match_label(line, "colon")
    assert (m.label if m else None) == label


def test_midlothian_reference_structure(shared_dir):
    path = shared_dir / "reference" / "midlothian-pace-webinar-transcript-2020.txt"
    before = path.read_bytes()
    corpus = read_transcript(path)
    corpus.check()
    seg = corpus.segments
    # 17 initials-labelled paragraphs, no two in a row by the same speaker
    assert len(seg) == 17
    assert seg["speaker"].nunique() == 3
    # speakers come from the SPEAKERS header (full names, not initials)
    assert all(" " in s for s in seg["speaker"])
    assert set(seg["role"]) == {"manager", "other"}
    # the header (date, title, speaker list, introduction) is not a turn
    assert seg["start_char"].iloc[0] > corpus.texts[seg["transcript_id"].iloc[0]].index("SPEAKERS:")
    # the trailing resources list is not part of the last turn
    assert "http" not in seg["text"].iloc[-1]
    assert "resources" not in seg["text"].iloc[-1].lower()
    # continuation paragraphs without a label are kept with their speaker
    assert seg["text"].str.count("\n\n").max() >= 5
    assert corpus.transcripts.loc[0, "date"] is not None
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- property test
SPEAKERS = ["Ann", "Bob Smith", "Practitioner 2", "SENIOR", "Facilitator", "Dr O'Neill"]
INITIALS = {"AJ": "Ann Jones", "BR": "Bob Roe", "CD": "Cy Dee"}
WORDS = st.sampled_from(
    ["we", "plan", "Time", "outcomes", "matter", "café", "don't", "really", "it's", "the", "forms", "Panel", "x2", "—", "well,"]
)
PARA = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)
BREAK = st.sampled_from(["\n", "\n\n", "\n \n", "\n\n\n", "\t\n\n"])
STYLE_NAMES = ("colon", "bracket", "otter", "rev", "paren", "paren+speakers")


@st.composite
def transcripts(draw):
    style = draw(st.sampled_from(STYLE_NAMES))
    pool = sorted(INITIALS) if style.startswith("paren") else SPEAKERS
    n = draw(st.integers(1, 8))
    turns = []
    for _ in range(n):
        speaker = draw(st.sampled_from(pool))
        paras = draw(st.lists(PARA, min_size=1, max_size=3))
        own_line = draw(st.booleans())
        turns.append((speaker, paras, own_line))
    header = draw(st.booleans())
    crlf = draw(st.booleans())
    breaks = [draw(BREAK) for _ in range(sum(len(p) for _, p, _ in turns) + 1)]
    return style, turns, header, crlf, breaks


def label(style, speaker, k, own_line):
    sep = "\n" if own_line else " "
    if style == "colon":
        return f"{speaker}:{sep}"
    if style == "bracket":
        return f"[{speaker}]{sep}"
    if style == "otter":
        return f"{speaker}  {k // 60}:{k % 60:02d}\n"
    if style == "rev":
        return f"{speaker} ({k // 60:02d}:{k % 60:02d}):{sep}"
    return f"({speaker}){sep}"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_offsets_invariant_property(data):
    style, turns, header, crlf, breaks = data
    parts, spans = [], []  # spans: (speaker, start, end, start_s) of each labelled block's paragraphs
    pos = 0

    def add(s):
        nonlocal pos
        parts.append(s)
        pos += len(s)

    if header:
        add("Group discussion\nAuthority: Northvale\n\n")
    if style == "paren+speakers":
        add("SPEAKERS: " + "\n".join(f"{name} ({ini}), Team manager" for ini, name in INITIALS.items()) + "\n\n")
    b = iter(breaks)
    for k, (speaker, paras, own_line) in enumerate(turns):
        add(label(style, speaker, 7 * k, own_line))
        start = pos
        for j, para in enumerate(paras):
            if j:
                add(next(b))
            add(para)
        name = INITIALS[speaker] if style == "paren+speakers" else speaker
        spans.append((name, start, pos, 7.0 * k if style in ("otter", "rev") else None))
        add(next(b))
    text = "".join(parts)
    # expected: consecutive blocks by one speaker merge into one span
    expected = []
    for speaker, start, end, start_s in spans:
        if expected and expected[-1][0] == speaker:
            expected[-1][2] = end
        else:
            expected.append([speaker, start, end, start_s])
    raw = text.replace("\n", "\r\n") if crlf else text
    corpus = parse_txt(normalise_text(raw), "p")
    corpus.check()
    got = corpus.segments[["speaker", "start_char", "end_char"]].values.tolist()
    assert got == [e[:3] for e in expected]
    times = [None if t != t else t for t in corpus.segments["start_s"]]
    assert times == [e[3] for e in expected]
    assert corpus.segments["turn"].tolist() == list(range(1, len(expected) + 1))
    assert all(t == t.strip() for t in corpus.segments["text"])
    if style == "paren+speakers":
        assert set(corpus.segments["role"]) == {"manager"}


def test_timestamp_prefix_and_role_beside_name(tmp_path):
    text = (
        "[00:00:05] Ann (Team manager): Shall we start?\n00:01:10 Bob (Senior practitioner): Yes.\nAnn (laughs): no role here.\n"
    )
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    corpus.check()
    assert seg_values(corpus, ("speaker", "role", "text", "start_s")) == [
        ["Ann", "manager", "Shall we start?", 5.0],
        ["Bob", "senior", "Yes.\nAnn (laughs): no role here.", 70.0],
    ]


def test_interviewer_respondent_initials(tmp_path):
    text = "I: How long have you worked here?\nR: Ten years.\nI: Thanks.\n"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    assert seg_values(corpus, ("speaker", "role")) == [["I", "facilitator"], ["R", "unknown"], ["I", "facilitator"]]


def test_facilitator_named_in_header_block_is_metadata(tmp_path):
    text = "Authority: Northvale\nFacilitator: Jane Doe\nDate: 2026-03-04\n\nFacilitator: Welcome, all.\nAnn: Hi.\n"
    corpus = read_transcript(write(tmp_path, "t.txt", text))
    assert seg_values(corpus, ("speaker", "text")) == [["Facilitator", "Welcome, all."], ["Ann", "Hi."]]
    assert corpus.transcripts.loc[0, "date"] == "2026-03-04"
    # without a header block the same line is a turn
    corpus = read_transcript(write(tmp_path, "u.txt", "Facilitator: Jane Doe\nAnn: Hi.\n"))
    assert seg_values(corpus, ("speaker", "text")) == [["Facilitator", "Jane Doe"], ["Ann", "Hi."]]
    assert corpus.transcripts.loc[0, "transcript_id"] == "u"


@pytest.mark.parametrize(
    "text",
    [
        # Trint: name and bracketed time alone on a line
        "Jane Smith [00:00:03]\nHello there.\n\nPractitioner 1 [00:01:05]\nHi.\n",
        # Sonix: time opening the text
        "Jane Smith: [00:00:03] Hello there.\nPractitioner 1: [00:01:05] Hi.\n",
        # Zoom's saved captions
        "[Jane Smith] 00:00:03 Hello there.\n[Practitioner 1] 00:01:05 Hi.\n",
        # Descript / Rev variants
        "Jane Smith (00:03): Hello there.\nPractitioner 1 (01:05): Hi.\n",
    ],
)
def test_transcription_service_exports(tmp_path, text):
    corpus = read_transcript(write(tmp_path, "svc.txt", text))
    corpus.check()
    assert seg_values(corpus, ("speaker", "role", "text", "start_s")) == [
        ["Jane Smith", "unknown", "Hello there.", 3.0],
        ["Practitioner 1", "practitioner", "Hi.", 65.0],
    ]

"""The fictional sample corpus in ``transcripts_sample/`` is complete and consistent.

Most checks here need no reader from the package: they parse speaker labels with
small regular expressions (txt labels, bold docx labels, Zoom ``Name: text`` and
Teams ``<v Name>`` cues) so that a broken sample is caught even while a reader
is broken. The last tests read the corpus with ``outcomes_qual.ingest``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

TRANSCRIPTS = {
    "glanafon_fg_practitioners": "txt",
    "glanafon_fg_seniors": "docx",
    "glanafon_fg_managers": "vtt",
    "glanafon_interview_mentor": "txt",
    "glanafon_interview_practitioner": "txt",
    "strathlinn_fg_practitioners": "vtt",
    "strathlinn_fg_seniors": "txt",
    "strathlinn_fg_managers": "txt",
    "strathlinn_interview_mentor": "docx",
    "strathlinn_interview_manager": "txt",
}
FOCUS_GROUPS = sorted(t for t in TRANSCRIPTS if "_fg_" in t)
INTERVIEWS = sorted(t for t in TRANSCRIPTS if "_interview_" in t)
TXT = sorted(t for t, ext in TRANSCRIPTS.items() if ext == "txt")
ROSTER_COLUMNS = [
    "transcript",
    "speaker",
    "participant_id",
    "role",
    "authority",
    "department",
    "method",
    "years_in_role",
    "team",
]
HEADER_KEYS = ("Authority", "Department", "Method", "Date")
FACILITATOR_ROLES = {"Facilitator", "Interviewer"}
#: Words of the recurring topic the codebook does not cover (hybrid working).
UNCOVERED = ("working from home", "hot-desking", "teams call", "newly qualified", "the office")

TXT_LABEL = re.compile(r"^([^\s:\[][^:\[\]\n]{0,40}?): ")
TEAMS_CUE = re.compile(r"^<v ([^>]+)>(.*)</v>$")
ZOOM_CUE = re.compile(r"^([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}): (.*)$")
TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def read_roster(sample: Path) -> list[dict[str, str]]:
    with open(sample / "roster.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def labelled_paragraphs(sample: Path, transcript: str) -> list[tuple[str | None, str]]:
    """(speaker or None for a continuation, text) per paragraph/cue after the header."""
    path = sample / f"{transcript}.{TRANSCRIPTS[transcript]}"
    out: list[tuple[str | None, str]] = []
    if path.suffix == ".txt":
        body = path.read_text(encoding="utf-8").split("\n\n", 1)[1]
        for para in (p for p in body.split("\n") if p.strip()):
            m = TXT_LABEL.match(para)
            out.append((m.group(1), para[m.end() :]) if m else (None, para))
    elif path.suffix == ".docx":
        import docx

        for para in docx.Document(str(path)).paragraphs:
            runs = [r for r in para.runs if r.text]
            if runs and runs[0].bold and runs[0].text.endswith(":"):
                out.append((runs[0].text[:-1], "".join(r.text for r in runs[1:]).strip()))
            elif out and para.text.strip():
                out.append((None, para.text))
    else:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = TEAMS_CUE.match(line) or ZOOM_CUE.match(line)
            if m:
                out.append((m.group(1), m.group(2)))
    return out


def turns(sample: Path, transcript: str) -> list[str]:
    """Speaker of each turn, consecutive paragraphs by one speaker merged."""
    speakers: list[str] = []
    for speaker, _ in labelled_paragraphs(sample, transcript):
        if speaker is not None and (not speakers or speakers[-1] != speaker):
            speakers.append(speaker)
    return speakers


def corpus_text(sample: Path, transcript: str) -> str:
    return "\n".join(text for _, text in labelled_paragraphs(sample, transcript))


@pytest.fixture(scope="module")
def roster() -> list[dict[str, str]]:
    return read_roster(Path(__file__).resolve().parents[1] / "transcripts_sample")


def test_every_transcript_file_exists_in_its_format(sample_dir):
    found = {p.stem: p.suffix[1:] for p in sample_dir.iterdir() if p.suffix in {".txt", ".docx", ".vtt"}}
    assert found == TRANSCRIPTS
    assert Counter(TRANSCRIPTS.values()) == {"txt": 6, "docx": 2, "vtt": 2}
    for name in ("README.md", "roster.csv", "names.csv"):
        assert (sample_dir / name).is_file()


def test_vtt_files_are_one_teams_and_one_zoom(sample_dir):
    teams = (sample_dir / "glanafon_fg_managers.vtt").read_text(encoding="utf-8")
    zoom = (sample_dir / "strathlinn_fg_practitioners.vtt").read_text(encoding="utf-8")
    assert teams.startswith("WEBVTT\n") and zoom.startswith("WEBVTT\n")
    assert "<v Helen Marsh>" in teams and "<v " not in zoom
    assert "\nFiona Baxter: " in zoom


def test_roster_columns_and_coverage(roster):
    assert list(roster[0]) == ROSTER_COLUMNS
    assert {row["transcript"] for row in roster} == set(TRANSCRIPTS)
    pairs = [(row["transcript"], row["speaker"]) for row in roster]
    assert len(pairs) == len(set(pairs)), "duplicate (transcript, speaker) rows"
    assert all(re.fullmatch(r"(GA|SL)-P\d\d|EV-F0[12]", row["participant_id"]) for row in roster)
    assert {row["authority"] for row in roster} == {"Glanafon", "Strathlinn"}


def test_roster_ids_are_pseudonymous_and_consistent(roster):
    by_id: dict[str, set[tuple[str, str]]] = {}
    for row in roster:
        by_id.setdefault(row["participant_id"], set()).add((row["role"], row["authority"]))
        assert row["speaker"] not in row["participant_id"]
    people = {pid for pid in by_id if not pid.startswith("EV-")}
    assert len(people) == 37
    for pid in people:
        assert len(by_id[pid]) == 1, pid
    # each participant (not facilitator) sits in exactly one transcript
    counts = Counter(row["participant_id"] for row in roster if not row["participant_id"].startswith("EV-"))
    assert set(counts.values()) == {1}


@pytest.mark.parametrize("transcript", sorted(TRANSCRIPTS))
def test_speaker_labels_match_roster(sample_dir, roster, transcript):
    in_roster = {row["speaker"] for row in roster if row["transcript"] == transcript}
    in_file = set(turns(sample_dir, transcript))
    assert in_file == in_roster


@pytest.mark.parametrize("transcript", FOCUS_GROUPS)
def test_focus_groups_have_many_turns_and_four_to_eight_participants(sample_dir, roster, transcript):
    speakers = turns(sample_dir, transcript)
    assert len(speakers) >= 40
    participants = {r["speaker"] for r in roster if r["transcript"] == transcript and r["role"] not in FACILITATOR_ROLES}
    assert 4 <= len(participants) <= 8
    # everyone speaks more than once: a conversation, not a round of statements
    assert all(speakers.count(s) >= 2 for s in participants)


@pytest.mark.parametrize("transcript", INTERVIEWS)
def test_interviews_are_one_to_one(sample_dir, roster, transcript):
    speakers = turns(sample_dir, transcript)
    assert 15 <= len(speakers) <= 25
    assert len(set(speakers)) == 2
    roles = {r["role"] for r in roster if r["transcript"] == transcript}
    assert "Interviewer" in roles


def test_total_turns(sample_dir):
    assert sum(len(turns(sample_dir, t)) for t in TRANSCRIPTS) == 443


@pytest.mark.parametrize("transcript", TXT)
def test_txt_header_block(sample_dir, roster, transcript):
    text = (sample_dir / f"{transcript}.txt").read_text(encoding="utf-8")
    head = text.split("\n\n", 1)[0].splitlines()
    assert head[0].startswith(("Focus group: ", "Interview: "))
    fields = dict(line.split(": ", 1) for line in head[1:])
    assert tuple(fields) == HEADER_KEYS
    assert re.fullmatch(r"2026-0[23]-\d\d", fields["Date"])
    assert fields["Authority"] == transcript.split("_")[0].capitalize()
    expected = "focus group" if "_fg_" in transcript else "interview"
    assert fields["Method"] == expected


def test_txt_files_exercise_continuations_and_repeated_labels(sample_dir):
    continuations = repeats = 0
    for transcript in TXT:
        paragraphs = labelled_paragraphs(sample_dir, transcript)
        continuations += sum(1 for speaker, _ in paragraphs if speaker is None)
        labelled = [s for s, _ in paragraphs if s is not None]
        repeats += sum(1 for a, b in pairwise(labelled) if a == b)
    assert continuations >= 4
    assert repeats >= 2


@pytest.mark.parametrize("name", ["glanafon_fg_managers.vtt", "strathlinn_fg_practitioners.vtt"])
def test_vtt_timing_is_well_formed_and_increasing(sample_dir, name):
    lines = (sample_dir / name).read_text(encoding="utf-8").splitlines()
    times = [TIMING.match(line) for line in lines if "-->" in line]
    assert times and all(times)
    last_end = 0.0
    for m in times:
        start, end = seconds(*m.groups()[:4]), seconds(*m.groups()[4:])
        assert last_end <= start < end
        last_end = end
    # some turns are split over several consecutive cues
    speakers = [s for s, _ in labelled_paragraphs(sample_dir, name.rsplit(".", 1)[0])]
    assert len(speakers) > len(turns(sample_dir, name.rsplit(".", 1)[0])) + 20


@pytest.mark.parametrize("transcript", sorted(t for t, ext in TRANSCRIPTS.items() if ext != "docx"))
def test_text_files_are_clean_utf8(sample_dir, transcript):
    path = sample_dir / f"{transcript}.{TRANSCRIPTS[transcript]}"
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text
    assert unicodedata.normalize("NFC", text) == text


def test_non_ascii_characters_are_present(sample_dir):
    text = "".join(corpus_text(sample_dir, t) for t in TRANSCRIPTS)
    for char in ("ŷ", "â", "ô", "á", "–", "“", "…"):
        assert char in text, char


def test_names_list(sample_dir, roster):
    with open(sample_dir / "names.csv", encoding="utf-8", newline="") as handle:
        names = list(csv.DictReader(handle))
    assert list(names[0]) == ["name", "replacement", "category"]
    assert {n["category"] for n in names} <= {
        "child",
        "parent",
        "carer",
        "service_user",
        "colleague",
        "professional",
        "place",
    }
    text = "\n".join(corpus_text(sample_dir, t) for t in TRANSCRIPTS)
    missing = [n["name"] for n in names if n["name"] not in text]
    assert not missing
    speakers = {part for row in roster for part in row["speaker"].split()}
    assert not speakers & {part for n in names for part in n["name"].split()}
    assert len(names) == len({n["name"] for n in names}) == 24


@pytest.mark.parametrize("authority", ["glanafon", "strathlinn"])
def test_uncovered_topic_recurs_in_both_authorities(sample_dir, authority):
    for phrase in UNCOVERED:
        hits = [t for t in TRANSCRIPTS if t.startswith(authority) and phrase in corpus_text(sample_dir, t).lower()]
        assert len(hits) >= 3, phrase


# --------------------------------------------------------------- with the reader


@pytest.fixture(scope="module")
def corpus():
    ingest = pytest.importorskip("outcomes_qual.ingest", reason="outcomes_qual.ingest is not available")
    sample = Path(__file__).resolve().parents[1] / "transcripts_sample"
    return ingest.read_corpus([sample], roster=sample / "roster.csv")


def test_reader_reads_the_whole_sample_without_problems(corpus):
    assert corpus.problems == []
    assert sorted(corpus.transcripts["transcript_id"]) == sorted(TRANSCRIPTS)
    assert dict(zip(corpus.transcripts["transcript_id"], corpus.transcripts["format"], strict=True)) == TRANSCRIPTS
    sizes = corpus.segments.groupby("transcript_id").size()
    assert all(sizes[t] >= 40 for t in FOCUS_GROUPS)
    assert len(corpus.segments) == 443


def test_reader_turns_match_the_label_count(corpus, sample_dir):
    sizes = corpus.segments.groupby("transcript_id").size()
    for transcript in TRANSCRIPTS:
        assert sizes[transcript] == len(turns(sample_dir, transcript)), transcript


def test_reader_maps_every_speaker_to_a_role(corpus):
    assert corpus.segments["participant_id"].notna().all()
    people = corpus.participants.drop_duplicates("participant_id")
    assert people.groupby("role").size().to_dict() == {
        "facilitator": 2,
        "manager": 12,
        "mentor": 2,
        "practitioner": 13,
        "senior": 10,
    }
    methods = dict(zip(corpus.transcripts["transcript_id"], corpus.transcripts["method"], strict=True))
    assert {methods[t] for t in FOCUS_GROUPS} == {"focus_group"}
    assert {methods[t] for t in INTERVIEWS} == {"interview"}


def test_reader_offsets_hold_on_the_sample(corpus):
    for row in corpus.segments.itertuples():
        assert corpus.texts[row.transcript_id][row.start_char : row.end_char] == row.text
    assert corpus.segments["text"].str.contains("Llŷr").any()

"""Batches: directories, bad files, encodings, skipping, and the ``segments`` CLI."""

from __future__ import annotations

import hashlib
import logging

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes_qual import schema
from outcomes_qual.cli import main
from outcomes_qual.errors import InputError
from outcomes_qual.ingest import iter_input_files, read_corpus, read_transcript


def fill(tmp_path):
    """A folder with two good transcripts and one bad file of each kind."""
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "fg1.txt").write_text("Facilitator: Hi.\nPractitioner 1: Hello.\n", encoding="utf-8")
    (d / "sub" / "int1.vtt").write_text("WEBVTT\n\n00:01.000 --> 00:02.000\nAnn: Yes.\n", encoding="utf-8")
    (d / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    (d / "old.docx").write_bytes(b"not a zip at all")
    (d / "broken.vtt").write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:xx.000\nAnn: hi\n", encoding="utf-8")
    (d / "scan.pdf").write_bytes(b"%PDF-1.4")
    (d / "README.md").write_text("# about", encoding="utf-8")
    (d / "README.txt").write_text("Ann: not a transcript", encoding="utf-8")
    (d / ".hidden.txt").write_text("Ann: hidden", encoding="utf-8")
    (d / "roster.csv").write_text("transcript,speaker\nfg1,Facilitator\n", encoding="utf-8")
    (d / "photo.png").write_bytes(b"\x89PNG")
    return d


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_batch_goes_on_past_bad_files(tmp_path):
    d = fill(tmp_path)
    before = digest(d)
    corpus = read_corpus([d])
    corpus.check()
    assert corpus.transcripts["transcript_id"].tolist() == ["fg1", "int1"]
    assert len(corpus.segments) == 3
    messages = sorted(str(p) for p in corpus.problems)
    assert messages == sorted(
        [
            f"{d / 'binary.txt'}: is a binary file, not a text transcript",
            f"{d / 'broken.vtt'}:4: broken cue timing '00:00:01.000 --> 00:00:xx.000'; expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'",
            f"{d / 'empty.txt'}: empty file",
            f"{d / 'old.docx'}: is not a valid .docx (Word) file: "
            "it is not a zip archive (an old .doc renamed? save it as .docx)",
            f"{d / 'scan.pdf'}: PDF files cannot be read; export the transcript as .docx or .txt",
        ]
    )
    assert all(isinstance(p, InputError) for p in corpus.problems)
    assert digest(d) == before  # nothing the user gave is modified


def test_iter_input_files_skips_non_transcripts(tmp_path):
    d = fill(tmp_path)
    names = [p.name for p in iter_input_files([d])]
    assert names == ["binary.txt", "broken.vtt", "empty.txt", "fg1.txt", "old.docx", "scan.pdf", "int1.vtt"]
    # a file named explicitly is read even if its name would be skipped in a folder
    assert [p.name for p in iter_input_files([d / "README.txt"])] == ["README.txt"]


def test_non_utf8_is_read_as_cp1252_with_warning(tmp_path, caplog):
    p = tmp_path / "win.txt"
    p.write_bytes("Ann: It’s a café – “outcomes”.\r\nBob: Ok.\r\n".encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        corpus = read_transcript(p)
    assert corpus.segments["text"].tolist() == ["It’s a café – “outcomes”.", "Ok."]
    assert f"{p}:1: not UTF-8; read as Windows-1252" in caplog.text


def test_utf16_with_bom(tmp_path):
    p = tmp_path / "teams.txt"
    p.write_bytes("Ann: Helô.\r\nBob: Hi.\r\n".encode("utf-16"))
    assert read_transcript(p).segments["text"].tolist() == ["Helô.", "Hi."]


def test_duplicate_transcript_ids_reported(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "fg1.txt").write_text("Ann: One.\n", encoding="utf-8")
    (tmp_path / "b" / "fg1.txt").write_text("Bob: Two.\n", encoding="utf-8")
    corpus = read_corpus([tmp_path])
    assert corpus.segments["speaker"].tolist() == ["Ann"]
    assert len(corpus.problems) == 1
    assert "transcript id 'fg1' was already read from" in str(corpus.problems[0])


def test_roster_file_passed_is_not_read_as_transcript_and_failed_files_not_flagged(tmp_path):
    d = fill(tmp_path)
    (d / "people.csv").write_text("transcript,speaker,role\nfg1,Facilitator,Facilitator\nfg1,Practitioner 1,SW\nbroken,Ann,SP\n")
    corpus = read_corpus([d], roster=d / "people.csv")
    # people.csv is the roster, so not a failed transcript; 'broken' failed to read so its roster row is not "unknown"
    assert not any("people.csv:" in str(p) and "text" in str(p) for p in corpus.problems)
    assert not any("names transcript 'broken'" in str(p) for p in corpus.problems)
    assert any("names transcript" not in str(p) and "int1" in str(p) and "no roster row" in str(p) for p in corpus.problems)


def test_read_transcript_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        read_transcript(tmp_path / "nope.txt")


# --------------------------------------------------------------------------- CLI
def test_cli_segments_writes_table(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "fg1.txt").write_text("Facilitator: Hi.\nSenior 1: Hello.\nPractitioner 2: Hey.\n", encoding="utf-8")
    out = tmp_path / "out" / "segments.csv"
    code = main(["segments", str(d), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    assert f"wrote {out}" in captured.out
    assert "1 transcripts, 3 participants, 3 turns (1 practitioner, 1 senior, 1 facilitator)" in captured.out
    table = pd.read_csv(out)
    assert list(table.columns) == list(schema.SEGMENT_COLUMNS)
    assert table[["segment_id", "role", "text", "start_char", "end_char"]].values.tolist() == [
        ["fg1:001", "facilitator", "Hi.", 13, 16],
        ["fg1:002", "senior", "Hello.", 27, 33],
        ["fg1:003", "practitioner", "Hey.", 50, 54],
    ]


def test_cli_exit_1_when_some_files_fail(tmp_path, capsys):
    d = fill(tmp_path)
    out = tmp_path / "segments.csv"
    code = main(["segments", str(d), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert len(pd.read_csv(out)) == 3
    assert f"warning: {d / 'empty.txt'}: empty file" in err
    assert "Traceback" not in err


def test_cli_exit_2_when_nothing_read(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    out = tmp_path / "segments.csv"
    code = main(["segments", str(tmp_path / "empty.txt"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: no turns could be read" in err
    assert not out.exists()


def test_cli_roster_unknown_speaker_warns_and_strict_fails(tmp_path, capsys):
    (tmp_path / "fg1.txt").write_text("Facilitator: Hi.\nAnn: Yes.\nBob: No.\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("transcript,speaker,participant_id,role\nfg1,Ann,P1,SP\n", encoding="utf-8")
    out = tmp_path / "s.csv"
    assert main(["segments", str(tmp_path / "fg1.txt"), "--roster", str(roster), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {roster}: 1 speaker(s) have no roster row: fg1: 'Bob'" in err
    assert pd.read_csv(out)["participant_id"].tolist() == ["fg1:facilitator", "P1", "fg1:bob"]
    code = main(["segments", str(tmp_path / "fg1.txt"), "--roster", str(roster), "--strict", "--out", str(tmp_path / "t.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"error: {roster}: 1 speaker(s) have no roster row: fg1: 'Bob'"


def test_cli_bad_roster_is_one_line(tmp_path, capsys):
    (tmp_path / "fg1.txt").write_text("Ann: Yes.\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role\nAnn,SP\n", encoding="utf-8")
    code = main(["segments", str(tmp_path / "fg1.txt"), "--roster", str(roster), "--out", str(tmp_path / "s.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {roster}:1: roster is missing required column(s) 'transcript', 'speaker'")
    assert len(err.strip().splitlines()) == 1


def test_cli_refuses_to_overwrite_input(tmp_path, capsys):
    p = tmp_path / "fg1.txt"
    p.write_text("Ann: Yes.\n", encoding="utf-8")
    code = main(["segments", str(p), "--out", str(p)])
    assert code == 2
    assert "--out would overwrite an input file" in capsys.readouterr().err
    assert p.read_text() == "Ann: Yes.\n"


def test_cli_help_mentions_command(capsys):
    with pytest.raises(SystemExit):
        main(["segments", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "write the segments table" in out
    assert "--roster ROSTER.csv" in out and "--strict" in out and "--out SEGMENTS.csv" in out


def test_cli_out_dash_writes_csv_to_stdout(tmp_path, capsys):
    p = tmp_path / "x.txt"
    p.write_text("Ann: Hi.\nManager: Yo.\n", encoding="utf-8")
    assert main(["segments", str(p), "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        ",".join(schema.SEGMENT_COLUMNS),
        "x:001,x,1,Ann,x:ann,unknown,Hi.,5,8,,",
        "x:002,x,2,Manager,x:manager,manager,Yo.,18,21,,",
    ]
    assert captured.err.strip().splitlines() == [
        "transcript  turns  speakers  words  largest turn",
        "x               2         2      2           50%",
        "1 transcripts, 2 participants, 2 turns (1 manager, 1 unknown)",
    ]


# --------------------------------------------------------------------------- never a traceback

TOKENS = st.sampled_from(
    list("Ann Bob:[]()<>\n\r\t -0123456789.,{}\"'é’*_#")
    + [
        "\x00",
        "WEBVTT\n\n",
        "00:00:01.000 --> 00:00:02.000\n",
        "00:00:0x.000 --> 1\n",
        "Ann: ",
        "<v Bob>",
        "</v>",
        "(AB) ",
        "[Manager] ",
        "Speaker 1 (00:01):",
        "Ann  0:03\n",
        "END OF TRANSCRIPT\n",
        "id,text\n",
        '{"id": 1, "text": "x"}\n',
        "SPEAKERS: Jo Bloggs (JB), SP\n",
        "Authority: X\n",
        "Useful links\n",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(TOKENS, max_size=30).map("".join), st.sampled_from([".txt", ".vtt", ".srt", ".csv", ".jsonl", ""]))
def test_any_input_gives_a_valid_corpus_or_an_input_error(tmp_path_factory, text, ext):
    p = tmp_path_factory.mktemp("fuzz") / f"f{ext}"
    p.write_text(text, encoding="utf-8")
    try:
        corpus = read_transcript(p)
    except InputError as err:
        assert str(err).startswith(str(p))
        assert "\n" not in str(err)
        return
    corpus.check()
    assert len(corpus.segments) >= 1


def test_bare_carriage_return_csv_is_an_input_error_or_a_corpus(tmp_path):
    """Found by hypothesis: a CSV holding a lone CR must not escape as a csv.Error."""
    from outcomes_qual.errors import InputError

    p = tmp_path / "f.csv"
    p.write_bytes(b"\rA")
    try:
        corpus = read_transcript(p)
    except InputError as err:
        assert "f.csv" in str(err)
    else:
        assert corpus.segments is not None

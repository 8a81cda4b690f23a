"""``autocode --reader`` and ``report --reader`` end to end against a stand-in server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.cli import main
from outcomes_qual.coding.reader_standin import StandinServer

ROOT = Path(__file__).resolve().parents[1]

TRANSCRIPT = """Facilitator: What gets in the way of the work?
Ann: The assessment forms on the IT system take all morning.
Ben: The GP and the school never come to the reviews, Ann.
Cat: Honestly there is no time; my caseload is thirty.
Dan: We ask people what matters to them now.
Eve: My manager still wants the old checklist.
Fay: Partners in health are on board now.
"""

#: The stand-in answers by a word in the turn: (word, code)
RULES = [
    ("forms", "systems_barriers"),
    ("GP", "partners"),
    ("time", "time"),
    ("matters", "culture_shift"),
    ("checklist", "resistance"),
    ("health", "partners"),
]


def answer(turns):
    out = []
    for sid, text in turns:
        for word, code in RULES:
            if word in text:
                start = text.index(word)
                out.append({"id": sid, "code": code, "evidence": text[start : start + len(word) + 8]})
    return out


@pytest.fixture
def transcript(tmp_path):
    path = tmp_path / "fg1.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


def reader_args(server, *extra):
    return ["--reader", server.url, "--reader-model", "stand-in", "--reader-batch-size", "2", *extra]


def test_autocode_reader_writes_the_answers_run_settings_and_cache(transcript, tmp_path, codebook_path, capsys):
    out = tmp_path / "out" / "codings.csv"
    with StandinServer(answer) as server:
        rc = main(["autocode", str(transcript), "--codebook", str(codebook_path), "--out", str(out), *reader_args(server)])
    assert rc == 0
    codings = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert tuple(codings.columns) == schema.MACHINE_CODING_COLUMNS
    assert list(zip(codings["segment_id"], codings["code"], strict=True)) == [
        ("fg1:002", "systems_barriers"),
        ("fg1:003", "partners"),
        ("fg1:004", "time"),
        ("fg1:005", "culture_shift"),
        ("fg1:006", "resistance"),
        ("fg1:007", "partners"),
    ]
    assert set(codings["coder"]) == {"reader:stand-in"} and set(codings["method"]) == {"reader"}
    assert codings["evidence"].tolist()[:2] == ["forms on the", "GP and the"]  # whitespace normalised
    settings = pd.read_csv(tmp_path / "out" / "codings.run_settings.csv", dtype=str).set_index("setting")["value"]
    assert settings["coding_method"] == "reader" and settings["reader_model"] == "stand-in"
    assert settings["reader_url"] == server.url and len(settings["reader_prompt_hash"]) == 16
    assert int(settings["reader_sent_turns"]) == 6 and int(settings["reader_requests"]) == 3
    assert int(settings["reader_prompt_tokens"]) > 0 and float(settings["reader_seconds"]) >= 0
    assert (tmp_path / "out" / "codings.reader-cache.sqlite").is_file()
    assert not (tmp_path / "out" / "codings.not_coded.csv").exists()
    err = capsys.readouterr().err
    assert f"reader: sending turns, pseudonymised, to {server.url}" in err
    # the same run again is answered from the cache: no request
    with StandinServer(answer) as again:
        rc = main(["autocode", str(transcript), "--codebook", str(codebook_path), "--out", str(out), *reader_args(again)])
    assert rc == 0 and again.requests == [] and pd.read_csv(out, dtype=str, keep_default_na=False).equals(codings)


def test_without_reader_no_connection_is_opened(transcript, tmp_path, codebook_path, monkeypatch):
    def refuse(*a, **k):  # pragma: no cover - must not be reached
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    out = tmp_path / "codings.csv"
    rc = main(["autocode", str(transcript), "--codebook", str(codebook_path), "--method", "keyword", "--out", str(out)])
    assert rc == 0 and set(pd.read_csv(out)["coder"]) == {"outcomes_qual"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codings.csv", "fg1.txt"]


def test_non_loopback_url_is_refused_before_any_connection(transcript, tmp_path, codebook_path, monkeypatch, capsys):
    def refuse(*a, **k):  # pragma: no cover - must not be reached
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    out = tmp_path / "codings.csv"
    for command in (
        ["autocode", str(transcript), "--codebook", str(codebook_path), "--out", str(out)],
        ["report", str(transcript), "--codebook", str(codebook_path), "--out", str(tmp_path / "rep")],
    ):
        rc = main([*command, "--reader", "http://192.0.2.10:11434/v1", "--reader-model", "m"])
        assert rc == 2
        assert "host '192.0.2.10' is not on this machine (loopback)" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "rep").exists()


def test_reader_option_errors(transcript, tmp_path, codebook_path, capsys):
    base = ["autocode", str(transcript), "--codebook", str(codebook_path), "--out", str(tmp_path / "c.csv")]
    assert main([*base, "--reader-model", "m"]) == 2
    assert "--reader-model needs --reader URL" in capsys.readouterr().err
    assert main([*base, "--reader", "http://127.0.0.1:9/v1"]) == 2
    assert "--reader needs --reader-model NAME" in capsys.readouterr().err
    assert main([*base, "--reader", "http://127.0.0.1:9/v1", "--reader-model", "m", "--workers", "2"]) == 2
    assert "does not run on Dask" in capsys.readouterr().err


def test_a_server_that_never_answers_writes_nothing(transcript, tmp_path, codebook_path, capsys):
    out = tmp_path / "codings.csv"
    with StandinServer(answer, fault=lambda n, turns: "http500") as server:
        rc = main(
            [
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--out",
                str(out),
                *reader_args(server, "--reader-retries", "1"),
            ]
        )
    assert rc == 2 and not out.exists() and len(server.requests) == 6
    assert f"the reader at {server.url} coded no turn: HTTP 500" in capsys.readouterr().err


def test_turns_not_coded_are_listed_and_the_exit_code_says_so(transcript, tmp_path, codebook_path, capsys):
    out = tmp_path / "codings.csv"

    def fault(n, turns):
        return "not_json" if any(t == "fg1:004" for t, _ in turns) else None

    with StandinServer(answer, fault=fault) as server:
        rc = main(
            [
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--out",
                str(out),
                *reader_args(server, "--reader-retries", "0"),
            ]
        )
    assert rc == 1
    assert pd.read_csv(out)["segment_id"].tolist() == ["fg1:002", "fg1:003", "fg1:006", "fg1:007"]
    missing = pd.read_csv(tmp_path / "codings.not_coded.csv")
    assert missing.values.tolist() == [
        ["fg1:004", "model's answer is not one JSON object"],
        ["fg1:005", "model's answer is not one JSON object"],
    ]
    assert "reader: 2 turn(s) NOT coded: fg1:004" in capsys.readouterr().err


def test_project_reader_run_examples_cache_audit_log_validate_and_report(transcript, tmp_path, codebook_path, capsys):
    pytest.importorskip("docx")
    proj = tmp_path / "p.sqlite"
    assert main(["project", "init", str(proj), "--codebook", str(codebook_path)]) == 0
    assert main(["project", "add", str(transcript), "--project", str(proj)]) == 0
    for sid, code in (("fg1:002", "systems_barriers"), ("fg1:004", "time"), ("fg1:006", "culture_shift")):
        assert main(["project", "code", sid, code, "--coder", "ana", "--project", str(proj)]) == 0
    with StandinServer(answer) as server:
        assert main(["autocode", "--project", str(proj), "--codebook", str(codebook_path), *reader_args(server)]) == 0
    system = server.requests[0]["messages"][0]["content"]
    assert '"codes": ["systems_barriers"]' in system and "assessment forms on the IT system" in system
    from outcomes_qual.project import Project

    with Project.open(proj) as p:
        mine = p.codings(coder="reader:stand-in")
        log = p.actions()
        cached = p.conn.execute("SELECT count(*) FROM reader_cache").fetchone()[0]
    assert len(mine) == 6 and set(mine["status"]) == {"suggested"} and set(mine["method"]) == {"reader"}
    assert cached == 6
    description = log["description"].iloc[-1]
    assert description.startswith("autocode: method=reader; model=stand-in; server=http://127.0.0.1:")
    assert "prompt hash=" in description and "turns sent=6" in description
    with StandinServer(answer) as again:  # answers come from the project's cache; nothing is stored twice
        assert main(["autocode", "--project", str(proj), "--codebook", str(codebook_path), *reader_args(again)]) == 0
    assert again.requests == []
    assert "stored 0 suggested codings" in capsys.readouterr().out
    # validate compares the reader with the person like any coder
    table = tmp_path / "validation.csv"
    assert (
        main(
            [
                "validate",
                "--project",
                str(proj),
                "--coder",
                "reader:stand-in",
                "--against",
                "ana",
                "--boot",
                "0",
                "--out",
                str(table),
            ]
        )
        == 0
    )
    overall = pd.read_csv(table).iloc[-1]
    # 3 turns x 6 themes; they differ on fg1:006 (ana: culture_shift, the reader: resistance)
    assert overall["n_units"] == 18 and overall["percent_agreement"] == round(16 / 18, 4)
    assert (overall["n_machine"], overall["n_human"], overall["n_both"]) == (3, 3, 2)
    # the report names the model and the measured agreement; the reader's codings are not reviewed codings
    with StandinServer(answer) as third:
        rc = main(
            [
                "report",
                "--project",
                str(proj),
                "--no-topics",
                "--quiet",
                "--boot",
                "0",
                "--validate-against",
                "ana",
                "--out",
                str(tmp_path / "rep"),
                *reader_args(third),
            ]
        )
    assert rc == 0 and third.requests == []  # same pseudonymised text, same prompt: from the project's cache
    import docx

    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "rep" / "report.docx")).paragraphs)
    assert "a language model reading each turn" in text and "to the model stand-in on the server http://127.0.0.1:" in text
    assert "its suggestions are not reviewed codings" in text and "no text was sent" not in text
    assert "a sample of 3 turns" in text and "None of the machine's 6 suggestions was reviewed" in text
    # later, from the project alone: the audit log's settings name the model and the server
    assert (
        main(
            [
                "report",
                "--project",
                str(proj),
                "--no-topics",
                "--quiet",
                "--boot",
                "0",
                "--validate-against",
                "ana",
                "--machine-coder",
                "reader:stand-in",
                "--out",
                str(tmp_path / "rep2"),
            ]
        )
        == 0
    )
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "rep2" / "report.docx")).paragraphs)
    assert "to the model stand-in on the server http://127.0.0.1:" in text and "no text was sent" not in text


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_interrupted_run_resumes_with_only_the_unanswered_turns(transcript, tmp_path, codebook_path, how):
    """A real interruption: the coding process is killed (or Ctrl-C'd) after two answers; the rerun sends only the rest."""
    out = tmp_path / "codings.csv"
    cache = tmp_path / "codings.reader-cache.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    with StandinServer(answer, fault=lambda n, turns: "hang" if n >= 2 else None) as server:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "outcomes_qual",
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--out",
                str(out),
                *reader_args(server, "--reader-concurrency", "1"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            rows = 0
            while time.monotonic() < deadline and rows < 4:
                time.sleep(0.05)
                if cache.is_file():
                    try:
                        with sqlite3.connect(f"{cache.as_uri()}?mode=ro", uri=True, timeout=5) as conn:
                            rows = conn.execute("SELECT count(*) FROM reader_cache").fetchone()[0]
                    except sqlite3.OperationalError:
                        rows = 0
            assert rows == 4, "the first two answers were not cached in time"
            assert proc.poll() is None  # still waiting on the third request
            proc.send_signal(how)
            # Ctrl-C: the process stops at once, although a request is still in flight (daemon workers)
            assert proc.wait(30) == (130 if how == signal.SIGINT else -signal.SIGKILL)
        finally:
            if proc.poll() is None:  # pragma: no cover - only when an assertion above failed
                proc.kill()
                proc.wait(30)
        answered = sorted(t for t, _ in server.turns_seen)
    assert answered == ["fg1:002", "fg1:003", "fg1:004", "fg1:005"] and not out.exists()
    with StandinServer(answer) as rerun:
        assert main(["autocode", str(transcript), "--codebook", str(codebook_path), "--out", str(out), *reader_args(rerun)]) == 0
    assert sorted(t for t, _ in rerun.turns_seen) == ["fg1:006", "fg1:007"]
    assert pd.read_csv(out)["segment_id"].tolist() == ["fg1:002", "fg1:003", "fg1:004", "fg1:005", "fg1:006", "fg1:007"]

"""Project durability: crashes, exceptions mid-import, concurrent writers, newer schema, damaged files."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.project import SCHEMA_VERSION, Project, store

ROOT = Path(__file__).resolve().parents[1]
N_TURNS = 200


def corpus(tid: str = "fg") -> Corpus:
    return Corpus.from_turns(tid, [(f"S{i % 5}", "practitioner", f"Turn {i} about forms and time.") for i in range(N_TURNS)])


def many_codings(coder: str, n: int = N_TURNS) -> pd.DataFrame:
    return pd.DataFrame({"segment_id": [f"fg:{i:03d}" for i in range(1, n + 1)], "code": "time", "coder": coder})


def run_python(code: str, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project_path(tmp_path) -> Path:
    path = tmp_path / "p.sqlite"
    with Project.create(path) as p:
        p.add_corpus(corpus())
        p.add_codings(many_codings("first", 10))
    return path


def test_exception_mid_import_leaves_project_as_before(project_path, monkeypatch):
    def exploding(records):
        for i, values in enumerate(records):
            if i == 50:
                raise RuntimeError("disk on fire")
            yield values

    monkeypatch.setattr(store, "_coding_rows", exploding)
    with Project.open(project_path) as p:
        before = p.codings()
        with pytest.raises(RuntimeError, match="disk on fire"):
            p.add_codings(many_codings("second"))
        pd.testing.assert_frame_equal(p.codings(), before)
        assert p.actions()["kind"].tolist() == ["add_corpus", "add_codings"]


def test_exception_mid_corpus_import_leaves_project_as_before(project_path, monkeypatch):
    from outcomes_qual.project import _corpus

    calls = []
    real = _corpus.dump_extra

    def failing(row, columns):
        calls.append(1)
        if len(calls) == 30:  # transcripts and participants are in; segments half-way
            raise OSError("disk full")
        return real(row, columns)

    monkeypatch.setattr(_corpus, "dump_extra", failing)
    with Project.open(project_path) as p:
        before = p.corpus()
        with pytest.raises(OSError, match="disk full"):
            p.add_corpus(corpus("second"))
        after = p.corpus()
        assert after.texts == before.texts and list(after.texts) == ["fg"]
        pd.testing.assert_frame_equal(after.segments, before.segments)
        pd.testing.assert_frame_equal(after.participants, before.participants)
    assert len(calls) == 30


def test_killed_writer_leaves_project_as_before(project_path):
    child = run_python(
        """
        import sys, time
        import pandas as pd
        from outcomes_qual.project import SCHEMA_VERSION, Project, store
        def slow(records):
            for i, values in enumerate(records):
                if i == 100:
                    print("half-way", flush=True)
                    time.sleep(60)
                yield values
        store._coding_rows = slow
        frame = pd.DataFrame({"segment_id": [f"fg:{i:03d}" for i in range(1, 201)], "code": "time",
                              "coder": "killed"})
        with Project.open(sys.argv[1]) as p:
            p.add_codings(frame)
        """,
        str(project_path),
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "half-way", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    with Project.open(project_path) as p:
        got = p.codings()
        assert len(got) == 10 and set(got["coder"]) == {"first"}
        assert p.summary()["segments"] == N_TURNS
        # and the file still takes writes
        p.add_codings(many_codings("after", 3))
        assert len(p.codings()) == 13


def test_two_concurrent_writers_both_keep_their_codings(project_path, tmp_path):
    go = tmp_path / "go"
    code = """
        import sys, time
        from pathlib import Path
        from outcomes_qual.project import Project
        path, coder, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
        with Project.open(path, check=False) as p:
            print("ready", flush=True)
            while not go.exists():
                time.sleep(0.01)
            with p.batch(f"{coder} holds the write lock"):   # the other writer has to wait for this
                p.code_segment("fg:100", "time", coder=coder)
                time.sleep(0.3)
            for i in range(1, 31):
                p.code_segment(f"fg:{i:03d}", "time", coder=coder)
        print("done", flush=True)
        """
    children = [run_python(code, str(project_path), name, str(go)) for name in ("ann", "bob")]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert out.strip() == "done"
    with Project.open(project_path) as p:
        got = p.codings()
        assert (got["coder"] == "ann").sum() == 31
        assert (got["coder"] == "bob").sum() == 31
        assert got["coding_id"].is_unique
        assert (p.actions()["kind"] == "batch").sum() == 2


def test_newer_schema_is_refused_and_file_untouched(project_path):
    con = sqlite3.connect(project_path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    digest = sha(project_path)
    with pytest.raises(
        InputError,
        match=r"p\.sqlite: written by a newer outcomes_qual \(project schema version 99; "
        rf"this version reads up to {SCHEMA_VERSION}\)",
    ):
        Project.open(project_path)
    assert sha(project_path) == digest


@pytest.mark.parametrize("keep", [40, 0.5])
def test_truncated_file_gives_clear_error(project_path, keep):
    data = project_path.read_bytes()
    size = keep if isinstance(keep, int) else int(len(data) * keep) // 4096 * 4096
    project_path.write_bytes(data[:size])
    digest = sha(project_path)
    with pytest.raises(InputError, match="p.sqlite: .*truncated or corrupt"):
        Project.open(project_path)
    assert sha(project_path) == digest


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not an outcomes_qual project file \\(it is an empty file\\)"),
        (b"transcript, speaker\nfg, Ann\n" * 20, "truncated or corrupt"),
    ],
)
def test_other_files_are_refused(tmp_path, content, message):
    path = tmp_path / "not.sqlite"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        Project.open(path)
    assert path.read_bytes() == content


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="an SQLite file of another program"):
        Project.open(path)

"""Acknowledged writes survive other processes opening the project while a real server writes.

The regression: opening a project read its SQLite header with Python's
``open()``/``close()``; closing that descriptor dropped every POSIX lock the
process held on the file, so another process closing its connection believed
it was the last one, checkpointed and deleted the WAL under the running
server, and the server's later commits went into a deleted file.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from outcomes_qual.project import Project

pytest.importorskip("starlette")
httpx = pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

#: A second process opening the project over and over (what any CLI command or notebook does).
OPENER = """
    import sys, time
    from outcomes_qual.project import Project
    path, rounds = sys.argv[1], int(sys.argv[2])
    deadline = time.monotonic() + 60
    for i in range(rounds):
        if time.monotonic() > deadline:
            break
        with Project.open(path) as proj:
            proj.summary()
        print(i, flush=True)
        time.sleep(0.02)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, port: int, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "outcomes_qual", "serve", str(path), "--port", str(port), *extra],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start in 30 s")


def sign_in(base: str, coder: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/coder").text).group(1)
    r = client.post("/coder", data={"coder": coder, "csrf": csrf, "next": "/"})
    assert r.status_code == 303, r.text
    return client, csrf


def memo(client: httpx.Client, csrf: str, text: str) -> bool:
    r = client.post(
        "/action/memo",
        data={"csrf": csrf, "target_type": "segment", "target_id": "fg1:002", "text": text},
        headers={"X-Requested-With": "fetch"},
    )
    return r.status_code == 200 and r.json()["ok"]


def test_server_keeps_every_acknowledged_write_while_another_process_opens_the_project(project_file):
    path, ids = project_file
    port = _free_port()
    server = start_server(path, port)
    acknowledged = []
    try:
        client, csrf = sign_in(f"http://127.0.0.1:{port}", "ana")
        for i in range(5):
            if memo(client, csrf, f"before {i}"):
                acknowledged.append(f"before {i}")
        opener = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(OPENER), str(path), "40"],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert opener.stdout.readline().strip() == "0", opener.stderr.read()
            deadline = time.monotonic() + 60
            i = 0
            while opener.poll() is None and time.monotonic() < deadline and i < 400:
                if memo(client, csrf, f"during {i}"):
                    acknowledged.append(f"during {i}")
                i += 1
        finally:
            out, err = opener.communicate(timeout=60)
        assert opener.returncode == 0, err
        for i in range(5):
            if memo(client, csrf, f"after {i}"):
                acknowledged.append(f"after {i}")
        r = client.post(
            "/action/accept",
            data={"csrf": csrf, "coding_id": ids[("fg1:002", "systems_barriers")]},
            headers={"X-Requested-With": "fetch"},
        )
        assert r.status_code == 200
        client.close()
        with Project.open(path) as proj:  # while the server runs, another process sees every write
            assert proj.memos()["text"].tolist() == acknowledged
    finally:
        server.kill()  # SIGKILL: no connection is closed, nothing is checkpointed
        server.wait(timeout=20)
    assert len(acknowledged) >= 15
    with Project.open(path) as proj:
        assert proj.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        found = proj.memos()["text"].tolist()
        assert found == acknowledged
        assert proj.codings().set_index("coding_id").loc[ids[("fg1:002", "systems_barriers")], "status"] == "accepted"


WRITER = """
    import os, sys
    from outcomes_qual.project import Project
    path = sys.argv[1]
    first = Project.open(path)
    first.add_memo("project", None, "written before", author="ana")
    second = Project.open(path)          # a second Project on the same file in this process
    print("ready", flush=True)
    sys.stdin.readline()                 # meanwhile another process opens and closes the project
    first.add_memo("project", None, "written after", author="ana")
    second.add_memo("project", None, "written by the second", author="ben")
    print("done", flush=True)
    os._exit(0)                          # no close, no checkpoint: the WAL must hold the commits
"""


def test_two_projects_in_one_process_keep_their_writes(project_file):
    path, _ = project_file
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(path)],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for _ in range(3):
            with Project.open(path) as proj:
                proj.summary()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "done", child.stderr.read()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    with Project.open(path) as proj:
        assert proj.memos()["text"].tolist() == ["written before", "written after", "written by the second"]

"""Nothing but SQLite opens the project file: Python's ``open`` of it (and closing that descriptor)
would drop every POSIX lock the process holds on it and let another process delete the WAL.

A ``sys.addaudithook`` hook sees every ``open`` Python makes (SQLite's own C-level opens are not
audited), so any Python-level open of the project file, its WAL or shared memory fails the test.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

_WATCHED: set[str] = set()
_SEEN: list[str] = []


def _hook(event, args):
    if event == "open" and _WATCHED and args and isinstance(args[0], (str, bytes)):
        name = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if any(name.startswith(w) for w in _WATCHED):
            _SEEN.append(name)


sys.addaudithook(_hook)


@pytest.fixture
def watched(tmp_path):
    path = tmp_path / "p.sqlite"
    with Project.create(path) as proj:
        proj.add_corpus(
            Corpus.from_turns(
                "fg", [("Ann Jones", "practitioner", "The forms take all week."), ("Bo", "manager", "We ask what matters.")]
            )
        )
    _SEEN.clear()
    _WATCHED.update({str(path), str(path.resolve())})
    yield path
    _WATCHED.clear()


def test_opening_and_writing_never_open_the_file_outside_sqlite(watched):
    first = Project.open(watched)
    with Project.open(watched) as second:  # what the web app does per worker thread
        second.summary()
        second.add_memo("project", None, "a memo", author="ana")
    first.add_codings(pd.DataFrame({"segment_id": ["fg:001"], "code": ["time"], "coder": ["ana"]}))
    first.undo()
    first.close()
    assert _SEEN == []


def test_scanning_a_folder_for_names_skips_the_project(watched):
    from outcomes_qual.anonymise import scan_for_names

    (watched.parent / "notes.txt").write_text("Ann Jones said so.", encoding="utf-8")
    with Project.open(watched):
        leaks = scan_for_names(watched.parent, ["Ann Jones"])
    assert _SEEN == []
    assert [f.rsplit("/", 1)[-1] for f in leaks["file"]] == ["notes.txt"]


def test_the_web_app_never_opens_the_file_outside_sqlite(watched):
    pytest.importorskip("starlette")
    import re

    from starlette.testclient import TestClient

    from outcomes_qual_web import create_app

    with Project.open(watched) as proj:
        client = TestClient(create_app(watched), base_url="http://127.0.0.1")
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/coder").text).group(1)
        client.post("/coder", data={"coder": "ana", "csrf": csrf, "next": "/"})
        for page in ("/", "/t/fg", "/queue", "/codebook", "/analysis/matrix", "/analysis/agreement"):
            client.get(page)
        r = client.post("/action/memo", data={"csrf": csrf, "target_type": "project", "text": "x"})
        assert r.status_code == 200
        proj.summary()
    assert _SEEN == []

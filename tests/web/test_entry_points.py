"""Thin entry points onto the web app: `outcomes-qual serve`, `outcomes_qual_web.review`, the demo's project."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pandas as pd
import pytest

from outcomes_qual.cli import build_parser, main
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project


def _no_web(monkeypatch):
    """Make ``import outcomes_qual_web`` fail, as without the web extra."""
    import sys

    monkeypatch.setitem(sys.modules, "outcomes_qual_web", None)


def test_serve_without_the_web_extra_says_what_to_install(project_file, monkeypatch, capsys):
    _no_web(monkeypatch)
    assert main(["serve", str(project_file[0])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the review web app needs the web extra") and "outcomes_qual[web]" in err
    assert "Traceback" not in err


def test_serve_arguments():
    args = build_parser().parse_args(["serve", "p.sqlite"])
    assert (args.host, args.port, args.token, args.open_browser, args.show_names) == ("127.0.0.1", 8765, None, False, False)


def test_serve_refuses_a_file_that_is_not_a_project(tmp_path, capsys):
    pytest.importorskip("starlette")
    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database at all, just some text that is long enough to fill a header" * 3)
    assert main(["serve", str(bad), "--port", "0"]) == 2
    assert "--port: expected 1-65535, got 0" in capsys.readouterr().err
    assert main(["serve", str(bad)]) == 2
    assert "notes.sqlite" in capsys.readouterr().err


def test_review_in_a_notebook_is_an_iframe_onto_a_background_server(project_file):
    pytest.importorskip("starlette")
    from outcomes_qual_web import review

    path, _ = project_file
    with Project.open(path) as proj:
        handle = review(proj, transcript="fg1")
    try:
        html = handle._repr_html_()
        assert html.startswith(f'<iframe src="{handle.url}"') and handle.url.endswith("/t/fg1")
        assert review(path).server is handle.server  # one server per file
        with urllib.request.urlopen(handle.server.base + "/coder", timeout=10) as r:
            assert r.status == 200
            assert "frame-ancestors 'self' http://localhost:*" in r.headers["content-security-policy"]
    finally:
        handle.stop()
    assert not handle.server.running


def test_review_without_the_web_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # as without the web extra
    for name in [m for m in sys.modules if m == "outcomes_qual_web" or m.startswith("outcomes_qual_web.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r'needs the web extra \(jinja2 is missing\): pip install "outcomes_qual\[web\]"'):
        from outcomes_qual_web import review  # noqa: F401 - the import is what is tested


def test_the_old_review_name_says_where_it_moved_without_importing_the_web_package():
    code = (
        "import sys\n"
        "try:\n"
        "    from outcomes_qual.project import review\n"
        "except ImportError as err:\n"
        "    print(err)\n"
        "import outcomes_qual.project as p\n"
        "try:\n"
        "    p.ReviewHandle\n"
        "except ImportError as err:\n"
        "    print(err)\n"
        "print(hasattr(p, 'nope'), 'outcomes_qual_web' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout
    assert out.splitlines() == [
        "outcomes_qual.project.review has moved: use outcomes_qual_web.review "
        '(from outcomes_qual_web import review; needs pip install "outcomes_qual[web]")',
        "outcomes_qual.project.ReviewHandle has moved: use outcomes_qual_web.ReviewHandle "
        '(from outcomes_qual_web import ReviewHandle; needs pip install "outcomes_qual[web]")',
        "False False",
    ]


def test_demo_project_holds_the_suggestions(tmp_path):
    from outcomes_qual.demo import write_project

    corpus = Corpus.from_turns("t", [("A", "senior", "The forms."), ("B", "manager", "Time.")])
    cb = Codebook("c", (Code("time", "Time", "Time."), Code("systems_barriers", "Sys", "Systems.")))
    codings = pd.DataFrame(
        {
            "segment_id": ["t:001", "t:002"],
            "code": ["systems_barriers", "time"],
            "coder": "outcomes_qual",
            "method": "keyword",
            "confidence": [0.7, 0.6],
        }
    )
    path = tmp_path / "study.sqlite"
    path.write_text("an older demo's file")
    assert write_project(path, corpus, cb, codings) == path
    with Project.open(path) as proj:
        got = proj.codings()[["segment_id", "code", "status"]].values.tolist()
    assert got == [["t:001", "systems_barriers", "suggested"], ["t:002", "time", "suggested"]]


def test_the_library_never_imports_the_web_app():
    code = (
        "import sys, outcomes_qual, outcomes_qual.project, outcomes_qual.cli, outcomes_qual.analysis, "
        "outcomes_qual.agreement; outcomes_qual.cli.build_parser(); "
        "assert 'outcomes_qual_web' not in sys.modules, 'imported'; "
        "assert 'starlette' not in sys.modules and 'uvicorn' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]


def test_serve_off_loopback_generates_and_prints_a_token(project_file, monkeypatch):
    pytest.importorskip("starlette")
    import uvicorn

    import outcomes_qual_web

    ran = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: ran.append(self.config.host))
    lines: list[str] = []
    assert outcomes_qual_web.serve(project_file[0], host="0.0.0.0", port=9, announce=lines.append) == 0
    assert ran == ["0.0.0.0"]
    token = lines[0].split("?token=")[1]
    assert len(token) >= 20 and "needs the token" in lines[1]
    lines.clear()
    outcomes_qual_web.serve(project_file[0], port=9, announce=lines.append)
    assert lines[0].endswith("at http://127.0.0.1:9/") and "token" not in " ".join(lines)

"""The guard in front of every route, and the smaller findings of issue 20 (5-7 and the low ones)."""

from __future__ import annotations

import argparse
import re
import select
import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("starlette")

from starlette.testclient import TestClient

from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.project import Project
from outcomes_qual_web import BackgroundServer, create_app
from outcomes_qual_web.security import MAX_BODY, Sessions

BASE = "http://127.0.0.1"
JSON = {"X-Requested-With": "fetch"}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(app, coder: str = "ana", base: str = BASE):
    client = TestClient(app, base_url=base)
    csrf = _csrf(client.get("/coder").text)
    r = client.post("/coder", data={"coder": coder, "csrf": csrf, "next": "/"})
    assert r.status_code == 200
    return client, csrf


# --------------------------------------------------------------------- 5. body size and CSRF before parsing
def test_chunked_body_over_the_limit_is_refused_unparsed(project_file, monkeypatch):
    from starlette.requests import Request

    parsed = []
    real_form = Request.form
    monkeypatch.setattr(Request, "form", lambda self, **kw: parsed.append(1) or real_form(self, **kw))
    client, csrf = signed_in(create_app(project_file[0]))
    parsed.clear()

    def chunks():  # no Content-Length: sent chunked
        yield f"csrf={csrf}&target_type=project&text=".encode()
        for _ in range(12):
            yield b"x" * 100_000

    r = client.post("/action/memo", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and f"at most {MAX_BODY} bytes" in r.text
    # under the limit but with a wrong CSRF token: refused before the form is parsed
    r = client.post("/action/memo", data={"csrf": "wrong", "target_type": "project", "text": "x" * 900_000})
    assert r.status_code == 403
    assert parsed == []
    r = client.post("/action/memo", data={"target_type": "project", "text": "fine", "csrf": csrf})
    assert r.status_code == 200 and parsed == [1]


def test_real_server_counts_chunked_bytes(project_file):
    # A chunked body has no length: the server must count bytes as they arrive and answer 413 before the body
    # ends. The client sends 64 KiB chunks and, once past the limit, looks for the answer before each further
    # chunk (a server that has answered and closed would otherwise reset a client that keeps sending, and the
    # answer could be lost on a loaded machine). Bounded: at most 40 chunks and 20 seconds.
    chunk = b"%x\r\n" % 65_536 + b"a" * 65_536 + b"\r\n"
    past_limit = MAX_BODY // 65_536 + 1
    with BackgroundServer(project_file[0]) as srv:
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
        try:
            sock.sendall(
                b"POST /action/memo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            sent, deadline = 0, time.monotonic() + 20
            while sent < 40 and time.monotonic() < deadline:
                if select.select([sock], [], [], 0.25 if sent >= past_limit else 0)[0]:
                    break
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += 1
            answer = b""
            while b"too large" not in answer and time.monotonic() < deadline:
                part = sock.recv(65_536)
                if not part:
                    break
                answer += part
        finally:
            sock.close()
    assert answer.startswith(b"HTTP/1.1 413") and b"too large" in answer
    assert sent < 40  # answered while the body was still coming


# --------------------------------------------------------------------- 6. lenient cookies
def test_other_apps_malformed_cookies_do_not_hide_ours(project_file):
    app = create_app(project_file[0], token="s3cret-token")
    client = TestClient(app, base_url=BASE)
    r = client.get("/?token=s3cret-token", follow_redirects=False)
    token_cookie = r.headers["set-cookie"].split(";")[0]
    page = client.get("/coder", headers={"cookie": token_cookie})
    session_cookie = page.headers["set-cookie"].split(";")[0]
    csrf = _csrf(page.text)
    junk = 'jupyter={"a": 1, "b": [2]}; bad value; x=caf\u00e9; _xsrf=2|a|b|c; '
    r = client.post(
        "/coder",
        data={"coder": "ana", "csrf": csrf, "next": "/"},
        headers={"cookie": (junk + token_cookie + "; " + session_cookie).encode("utf-8")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


@settings(max_examples=200, deadline=None)
@given(junk=st.text(max_size=80).filter(lambda t: "oq_session_80" not in t))
def test_cookie_parsing_never_fails_and_finds_ours_after_any_junk(junk):
    from outcomes_qual_web.security import parse_cookies

    assert parse_cookies([junk + "; oq_session_80=abc"])["oq_session_80"] == "abc"
    assert parse_cookies([junk, "oq_session_80=abc"])["oq_session_80"] == "abc"


# --------------------------------------------------------------------- 7. SameSite=Lax, names per server
def test_cookies_are_lax_and_named_by_port(project_file):
    app = create_app(project_file[0], token="s3cret-token")
    r = TestClient(app, base_url=BASE).get("/?token=s3cret-token", follow_redirects=False)
    assert r.headers["set-cookie"] == "oq_token_80=s3cret-token; Path=/; HttpOnly; SameSite=Lax"
    r = TestClient(app, base_url="http://127.0.0.1:8123").get("/coder", headers={"authorization": "Bearer s3cret-token"})
    assert re.fullmatch(r"oq_session_8123=[\w-]+; Path=/; HttpOnly; SameSite=Lax", r.headers["set-cookie"])


def test_two_servers_on_one_host_keep_separate_sign_ins(project_file, tmp_path):
    import httpx

    from tests.web.conftest import build_project

    other = tmp_path / "other.sqlite"
    build_project(other)
    with BackgroundServer(project_file[0]) as one, BackgroundServer(other) as two, httpx.Client(timeout=20) as client:
        for srv, name in ((one, "ana"), (two, "ben")):  # one browser (one cookie jar), two servers
            csrf = _csrf(client.get(srv.base + "/coder").text)
            client.post(srv.base + "/coder", data={"coder": name, "csrf": csrf, "next": "/"})
        for srv, name in ((one, "ana"), (two, "ben")):
            page = client.get(srv.base + "/")
            assert (
                page.status_code == 200
                and f'id="coder-name" title="your coder name; every write is logged with it">{name}<' in page.text
            )


def test_a_link_in_from_another_site_keeps_the_session():
    from outcomes_qual_web.security import _cookie_headers

    ((name, value),) = _cookie_headers("oq_session_1", "abc", embed=False)
    assert b"SameSite=Lax" in value and b"Strict" not in value


# --------------------------------------------------------------------- low: ids, paths, redirects
def test_huge_coding_id_is_a_400(project_file):
    client, csrf = signed_in(create_app(project_file[0]))
    for value in (2**63, 2**64 + 5):
        r = client.post("/action/accept", data={"csrf": csrf, "coding_id": str(value)}, headers=JSON)
        assert r.status_code == 400 and "must be between 0 and 9223372036854775807" in r.json()["error"]
    r = client.post("/action/accept", data={"csrf": csrf, "coding_id": str(2**63 - 1)}, headers=JSON)
    assert r.status_code == 404


def test_errors_do_not_show_the_servers_folders(project_file):
    path, _ = project_file
    client, csrf = signed_in(create_app(path))
    r = client.post("/action/memo", data={"csrf": csrf, "target_type": "code", "target_id": "nope", "text": "x"})
    assert r.status_code == 400 and "study.sqlite: add_memo: code &#39;nope&#39; is in no codebook" in r.text
    assert str(path.parent) not in r.text
    r = client.post("/action/memo", data={"csrf": csrf, "target_type": "code", "target_id": "nope", "text": "x"}, headers=JSON)
    assert r.json()["error"].startswith("study.sqlite: ") and str(path.parent) not in r.text


ODD_IDS = ["a b?c#d%e", "Caf\u00e9 \u4f1a\u8b70", "north/fg 1", "..", "../etc", "."]


@pytest.fixture
def odd_project(tmp_path):
    path = tmp_path / "odd.sqlite"
    with Project.create(path) as proj:
        for tid in ODD_IDS:
            proj.add_corpus(Corpus.from_turns(tid, [("Ann", "practitioner", f"Turn of {tid}.")]))
    return path


def test_odd_transcript_ids_open_from_the_home_page_and_survive_sign_in(odd_project):
    app = create_app(odd_project)
    client = TestClient(app, base_url=BASE)
    for tid in ODD_IDS:
        fresh = TestClient(app, base_url=BASE)
        from outcomes_qual_web.app import transcript_link

        link = transcript_link(tid)
        r = fresh.get(link, follow_redirects=False)
        assert r.status_code == 303
        target = r.headers["location"]
        page = fresh.get(target)
        r = fresh.post(
            "/coder",
            data={
                "coder": "ana",
                "csrf": _csrf(page.text),
                "next": re.search(r'name="next" value="([^"]+)"', page.text).group(1),
            },
        )
        assert r.status_code == 200 and r.url.path.startswith("/t"), tid
        assert f"Turn of {tid}.".replace("&", "&amp;") in r.text.replace("&#39;", "'"), tid
    csrf = _csrf(client.get("/coder").text)
    home = client.post("/coder", data={"coder": "ana", "csrf": csrf, "next": "/"}).text
    for href in re.findall(r'<a href="(/t[^"]*)"', home):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_token_link_redirect_keeps_the_path_encoded(project_file):
    client = TestClient(create_app(project_file[0], token="s3cret-token"), base_url=BASE)
    r = client.get("/t/a%20b%3Fc%23d%25%C3%A9%2Fx?token=s3cret-token&limit=5", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/a%20b%3Fc%23d%25%C3%A9%2Fx?limit=5"


def test_review_form_says_what_the_page_showed(project_file):
    client, _ = signed_in(create_app(project_file[0]))
    assert '<input type="hidden" name="seen" value="suggested">' in client.get("/t/fg1").text


# --------------------------------------------------------------------- low: tokens and sessions
def test_token_from_an_environment_variable_or_a_file(tmp_path):
    from outcomes_qual.cli.serve import TOKEN_ENV, token_from

    args = argparse.Namespace(token=None, token_file=None)
    assert token_from(args, {TOKEN_ENV: "from-env-123"}) == "from-env-123"
    assert token_from(args, {}) is None
    f = tmp_path / "token.txt"
    f.write_text("from-file-123\nignored\n", encoding="utf-8")
    assert token_from(argparse.Namespace(token=None, token_file=str(f)), {TOKEN_ENV: "x"}) == "from-file-123"
    f.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="token.txt: --token-file: the first line is empty"):
        token_from(argparse.Namespace(token=None, token_file=str(f)), {})


@pytest.mark.parametrize("token", ["abc;defgh", "abc,defgh", "abc&defgh", "abc#defgh", "abc+defgh", "abc%defgh", "short"])
def test_tokens_that_cannot_ride_in_a_link_are_refused(token):
    from outcomes_qual_web.server import resolve_token

    with pytest.raises(InputError, match="--token: expected 8-200 characters from A-Z a-z 0-9"):
        resolve_token("0.0.0.0", token)


def test_serve_says_reusable_link(project_file, monkeypatch):
    from outcomes_qual_web import server

    said = []
    monkeypatch.setattr("uvicorn.Server.run", lambda self: None)
    server.serve(project_file[0], host="0.0.0.0", token="team-token-1", announce=said.append)
    assert "reusable link" in " ".join(said) and "one-time" not in " ".join(said)


def test_sessions_only_for_pages_and_they_expire(project_file):
    app = create_app(project_file[0])
    sessions = app.state.sessions
    client = TestClient(app, base_url=BASE)
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/api/version").status_code == 200
    assert "set-cookie" not in client.get("/static/app.js").headers and len(sessions) == 0
    client.post("/action/memo", data={"csrf": "x", "target_type": "project", "text": "x"})
    assert len(sessions) == 0
    client.get("/coder")
    assert len(sessions) == 1
    short = Sessions(idle=0.05, limit=3)
    first = short.create()
    assert short.get(first.sid) is first
    time.sleep(0.1)
    assert short.get(first.sid) is None
    made = [short.create() for _ in range(5)]
    assert len(short) == 3 and short.get(made[0].sid) is None and short.get(made[-1].sid) is made[-1]


def test_websocket_scopes_are_refused(project_file):
    from starlette.websockets import WebSocketDisconnect

    client = TestClient(create_app(project_file[0]), base_url=BASE)
    with pytest.raises(WebSocketDisconnect) as err, client.websocket_connect("/api/version"):
        pass
    assert err.value.code == 1008


# --------------------------------------------------------------------- low: project writes
def test_crlf_line_ends_are_normalised_when_adding_a_corpus(tmp_path):
    corpus = Corpus.from_turns(
        "fg", [("Ann", "practitioner", "Line one.\r\nLine two about forms."), ("Bo", "manager", "Third\r\nline.")]
    )
    text_before = corpus.texts["fg"]
    with Project.create(tmp_path / "p.sqlite") as proj:
        proj.add_corpus(corpus)
        text = proj.texts()["fg"]
        assert "\r" not in text and corpus.texts["fg"] == text_before  # the corpus given is not modified
        for row in proj.corpus().segments.itertuples():
            assert text[row.start_char : row.end_char] == row.text
        start = text.index("forms")
        proj.code_span("fg", start, start + 5, "forms", coder="ana")
        got = proj.codings()
        assert text[got["start_char"][0] : got["end_char"][0]] == "forms"


def test_code_span_twice_stores_one_coding_and_logs_one_action(tmp_path):
    with Project.create(tmp_path / "p.sqlite") as proj:
        proj.add_corpus(
            Corpus.from_turns("fg", [("Ann", "practitioner", "The forms take all week."), ("Bo", "manager", "We ask.")])
        )
        text = proj.texts()["fg"]
        start = text.index("forms")
        first = proj.code_span("fg", start, start + 5, "forms", coder="ana")
        n = len(proj.actions())
        assert proj.code_span("fg", start, start + 5, "forms", coder="ana") == first
        assert len(proj.codings()) == 1 and len(proj.actions()) == n
        with proj.batch("nothing at all", actor="ana"):
            proj.code_span("fg", start, start + 5, "forms", coder="ana")
        assert len(proj.actions()) == n  # an empty batch is not logged either

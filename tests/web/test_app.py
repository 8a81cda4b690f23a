"""The review web app over HTTP (Starlette's test client): screens, writes, validation, security."""

from __future__ import annotations

import re

import pandas as pd
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project
from outcomes_qual_web import create_app

from .conftest import CODEBOOK

BASE = "http://127.0.0.1"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(app, coder: str = "ana") -> tuple[TestClient, str]:
    client = TestClient(app, base_url=BASE)
    csrf = _csrf(client.get("/coder").text)
    r = client.post("/coder", data={"coder": coder, "csrf": csrf, "next": "/"})
    assert r.status_code == 200 and f">{coder}<" in r.text
    return client, csrf


@pytest.fixture
def app(project_file):
    return create_app(project_file[0])


def n_actions(path) -> int:
    with Project.open(path) as proj:
        return len(proj.actions())


def test_pages_need_a_coder_name_first(app):
    client = TestClient(app, base_url=BASE)
    r = client.get("/t/fg1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/coder?next=%2Ft%2Ffg1"
    csrf = _csrf(client.get("/coder").text)
    r = client.post("/coder", data={"coder": "<b>x</b>", "csrf": csrf, "next": "/"})
    assert r.status_code == 400 and "A coder name is" in r.text
    r = client.post("/coder", data={"coder": "ana", "csrf": "wrong", "next": "/"})
    assert r.status_code == 403


def test_home_lists_transcripts_with_progress_per_coder(app):
    client, _ = signed_in(app)
    html = client.get("/").text
    assert 'href="/t/fg1"' in html and 'href="/t/fg2"' in html
    assert "Glanafon" in html and "Strathlinn" in html
    # fg1: 4 participant turns, the machine suggested on 3 of them; fg2: 2 turns, both suggested
    assert "0 / 3 / 1" in html and "0 / 2 / 0" in html


def test_transcript_escapes_text_and_hides_names(app):
    client, _ = signed_in(app)
    html = client.get("/t/fg1").text
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    assert "<script>window" not in html and "<img src=x" not in html
    assert "Practitioner GA-P01" in html and "Senior GA-S01" in html
    for name in ("Ann Jones", "Bo Evans", "Cy Price"):
        assert name not in html
    # evidence span highlighted, suggestion with its confidence
    assert "<mark>forms</mark>" in html and ">0.93<" in html


def test_show_names_shows_them(project_file):
    client, _ = signed_in(create_app(project_file[0], show_names=True))
    assert "Practitioner GA-P01 (Ann Jones)" in client.get("/t/fg1").text


def test_unknown_transcript_is_404_without_traceback(app):
    client, _ = signed_in(app)
    r = client.get("/t/nope")
    assert r.status_code == 404 and "transcript &#39;nope&#39; is not in the project" in r.text
    assert client.get("/no/such/page").status_code == 404


def test_accept_reject_change_code_memo_undo(project_file):
    path, ids = project_file
    client, csrf = signed_in(create_app(path))
    r = client.post("/action/accept", data={"csrf": csrf, "coding_id": ids[("fg1:002", "systems_barriers")], "next": "/t/fg1"})
    assert r.status_code == 200 and "accepted Systems and barriers on fg1 turn 2" in r.text
    client.post("/action/reject", data={"csrf": csrf, "coding_id": ids[("fg1:002", "time")], "next": "/t/fg1"})
    client.post(
        "/action/change", data={"csrf": csrf, "coding_id": ids[("fg1:004", "time")], "code": "culture_shift", "next": "/t/fg1"}
    )
    # a span inside turn 3 ("what matters" in fg1's text)
    with Project.open(path) as proj:
        text = proj.texts()["fg1"]
    start = text.index("what matters")
    client.post(
        "/action/code-span",
        data={"csrf": csrf, "transcript_id": "fg1", "start": start, "end": start + len("what matters"), "code": "culture_shift"},
    )
    client.post(
        "/action/memo", data={"csrf": csrf, "target_type": "segment", "target_id": "fg1:003", "text": "<b>bold</b> claim"}
    )
    with Project.open(path) as proj:
        c = proj.codings().set_index("coding_id")
        assert c.loc[ids[("fg1:002", "systems_barriers")], "status"] == "accepted"
        assert c.loc[ids[("fg1:002", "systems_barriers")], "reviewed_by"] == "ana"
        assert c.loc[ids[("fg1:002", "time")], "status"] == "rejected"
        assert c.loc[ids[("fg1:004", "time")], "status"] == "rejected"
        ana = proj.codings(coder="ana")
        assert ana[["segment_id", "code", "method", "status"]].values.tolist() == [
            ["fg1:004", "culture_shift", "manual", "accepted"],
            ["fg1:003", "culture_shift", "manual", "accepted"],
        ]
        assert [ana["start_char"].iloc[1], ana["end_char"].iloc[1]] == [start, start + 12]
        assert text[start : start + 12] == "what matters"
        memos = proj.memos()
        assert memos[["target_type", "target_id", "text", "author"]].values.tolist() == [
            ["segment", "fg1:003", "<b>bold</b> claim", "ana"]
        ]
        log = proj.actions().tail(5)
        assert list(log["actor"]) == ["ana"] * 5
        assert list(log["kind"]) == ["accepted", "rejected", "batch", "code_span", "add_memo"]
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in client.get("/t/fg1").text
    # undo: ana's memo, then her span, then the change (reject + recode, one action)
    for _ in range(3):
        client.post("/action/undo", data={"csrf": csrf})
    with Project.open(path) as proj:
        c = proj.codings().set_index("coding_id")
        assert c.loc[ids[("fg1:004", "time")], "status"] == "suggested"
        assert len(proj.codings(coder="ana")) == 0 and len(proj.memos()) == 0


def test_bad_requests_write_nothing(project_file):
    path, ids = project_file
    client, csrf = signed_in(create_app(path))
    before = n_actions(path)
    cases = [
        ({"coding_id": ids[("fg1:002", "time")]}, "/action/accept", 403, "CSRF"),
        ({"csrf": csrf, "coding_id": "abc"}, "/action/accept", 400, "must be a whole number"),
        ({"csrf": csrf, "coding_id": "99999"}, "/action/reject", 404, "coding 99999 is not in the project"),
        ({"csrf": csrf, "coding_id": ids[("fg1:002", "time")], "code": "no_such_code"}, "/action/change", 400, "not in codebook"),
        (
            {"csrf": csrf, "transcript_id": "fg1", "start": "5", "end": "100000", "code": "time"},
            "/action/code-span",
            400,
            "start_char &lt; end_char",
        ),
        (
            {"csrf": csrf, "transcript_id": "../etc/passwd", "start": "0", "end": "3", "code": "time"},
            "/action/code-span",
            400,
            "is not in the project",
        ),
        ({"csrf": csrf, "target_type": "file", "target_id": "x", "text": "y"}, "/action/memo", 400, "target_type must be"),
        ({"csrf": csrf, "segment_id": "fg1:002"}, "/action/code-turn", 400, "missing field"),
        ({"csrf": csrf}, "/action/drop-table", 404, "unknown action"),
    ]
    for form, url, status, message in cases:
        r = client.post(url, data=form)
        assert r.status_code == status, (url, form, r.text[:300])
        assert message in r.text, (message, r.text[-600:])
        assert "Traceback" not in r.text
    assert client.get("/action/accept").status_code == 405
    assert n_actions(path) == before


def test_json_answers_for_scripts(project_file):
    path, ids = project_file
    client, csrf = signed_in(create_app(path))
    headers = {"X-Requested-With": "fetch", "X-CSRF-Token": csrf}
    r = client.post("/action/accept", data={"coding_id": ids[("fg2:002", "partners")]}, headers=headers)
    assert r.json() == {"ok": True, "message": "accepted Partners on fg2 turn 2"}
    r = client.post("/action/accept", data={"coding_id": "x"}, headers=headers)
    assert r.status_code == 400 and r.json()["ok"] is False


def test_server_error_shows_no_traceback(app, monkeypatch):
    from outcomes_qual_web import data

    client, _ = signed_in(app)
    monkeypatch.setattr(data, "home", lambda proj: 1 / 0)
    client = TestClient(app, base_url=BASE, raise_server_exceptions=False, cookies=client.cookies)
    r = client.get("/")
    assert r.status_code == 500 and "nothing was written" in r.text
    assert "ZeroDivisionError" not in r.text and "Traceback" not in r.text


def test_review_queue_least_sure_first(app):
    client, _ = signed_in(app)
    html = client.get("/queue").text
    confs = re.findall(r'<span class="conf">([0-9.]+)</span>', html)
    assert confs == ["0.52", "0.45", "0.70", "0.81", "0.93", "0.97"]


def test_codebook_search(app):
    client, _ = signed_in(app)
    html = client.get("/codebook?q=caseloads").text
    assert "Not enough time" in html and "Systems, forms and IT" not in html
    assert "Exclude:" in client.get("/codebook").text


def test_matrix_and_agreement_follow_the_coding(project_file):
    path, ids = project_file
    app = create_app(path)
    ana, csrf_a = signed_in(app, "ana")
    ben, csrf_b = signed_in(app, "ben")
    assert '<td class="num"><b>1</b>' not in ana.get("/analysis/matrix").text
    ana.post("/action/accept", data={"csrf": csrf_a, "coding_id": ids[("fg1:003", "culture_shift")]})
    html = ana.get("/analysis/matrix").text
    row = re.search(r'<tr><th title="culture_shift">Culture shift</th>(.*?)</tr>', html, re.S).group(1)
    cells = [m.group(1) if (m := re.search(r"<b>(\d+)</b>", c)) else c for c in re.findall(r'<td class="num">(.*?)</td>', row)]
    # practitioner, senior, manager, all: an empty cell is a dash, not "0 0% ·"
    assert cells == ['<span class="muted empty">–</span>'] * 2 + ["1", "1"]
    for sid, code in (("fg1:002", "systems_barriers"), ("fg1:004", "time")):
        ana.post("/action/code-turn", data={"csrf": csrf_a, "segment_id": sid, "code": code})
    ben.post("/action/code-turn", data={"csrf": csrf_b, "segment_id": "fg1:002", "code": "systems_barriers"})
    ben.post("/action/code-turn", data={"csrf": csrf_b, "segment_id": "fg1:003", "code": "culture_shift"})
    html = ana.get("/analysis/agreement?a=ana&b=ben&level=theme").text
    assert 'Open disagreements (<span id="n-open">2</span>)' in html
    # the header's unit count is the table's: participant turns of fg1 (4), not all its turns (5)
    assert "Units: 4 participant turns" in html and '<td class="num">4</td>' in html
    assert 'href="/t/fg1#turn-3"' in html and 'href="/t/fg1#turn-4"' in html
    ana.post("/action/agree", data={"csrf": csrf_a, "segment_id": "fg1:004", "code": ["time"], "as_coder": "consensus"})
    with Project.open(path) as proj:
        agreed = proj.codings(coder="consensus")
        assert agreed[["segment_id", "code", "status"]].values.tolist() == [["fg1:004", "time", "accepted"]]
        assert proj.actions()["actor"].iloc[-1] == "ana"
    # the agreed turn is resolved: no longer listed as open
    html = ana.get("/analysis/agreement?a=ana&b=ben&level=theme").text
    assert 'Open disagreements (<span id="n-open">1</span>)' in html
    assert "Resolved by an agreed coding (1)" in html
    resolved = html[html.index('id="resolved"') :]
    assert 'data-segment="fg1:004"' in resolved and "agreed: <b>Time</b>" in resolved
    open_part = html[html.index('id="disagreements"') : html.index('id="resolved"')]
    assert 'data-segment="fg1:004"' not in open_part and 'data-segment="fg1:003"' in open_part


def test_two_coders_at_once_both_keep_their_codings(project_file):
    path, _ = project_file
    app = create_app(path)
    ana, csrf_a = signed_in(app, "ana")
    ben, csrf_b = signed_in(app, "ben")
    ana.post("/action/code-turn", data={"csrf": csrf_a, "segment_id": "fg2:002", "code": "partners"})
    ben.post("/action/code-turn", data={"csrf": csrf_b, "segment_id": "fg2:002", "code": "systems_barriers"})
    html = ana.get("/t/fg2").text  # ben's coding shows for ana on reload
    assert "Partners <small>ana</small>" in html and "Systems and barriers <small>ben</small>" in html
    with Project.open(path) as proj:
        got = sorted(proj.codings(status="accepted")[["coder", "code"]].itertuples(index=False, name=None))
    assert got == [("ana", "partners"), ("ben", "systems_barriers")]


def test_token_is_required_when_set(project_file):
    app = create_app(project_file[0], token="s3cret-token")
    client = TestClient(app, base_url=BASE)
    r = client.get("/")
    assert r.status_code == 401 and "needs its access token" in r.text
    assert client.get("/static/app.js").status_code == 401
    assert client.get("/?token=wrong-token").status_code == 401
    r = client.get("/t/fg1?token=s3cret-token", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/fg1"
    assert client.get("/coder").status_code == 200  # the cookie now carries the token
    other = TestClient(app, base_url=BASE)
    assert other.get("/coder", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert other.post("/action/undo", data={}).status_code == 401


def test_unexpected_host_is_refused(app):
    client = TestClient(app, base_url="http://evil.example")
    r = client.get("/coder")
    assert r.status_code == 400 and "Host" in r.text


def test_security_headers(app):
    client, _ = signed_in(app)
    r = client.get("/t/fg1")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert "HttpOnly" in TestClient(app, base_url=BASE).get("/coder").headers["set-cookie"]


def test_page_text_offsets_match_the_project(app, project_file):
    """Each turn's text in the page is exactly the project's text at its offsets (what span coding relies on)."""
    import html as htmlmod

    client, _ = signed_in(app)
    page = client.get("/t/fg2").text
    with Project.open(project_file[0]) as proj:
        text = proj.texts()["fg2"]
    for start, end, inner in re.findall(r'class="turn-text" data-start="(\d+)" data-end="(\d+)">(.*?)</div>', page):
        shown = htmlmod.unescape(re.sub(r"<[^>]*>", "", inner))
        assert shown == text[int(start) : int(end)]


def test_memo_on_a_code_shows_on_the_codebook(project_file):
    path, _ = project_file
    client, csrf = signed_in(create_app(path))
    r = client.post(
        "/action/memo",
        data={
            "csrf": csrf,
            "target_type": "code",
            "target_id": "time",
            "text": "Only when time shapes the work <i>itself</i>.",
            "next": "/codebook",
        },
    )
    assert r.status_code == 200 and "memo saved on code Time" in r.text
    assert "Only when time shapes the work &lt;i&gt;itself&lt;/i&gt;." in r.text
    r = client.post("/action/memo", data={"csrf": csrf, "target_type": "code", "target_id": "nope", "text": "x"})
    assert r.status_code == 400 and "is in no codebook" in r.text
    with Project.open(path) as proj:
        assert proj.memos()[["target_type", "target_id", "author"]].values.tolist() == [["code", "time", "ana"]]


def test_agreed_coding_is_validated(project_file):
    path, _ = project_file
    client, csrf = signed_in(create_app(path))
    before = n_actions(path)
    assert client.post("/action/agree", data={"csrf": csrf, "segment_id": "fg1:002"}).status_code == 400
    r = client.post("/action/agree", data={"csrf": csrf, "segment_id": "fg1:002", "code": ["time", "bogus"]})
    assert r.status_code == 400 and "bogus" in r.text
    r = client.post("/action/agree", data={"csrf": csrf, "segment_id": "fg9:001", "code": ["time"]})
    assert r.status_code == 404
    assert n_actions(path) == before  # the batch with a bad code was rolled back whole


def test_oversized_request_is_refused(project_file):
    path, _ = project_file
    client, csrf = signed_in(create_app(path))
    r = client.post(
        "/action/memo", data={"csrf": csrf, "target_type": "segment", "target_id": "fg1:002", "text": "x" * 1_100_000}
    )
    assert r.status_code == 413 and "too large" in r.text
    r = client.post("/action/memo", data={"csrf": csrf, "target_type": "segment", "target_id": "fg1:002", "text": "x" * 20_001})
    assert r.status_code == 400 and "at most 20000" in r.text
    with Project.open(path) as proj:
        assert len(proj.memos()) == 0


def test_pages_can_tell_that_others_wrote(project_file):
    path, ids = project_file
    app = create_app(path)
    ana, csrf = signed_in(app, "ana")
    ben, _ = signed_in(app, "ben")
    page = ben.get("/t/fg1").text
    shown = int(re.search(r'data-version="(\d+)"', page).group(1))
    assert ben.get("/api/version").json() == {"version": shown}
    ana.post("/action/accept", data={"csrf": csrf, "coding_id": ids[("fg1:003", "culture_shift")]})
    assert ben.get("/api/version").json() == {"version": shown + 1}


def test_speaker_class_is_one_safe_slug_for_a_study_group(tmp_path):
    """A study's own group ("R1 faculty", "Team Leader (North)") gives one lowercase class; built-in roles keep theirs."""
    path = tmp_path / "groups.sqlite"
    turns = [
        ("Facilitator", "facilitator", "What changed when exams moved online?"),
        ("r1-01", "R1 faculty", "Marking took twice as long."),
        ("n1-01", "non-R1 faculty", "Students worried about the webcams."),
        ("tl-01", "Team Leader (North)", "The rota changed every week."),
        ("q-01", 'Lead "A" <ops>', "Nobody asked us first."),
        ("p-01", "practitioner", "We had no time to plan."),
    ]
    with Project.create(path) as proj:
        proj.add_corpus(Corpus.from_turns("fg_g", turns))
        version = proj.add_codebook(CODEBOOK)
        frame = pd.DataFrame({"segment_id": ["fg_g:002"], "code": ["time"], "coder": ["machine"], "confidence": [0.6]})
        proj.add_codings(frame, codebook=version)
    client, _ = signed_in(create_app(path))
    html = client.get("/t/fg_g").text
    classes = re.findall(r'<span class="(speaker[^"]*)">', html)
    assert classes == [
        "speaker role-facilitator",
        "speaker role-r1-faculty",
        "speaker role-non-r1-faculty",
        "speaker role-team-leader-north",
        "speaker role-lead-a-ops",
        "speaker role-practitioner",
    ]
    assert ">R1 faculty fg_g_r1-01<" in html and ">Team Leader (North) fg_g_tl-01<" in html  # labels as the roster wrote them
    queue = client.get("/queue").text
    # the suggested turn, then the facilitator's question before it
    assert re.findall(r'<span class="(speaker[^"]*)">', queue) == ["speaker role-r1-faculty", "speaker role-facilitator"]

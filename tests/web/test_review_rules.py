"""Who may do what in the review app: names, undo, and decisions on suggestions only (issue 20, findings 2-4)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

pytest.importorskip("starlette")

from starlette.testclient import TestClient

from outcomes_qual.errors import InputError
from outcomes_qual.project import Project
from outcomes_qual_web import create_app

BASE = "http://127.0.0.1"
JSON = {"X-Requested-With": "fetch"}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def try_sign_in(app, coder: str):
    client = TestClient(app, base_url=BASE)
    csrf = _csrf(client.get("/coder").text)
    r = client.post("/coder", data={"coder": coder, "csrf": csrf, "next": "/"})
    return client, csrf, r


def signed_in(app, coder: str):
    client, csrf, r = try_sign_in(app, coder)
    assert r.status_code == 200 and "coder-name" in r.text, r.text
    return client, csrf


def post(client, action: str, **data):
    return client.post(f"/action/{action}", data={"csrf": client.csrf, **data}, headers=JSON)


def person(app, coder: str):
    client, csrf = signed_in(app, coder)
    client.csrf = csrf
    return client


def status(path, cid: int) -> tuple[str, str | None]:
    with Project.open(path) as proj:
        row = proj.codings().set_index("coding_id").loc[cid]
        return row["status"], row["reviewed_by"]


# --------------------------------------------------------------------- 2. names and whose undo
@pytest.mark.parametrize("name", ["outcomes_qual", "Outcomes_QUAL", "consensus", "CONSENSUS", "machine", "Machine", "ｍachine"])
def test_machine_and_consensus_names_cannot_sign_in(project_file, name):
    client, _, r = try_sign_in(create_app(project_file[0]), name)
    assert r.status_code == 400 and "is a machine coder&#39;s name (reserved)" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still not signed in


def test_confusable_duplicates_of_a_name_are_refused(project_file):
    path, ids = project_file
    app = create_app(path)
    ana = person(app, "ana")
    assert post(ana, "accept", coding_id=ids[("fg1:002", "systems_barriers")]).status_code == 200
    for other in ("Ana", "ANA", "ａna", "Ａｎａ"):
        _, _, r = try_sign_in(create_app(path), other)  # a new server: the name is known from the project
        assert r.status_code == 400 and "too close to the coder name &#39;ana&#39;" in r.text, other
    _, _, r = try_sign_in(app, "Ana")  # and from a live session of this server
    assert r.status_code == 400
    signed_in(app, "ana")  # the exact name is fine (the same person in another browser)
    signed_in(app, "ben")


def test_names_are_nfc(project_file):
    path, _ = project_file
    zoe = person(create_app(path), "Zoe\u0301")  # e + combining acute
    assert post(zoe, "memo", target_type="project", text="hello").status_code == 200
    with Project.open(path) as proj:
        assert proj.memos()["author"].tolist() == ["Zo\u00e9"]


def test_undo_reverses_only_this_sessions_own_actions(project_file):
    path, ids = project_file
    app = create_app(path)
    ana, ben = person(app, "ana"), person(app, "ben")
    r = post(ana, "undo")
    assert r.json() == {
        "ok": True,
        "message": "nothing of yours to undo (Undo reverses only what you did in this browser session)",
    }
    with Project.open(path) as proj:  # the import of the machine's suggestions is untouched
        assert len(proj.codings(status="suggested")) == 6
        assert proj.actions()["undone_at"].isna().all()
    assert post(ana, "accept", coding_id=ids[("fg1:002", "systems_barriers")]).status_code == 200
    assert post(ben, "memo", target_type="project", text="ben's memo").status_code == 200
    # ana in another browser is another session: it has nothing to undo
    assert post(person(app, "ana"), "undo").json()["message"].startswith("nothing of yours")
    r = post(ana, "undo")
    assert r.json()["message"] == "undone: accepted 1 coding(s) by ana"
    assert status(path, ids[("fg1:002", "systems_barriers")]) == ("suggested", None)
    with Project.open(path) as proj:
        assert proj.memos()["text"].tolist() == ["ben's memo"]
        assert len(proj.codings(status="suggested")) == 6
    assert post(ana, "undo").json()["message"].startswith("nothing of yours")


# --------------------------------------------------------------------- 3. undo never over a later change
def test_undo_refuses_when_a_later_action_changed_the_same_coding(project_file):
    path, ids = project_file
    cid = ids[("fg1:002", "time")]
    ana = person(create_app(path), "ana")
    assert post(ana, "accept", coding_id=cid).status_code == 200
    with Project.open(path) as proj:  # bob, from the command line, rejects it afterwards
        proj.reject([cid], reviewer="bob")
    r = post(ana, "undo")
    assert r.status_code == 409
    assert re.search(
        r"cannot undo #\d+ \(accepted 1 coding\(s\) by ana\): a later action #\d+ by bob "
        r"\(rejected 1 coding\(s\) by bob\) changed the same coding\(s\)",
        r.json()["error"],
    )
    assert status(path, cid) == ("rejected", "bob")
    with Project.open(path) as proj:
        log = proj.actions()
        assert log["undone_at"].isna().all() and list(log["kind"])[-2:] == ["accepted", "rejected"]
        proj.undo(actor="bob")  # once bob's rejection is undone, ana's accept can be
    assert post(ana, "undo").json()["ok"]
    assert status(path, cid) == ("suggested", None)


def test_store_undo_refuses_over_a_later_review_of_the_codings_it_added(tmp_path):
    from outcomes_qual.corpus import Corpus

    with Project.create(tmp_path / "p.sqlite") as proj:
        proj.add_corpus(Corpus.from_turns("fg", [("A", "practitioner", "Forms."), ("B", "manager", "Time.")]))
        ids = proj.add_codings(
            pd.DataFrame({"segment_id": ["fg:001", "fg:002"], "code": "time", "coder": "kw", "method": "keyword"})
        )
        proj.accept(ids[:1], reviewer="ana")
        proj.code_segment("fg:002", "forms", coder="ana")
        with pytest.raises(
            InputError,
            match=r"cannot undo #2 \(add_codings: .*\): a later action #3 by ana "
            r"\(accepted 1 coding\(s\) by ana\)",
        ):
            proj.undo(actor="kw")
        assert len(proj.codings()) == 3
        assert proj.undo() == "code_segment: ana coded fg:002 as 'forms'"  # the stack still works
        assert proj.undo() == "accepted 1 coding(s) by ana"
        assert proj.undo().startswith("add_codings")
        assert len(proj.codings()) == 0


# --------------------------------------------------------------------- 4. decisions on suggestions only
def test_accept_reject_change_only_on_suggestions_with_409_when_stale(project_file):
    path, ids = project_file
    app = create_app(path)
    ana, bob = person(app, "ana"), person(app, "bob")
    cid = ids[("fg1:003", "culture_shift")]
    assert post(bob, "accept", coding_id=cid).status_code == 200
    # ana's page still shows it as a suggestion: her reject, accept and change are refused
    for action, extra in (("reject", {}), ("accept", {}), ("change", {"code": "time"})):
        r = post(ana, action, coding_id=cid, **extra)
        assert r.status_code == 409, action
        assert r.json()["error"].startswith(f"coding {cid} is no longer suggested: it was accepted by bob at ")
    assert status(path, cid) == ("accepted", "bob")
    # a person's own coding (accepted, manual) cannot be rejected by another coder
    with Project.open(path) as proj:
        mine = proj.code_segment("fg1:004", "culture_shift", coder="ana")
    assert post(bob, "reject", coding_id=mine).status_code == 409
    # a rejected coding does not flip back to accepted
    rid = ids[("fg2:002", "partners")]
    assert post(ana, "reject", coding_id=rid).status_code == 200
    assert post(bob, "accept", coding_id=rid).status_code == 409
    assert status(path, rid) == ("rejected", "ana")
    # the page may say what it showed
    sid = ids[("fg2:003", "partners")]
    assert post(ana, "accept", coding_id=sid, seen="rejected").status_code == 409
    assert post(ana, "accept", coding_id=sid, seen="suggested").status_code == 200
    with Project.open(path) as proj:
        assert len(proj.codings(coder="ana")) == 1  # no change was half-written


def test_a_browser_form_on_a_stale_page_gets_a_409_page(project_file):
    path, ids = project_file
    app = create_app(path)
    ana, bob = person(app, "ana"), person(app, "bob")
    cid = ids[("fg1:004", "time")]
    assert post(bob, "reject", coding_id=cid).status_code == 200
    r = ana.post("/action/accept", data={"csrf": ana.csrf, "coding_id": cid, "next": "/t/fg1"})
    assert r.status_code == 409 and "no longer suggested: it was rejected by bob" in r.text
    assert "reload the page" in r.text


def test_agree_writes_only_as_consensus(project_file):
    path, _ = project_file
    ana = person(create_app(path), "ana")
    r = post(ana, "agree", segment_id="fg1:002", code="time", as_coder="bob")
    assert r.status_code == 400 and "recorded as 'consensus', got 'bob'" in r.json()["error"]
    assert post(ana, "agree", segment_id="fg1:002", code="time", as_coder="consensus").status_code == 200
    assert post(ana, "agree", segment_id="fg1:003", code="time").status_code == 200
    with Project.open(path) as proj:
        got = proj.codings(coder=["consensus", "bob"])
        assert got[["segment_id", "coder"]].values.tolist() == [["fg1:002", "consensus"], ["fg1:003", "consensus"]]

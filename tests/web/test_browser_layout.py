"""The review screen in Chromium: keys act only on what is on screen, narrow windows, what the person sees.

Same browser as ``test_browser.py`` (Debian's Chromium from ``/usr/bin/chromium``
through Playwright, skipped without it unless ``CI=true``). A long transcript
(40 turns) makes the page taller than the window, so "on screen" means
something.
"""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

from .conftest import CODEBOOK
from .test_browser import select_text, sign_in

pytestmark = pytest.mark.browser

N_TURNS = 40
FILLER = (
    "We talked it through as a team and wrote down what we would try next, and who would check in "
    "with the family before the review. "
)


def _long_turns():
    turns = []
    for i in range(1, N_TURNS + 1):
        if i % 5 == 1:
            turns.append(("Facilitator", "facilitator", f"Question {i}: what happened next?"))
        else:
            who = ("Ann Jones", "practitioner") if i % 2 else ("Bo Evans", "manager")
            turns.append((*who, f"Turn {i} says this. " + FILLER * 3))
    turns[7] = ("Bo Evans", "manager", "The forms take all week and the caseloads are huge. " + FILLER * 2)
    return turns


#: (turn, code, confidence): turn 2 and turn 30 have two suggestions each; nothing between turns 9 and 29.
LONG_SUGGESTIONS = [
    (2, "time", 0.55),
    (2, "culture_shift", 0.9),
    (8, "systems_barriers", 0.7),
    (30, "partners", 0.6),
    (30, "time", 0.8),
    (36, "culture_shift", 0.65),
]


@pytest.fixture
def long_project(tmp_path):
    path = tmp_path / "long.sqlite"
    corpus = Corpus.from_turns("long", _long_turns(), authority="Glanafon", department="adult services")
    pids = {"Ann Jones": "GA-P01", "Bo Evans": "GA-M01", "Facilitator": None}
    for frame in (corpus.segments, corpus.participants):
        frame["participant_id"] = frame["speaker"].map(pids)
    with Project.create(path) as proj:
        proj.add_corpus(corpus)
        version = proj.add_codebook(CODEBOOK)
        ids = proj.add_codings(
            pd.DataFrame(
                [
                    {
                        "segment_id": f"long:{t:03d}",
                        "code": c,
                        "coder": "machine",
                        "method": "keyword",
                        "confidence": p,
                        "evidence": "keywords: team",
                    }
                    for t, c, p in LONG_SUGGESTIONS
                ]
            ),
            codebook=version,
        )
    return path, {(t, c): i for (t, c, _), i in zip(LONG_SUGGESTIONS, ids, strict=True)}


@pytest.fixture
def long_server(long_project):
    from outcomes_qual_web import BackgroundServer

    with BackgroundServer(long_project[0]) as srv:
        yield srv


@pytest.fixture
def small_server(project_file):
    from outcomes_qual_web import BackgroundServer

    with BackgroundServer(project_file[0]) as srv:
        yield srv


def statuses(path) -> dict[int, str]:
    with Project.open(path) as proj:
        c = proj.codings()
    return dict(zip(c["coding_id"].astype(int), c["status"], strict=True))


#: Where an element is, against the window and the sticky header and change bar.
GEOMETRY = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  const header = document.querySelector("header.top").getBoundingClientRect();
  const bar = document.querySelector(".change-bar");
  const hidden = Math.max(header.bottom, bar ? bar.getBoundingClientRect().bottom : 0);
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, hidden: hidden, height: innerHeight,
          width: innerWidth, headerBottom: header.bottom, scrollY: scrollY};
}"""


def on_screen(page, sel: str) -> bool:
    g = page.evaluate(GEOMETRY, sel)
    return g["top"] >= g["hidden"] - 1 and g["bottom"] <= g["height"] + 1


def starts_on_screen(page, sel: str) -> bool:
    """The element's first line is in the window, below the sticky bars."""
    g = page.evaluate(GEOMETRY, sel)
    return g["hidden"] - 1 <= g["top"] and g["top"] + 20 <= g["height"]


def current_id(page) -> int | None:
    got = page.evaluate("() => window.oqCurrent()")
    assert page.locator(".sugg.current").count() == (0 if got is None else 1)
    return None if got is None else int(got)


def test_anchor_then_a_accepts_the_suggestion_on_screen(browser, long_server, long_project):
    """The issue's case: after work at the top, a link to turn 30 and `a` accept turn 30's, not turn 2's."""
    path, ids = long_project
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, long_server.base, "ana", "/t/long")
    # the first suggestion in view is marked, and it is turn 2's strongest (0.9 before 0.55)
    assert current_id(page) == ids[(2, "culture_shift")]
    order = page.eval_on_selector_all("#turn-2 .sugg", "els => els.map(e => +e.dataset.id)")
    assert order == [ids[(2, "culture_shift")], ids[(2, "time")]]
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.text_content("#flash") == "accepted Culture shift on long turn 2"
    # back on the page, the next suggestion (turn 2's other one) is current: stored for this page
    assert current_id(page) == ids[(2, "time")] and on_screen(page, f"#s-{ids[(2, 'time')]}")

    # follow the review queue's link to turn 30
    page.goto(long_server.base + "/queue")
    with page.expect_navigation():
        page.click('a[href="/t/long#turn-30"] >> nth=0')
    assert page.url.endswith("/t/long#turn-30")
    # the turn's first lines are not under the sticky header or the change bar
    g = page.evaluate(GEOMETRY, "#turn-30")
    assert g["top"] >= g["hidden"] - 1 and g["top"] < g["hidden"] + 40
    target = ids[(30, "time")]  # turn 30's strongest suggestion (0.8)
    assert current_id(page) == target and on_screen(page, f"#s-{target}")
    assert "current" in page.get_attribute(f"#s-{target}", "class")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.text_content("#flash") == "accepted Time on long turn 30"
    got = statuses(path)
    assert got[target] == "accepted" and got[ids[(2, "time")]] == "suggested"
    assert sum(s == "accepted" for s in got.values()) == 2
    page.close()


def test_keys_do_nothing_when_no_suggestion_is_on_screen(browser, long_server, long_project):
    path, ids = long_project
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, long_server.base, "ana", "/queue")
    page.goto(long_server.base + "/t/long#turn-15")
    assert current_id(page) is None  # turns 9-29 have no suggestion
    page.keyboard.press("a")
    page.keyboard.press("r")
    page.keyboard.press("1")
    page.wait_for_selector("#keyhint", state="visible")
    assert page.text_content("#keyhint") == "No suggestion on screen: press j to go to the next one."
    assert set(statuses(path).values()) == {"suggested"}
    assert page.url.endswith("#turn-15")
    # j goes to the next suggestion below the screen (turn 30's strongest), brings it on screen and marks it
    page.keyboard.press("j")
    assert current_id(page) == ids[(30, "time")] and on_screen(page, f"#s-{ids[(30, 'time')]}")
    with page.expect_navigation():
        page.keyboard.press("r")
    assert page.text_content("#flash") == "rejected Time on long turn 30"
    assert statuses(path)[ids[(30, "time")]] == "rejected"
    page.close()


def test_the_mark_follows_scrolling(browser, long_server, long_project):
    """Scrolling the marked suggestion off screen moves the mark to the first one on screen (or none)."""
    path, ids = long_project
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, long_server.base, "ana", "/t/long")
    assert current_id(page) == ids[(2, "culture_shift")]
    page.evaluate("() => document.getElementById('turn-36').scrollIntoView({block: 'start'})")
    page.wait_for_function(f"() => window.oqCurrent() === '{ids[(36, 'culture_shift')]}'")
    assert on_screen(page, f"#s-{ids[(36, 'culture_shift')]}")
    page.evaluate("() => document.getElementById('turn-20').scrollIntoView({block: 'start'})")
    page.wait_for_function("() => window.oqCurrent() === null")
    assert page.locator(".sugg.current").count() == 0
    page.close()


@pytest.mark.parametrize("width", [768, 800])
def test_narrow_window_keeps_header_bar_and_panel_in_reach(browser, long_server, long_project, width):
    path, _ = long_project
    page = browser.new_page(viewport={"width": width, "height": 800})
    sign_in(page, long_server.base, "ana", "/queue")
    page.goto(long_server.base + "/t/long#turn-8")
    # the header is one line and does not cover the change bar
    header_h = page.evaluate("() => document.querySelector('header.top').offsetHeight")
    assert header_h < 50
    page.evaluate("() => window.scrollBy(0, 600)")
    bar = page.evaluate("() => document.querySelector('.change-bar').getBoundingClientRect().top")
    assert abs(bar - header_h) <= 1  # stuck right under the header
    assert page.evaluate(
        "() => document.elementFromPoint(innerWidth / 4, "
        "document.querySelector('.change-bar').getBoundingClientRect().top + 8)"
        ".closest('.change-bar') !== null"
    )
    page.evaluate("() => document.getElementById('turn-8').scrollIntoView({block: 'start'})")
    # select text in turn 8: the panel beside it is ready without scrolling away from the turn
    y = page.evaluate("() => scrollY")
    start, end = select_text(page, "long:008", "caseloads are huge")
    assert page.evaluate("() => scrollY") == y
    assert on_screen(page, "#turn-8 .turn-text")
    for sel in ("#span-code", "#span-submit", "#memo-text"):
        g = page.evaluate(GEOMETRY, sel)
        assert g["top"] >= g["headerBottom"] and g["bottom"] <= g["height"], sel
        assert g["left"] > page.evaluate(GEOMETRY, "#turn-8 .turn-text")["right"], sel  # beside the text
    assert page.is_enabled("#span-submit")
    page.select_option("#span-code", "time")
    with page.expect_navigation():
        page.click("#span-submit")
    assert page.text_content("#flash") == f"coded Time on long turn 8 (characters {start}-{end})"
    # the page comes back where it was: turn 8 in view, now with its coded span
    assert page.evaluate("() => scrollY") > 0 and on_screen(page, "#turn-8 .turn-text .coded")
    # a memo on it, from the panel beside it (key m), also leaves the turn in place
    page.click("#turn-8 .speaker")
    page.keyboard.press("m")
    assert page.evaluate("() => document.activeElement.id") == "memo-text"
    assert starts_on_screen(page, "#turn-8 .turn-text")
    page.keyboard.type("Caseloads again.")
    with page.expect_navigation():
        page.click("#memo-submit")
    assert page.text_content("#flash") == "memo saved on long turn 8"
    assert starts_on_screen(page, "#turn-8 .memo-text")
    with Project.open(path) as proj:
        assert proj.texts()["long"][start:end] == "caseloads are huge"
    # no page is wider than the window: wide tables scroll inside their own box
    for url in ("/", "/t/long", "/queue", "/analysis/matrix?status=all", "/analysis/agreement", "/codebook"):
        page.goto(long_server.base + url)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, url
        assert page.evaluate("() => document.querySelector('header.top').offsetHeight") == header_h, url
    page.close()


def test_labels_and_coded_spans_are_shown(browser, small_server, project_file):
    path, ids = project_file
    page = browser.new_page()
    sign_in(page, small_server.base, "ana", "/t/fg1")
    # suggestion chips name the codebook's label (the key is the tooltip)
    chip = page.locator(f"#s-{ids[('fg1:002', 'systems_barriers')]} .chip")
    assert chip.text_content() == "Systems and barriers" and chip.get_attribute("title") == "systems_barriers"
    # a span coded by hand is underlined in its theme's colour; keyword evidence stays a yellow mark
    select_text(page, "fg1:003", "ask what matters")
    page.select_option("#span-code", "culture_shift")
    with page.expect_navigation():
        page.click("#span-submit")
    coded = page.locator('section[data-segment="fg1:003"] .turn-text .coded')
    assert "".join(coded.all_text_contents()) == "ask what matters"  # "what matters" is also evidence: two runs
    assert coded.first.get_attribute("title") == "coded Culture shift"
    assert coded.nth(1).inner_html() == "<mark>what matters</mark>"
    style = coded.first.evaluate(
        "e => { const s = getComputedStyle(e); return [s.textDecorationLine, s.textDecorationColor, s.backgroundColor]; }"
    )
    assert style[0] == "underline" and style[1] == "rgb(44, 160, 44)"  # culture_shift's colour, #2ca02c
    mark = page.locator('section[data-segment="fg1:002"] .turn-text mark').first
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 241, 168)"
    assert mark.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"
    assert style[2] != "rgb(255, 241, 168)"
    assert "Culture shift ana" in " ".join(page.text_content('section[data-segment="fg1:003"] .chips').split())
    # keys 1-N for the N themes the codebook has (4), not 1-9
    assert page.locator("#legend [data-shortcut]").count() == 4
    assert "1-4 change to a theme" in " ".join(page.text_content("#transcript .muted").split())
    assert "or a key 1-4 for a theme" in page.text_content(".change-bar")

    # the queue: labels, and each item with the turn before it (and the facilitator's question)
    page.goto(small_server.base + "/queue")
    item = page.locator(f"#s-{ids[('fg1:004', 'time')]}")
    assert item.locator(".qhead .chip").text_content() == "Time"
    context = [" ".join(p.split()) for p in item.locator(".context p").all_text_contents()]
    assert context == [
        "1 Facilitator What has changed in how you work?",
        "3 Manager GA-M01 We ask what matters to people now, not what the form asks.",
    ]
    assert page.locator(".qhead .chip", has_text="_").count() == 0
    page.close()


def test_analysis_pages_labels_defaults_and_resolved(browser, small_server, project_file):
    path, ids = project_file
    with Project.open(path) as proj:  # two people code the same transcript
        proj.accept([ids[("fg1:003", "culture_shift")]], reviewer="ana")
        for coder, sid, code in (
            ("ana", "fg1:002", "systems_barriers"),
            ("ana", "fg1:004", "time"),
            ("ben", "fg1:002", "systems_barriers"),
            ("ben", "fg1:003", "culture_shift"),
        ):
            proj.code_segment(sid, code, coder=coder)
    page = browser.new_page()
    responses = []
    page.on("response", lambda r: responses.append((r.url, r.status)))
    sign_in(page, small_server.base, "ana", "/analysis/matrix")
    heads = page.eval_on_selector_all("#matrix tbody th", "els => els.map(e => e.textContent)")
    assert heads == ["Systems and barriers", "Culture shift", "Time", "Partners"]  # codebook order
    cells = page.eval_on_selector_all("#matrix tbody td", "els => els.map(e => e.textContent.trim())")
    assert "0 0% ·" not in " ".join(cells) and "–" in cells
    # agreement: not blank before Compare; the pair with most turns in common is shown
    page.goto(small_server.base + "/analysis/agreement")
    assert page.text_content("#default-pair").startswith("Showing ana and ben")
    assert page.eval_on_selector_all("#agreement tbody th", "els => els.map(e => e.textContent)") == [
        "Culture shift",
        "Systems and barriers",
        "Time",
        "All themes, pooled",
    ]
    units = page.eval_on_selector_all("#agreement tbody td:nth-child(2)", "els => els.map(e => +e.textContent)")
    assert units == [4, 4, 4, 12] and "Units: 4 participant turns" in page.text_content("#units")
    assert page.text_content("#n-open") == "2"
    # record the agreed coding of turn 4: it leaves the open list
    turn4 = page.locator('#disagreements .disagreement[data-segment="fg1:004"]')
    assert "only ana: Time" in " ".join(turn4.text_content().split())
    turn4.get_by_label("Time").check()  # the checkbox is labelled with the code's label
    with page.expect_navigation():
        turn4.locator("button").click()
    assert page.text_content("#flash") == "agreed coding of fg1 turn 4 recorded as consensus: Time"
    assert page.text_content("#n-open") == "1"
    assert page.locator('#disagreements [data-segment="fg1:004"]').count() == 0
    page.click("#resolved summary")
    assert "agreed: Time" in " ".join(page.text_content('#resolved [data-segment="fg1:004"]').split())
    # every page has its icon: no 404 anywhere
    r = page.request.get(small_server.base + "/favicon.ico")
    assert r.status == 200 and r.headers["content-type"] == "image/x-icon" and r.body()[:4] == b"\x00\x00\x01\x00"
    assert [u for u, s in responses if s == 404] == []
    page.close()

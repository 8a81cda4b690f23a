"""The review app in a real browser: Debian's headless Chromium driven by Playwright.

These tests skip with a one-line reason on a machine without Chromium or the
playwright package; with ``CI=true`` they fail instead, so CI cannot skip
them silently. ``.ci/run`` installs Chromium with apt-get. Playwright's own
browser download is never used: Chromium is launched from
``/usr/bin/chromium`` (or ``OUTCOMES_QUAL_CHROMIUM``); the ``browser`` fixture that
launches it is in ``conftest.py``, shared with ``test_browser_layout.py``.
"""

from __future__ import annotations

import pytest

from outcomes_qual.project import Project

pytestmark = pytest.mark.browser


@pytest.fixture
def server(project_file):
    from outcomes_qual_web import BackgroundServer

    with BackgroundServer(project_file[0]) as srv:
        yield srv


def sign_in(page, base: str, coder: str, path: str = "/t/fg1"):
    page.goto(base + path)
    assert "/coder" in page.url
    page.fill("#coder-input", coder)
    with page.expect_navigation():
        page.click("#coder-submit")
    assert page.url == base + path
    assert page.text_content("#coder-name") == coder


SELECT_JS = """([segment, needle]) => {
  const el = document.querySelector(`section[data-segment="${segment}"] .turn-text`);
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes = []; let t, full = "";
  while ((t = walker.nextNode())) { nodes.push([t, full.length]); full += t.data; }
  const a = full.indexOf(needle), b = a + needle.length;
  if (a < 0) throw new Error("not found: " + needle);
  const find = (pos) => {
    for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= pos) return [nodes[i][0], pos - nodes[i][1]];
  };
  const [sn, so] = find(a), [en, eo] = find(b);
  const range = document.createRange(); range.setStart(sn, so); range.setEnd(en, eo);
  const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
  document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
  return [document.getElementById("span-start").value, document.getElementById("span-end").value];
}"""


def select_text(page, segment: str, needle: str) -> tuple[int, int]:
    page.evaluate(SELECT_JS, [segment, needle])
    page.wait_for_function("() => document.getElementById('span-start').value !== ''")
    return int(page.input_value("#span-start")), int(page.input_value("#span-end"))


def code_selection(page, segment: str, needle: str, code: str) -> tuple[int, int]:
    start, end = select_text(page, segment, needle)
    page.select_option("#span-code", code)
    with page.expect_navigation():
        page.click("#span-submit")
    return start, end


def test_review_in_the_browser_is_stored_exactly(browser, server, project_file):
    path, ids = project_file
    page = browser.new_page()
    sign_in(page, server.base, "ana")
    # accept with a click
    with page.expect_navigation():
        page.click(f"#s-{ids[('fg1:002', 'systems_barriers')]} button.accept")
    assert page.text_content("#flash") == "accepted Systems and barriers on fg1 turn 2"
    # reject with the keyboard: pick the suggestion, press r
    page.click(f"#s-{ids[('fg1:002', 'time')]} .conf")
    with page.expect_navigation():
        page.keyboard.press("r")
    # change with a number key: the legend says which key is which theme
    key = page.get_attribute('#legend li[data-code="partners"]', "data-shortcut")
    page.click(f"#s-{ids[('fg1:004', 'time')]} .conf")
    with page.expect_navigation():
        page.keyboard.press(key)
    # code a selected span that crosses a highlighted evidence word
    with Project.open(path) as proj:
        text = proj.texts()["fg1"]
    start, end = code_selection(page, "fg1:003", "ask what matters to people", "culture_shift")
    assert text[start:end] == "ask what matters to people"
    # a memo on a turn: click the turn, then write in the panel
    page.click('section[data-segment="fg1:003"] .speaker')
    assert page.input_value("#memo-target") == "fg1:003"
    page.fill("#memo-text", "Strengths-based <em>shift</em>.")
    with page.expect_navigation():
        page.click("#memo-submit")
    assert page.text_content('section[data-segment="fg1:003"] .memo-text').endswith("Strengths-based <em>shift</em>.")

    with Project.open(path) as proj:
        c = proj.codings().set_index("coding_id")
        assert c.loc[ids[("fg1:002", "systems_barriers")], ["status", "reviewed_by"]].tolist() == ["accepted", "ana"]
        assert c.loc[ids[("fg1:002", "time")], ["status", "reviewed_by"]].tolist() == ["rejected", "ana"]
        assert c.loc[ids[("fg1:004", "time")], ["status", "reviewed_by"]].tolist() == ["rejected", "ana"]
        mine = proj.codings(coder="ana")
        got = [
            (
                r.segment_id,
                r.code,
                r.status,
                None if r.start_char is None or r.start_char != r.start_char else int(r.start_char),
                None if r.end_char != r.end_char or r.end_char is None else int(r.end_char),
            )
            for r in mine.astype(object).where(mine.notna(), None).itertuples()
        ]
        assert got == [("fg1:004", "partners", "accepted", None, None), ("fg1:003", "culture_shift", "accepted", start, end)]
        assert proj.memos()[["target_id", "text", "author"]].values.tolist() == [
            ["fg1:003", "Strengths-based <em>shift</em>.", "ana"]
        ]
        log = proj.actions().tail(5)
        assert log[["kind", "actor"]].values.tolist() == [
            ["accepted", "ana"],
            ["rejected", "ana"],
            ["batch", "ana"],
            ["code_span", "ana"],
            ["add_memo", "ana"],
        ]
    # undo with the key u: the memo goes
    with page.expect_navigation():
        page.keyboard.press("u")
    with Project.open(path) as proj:
        assert len(proj.memos()) == 0
    page.close()


def test_span_offsets_count_code_points(browser, server, project_file):
    """A selection after an emoji (two UTF-16 units, one code point) is stored at the right offsets."""
    path, _ = project_file
    page = browser.new_page()
    sign_in(page, server.base, "ana", "/t/fg2")
    start, end = code_selection(page, "fg2:003", "the GP surgery", "partners")
    with Project.open(path) as proj:
        text = proj.texts()["fg2"]
        row = proj.codings(coder="ana").iloc[0]
    assert text[start:end] == "the GP surgery"
    assert (int(row["start_char"]), int(row["end_char"])) == (start, end)
    page.close()


def test_two_coders_at_once_both_keep_their_codings(browser, server, project_file):
    path, _ = project_file
    ctx_a, ctx_b = browser.new_context(), browser.new_context()
    a, b = ctx_a.new_page(), ctx_b.new_page()
    sign_in(a, server.base, "ana", "/t/fg2")
    sign_in(b, server.base, "ben", "/t/fg2")
    # both have the page open; each codes without seeing the other's work
    select_text(a, "fg2:002", "old referral forms")
    select_text(b, "fg2:002", "Health colleagues")
    a.select_option("#span-code", "systems_barriers/paperwork_and_it")
    with a.expect_navigation():
        a.click("#span-submit")
    # ben codes from the codebook panel: search it, open the code, code the selection with it
    b.fill("#codebook-filter", "agencies")
    assert b.locator("#codebook-list details.code:visible").count() == 1
    b.click("#codebook-list details.code:visible summary")
    with b.expect_navigation():
        b.click('#codebook-list button.code-with[data-code="partners"]')
    # ana's page learns that the project changed (ben's coding) and says so
    a.evaluate("() => window.oqCheckChanges()")
    a.wait_for_selector("#changed", state="visible", timeout=5000)
    a.reload()
    chips = a.text_content('section[data-segment="fg2:002"] .chips')
    assert "Partners ben" in " ".join(chips.split()) and "Paperwork and IT ana" in " ".join(chips.split())
    with Project.open(path) as proj:
        got = sorted(proj.codings(status="accepted")[["coder", "code"]].itertuples(index=False, name=None))
    assert got == [("ana", "systems_barriers/paperwork_and_it"), ("ben", "partners")]
    ctx_a.close()
    ctx_b.close()


def test_script_in_a_turn_renders_as_text(browser, server):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, server.base, "ana")
    text = page.text_content('section[data-segment="fg1:005"] .turn-text')
    assert "<script>window.__xss = 1</script>" in text and '<img src=x onerror="window.__xss = 2">' in text
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator('section[data-segment="fg1:005"] .turn-text img').count() == 0
    assert dialogs == []
    page.close()


def test_request_without_token_is_refused(browser, project_file):
    from outcomes_qual_web import BackgroundServer

    with BackgroundServer(project_file[0], token="t0ken-for-test") as srv:
        ctx = browser.new_context()
        page = ctx.new_page()
        response = page.goto(srv.base + "/t/fg1")
        assert response.status == 401 and "needs its access token" in page.text_content("body")
        page.goto(srv.base + "/t/fg1?token=t0ken-for-test")
        assert page.url == srv.base + "/coder?next=%2Ft%2Ffg1"
        ctx.close()


def test_review_queue_with_the_keyboard(browser, server, project_file):
    """The queue lists the least sure first; j moves down, a accepts the current one."""
    path, ids = project_file
    page = browser.new_page()
    sign_in(page, server.base, "ana", "/queue")
    order = [int(x) for x in page.eval_on_selector_all(".sugg", "els => els.map(e => e.dataset.id)")]
    assert order[:3] == [ids[("fg1:002", "time")], ids[("fg1:004", "time")], ids[("fg2:002", "partners")]]
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("a")
    with Project.open(path) as proj:
        c = proj.codings().set_index("coding_id")
    assert c.loc[ids[("fg1:004", "time")], ["status", "reviewed_by"]].tolist() == ["accepted", "ana"]
    assert (c["status"] == "accepted").sum() == 1
    page.close()


@pytest.fixture
def notebook_page():
    """A stand-in for a Jupyter page: serves one HTML page holding an IFrame onto a given address."""
    import http.server
    import threading

    holder = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = (
                f'<!doctype html><title>notebook</title><iframe id="review" src="{holder["src"]}" '
                f'width="1000" height="700"></iframe>'.encode()
            )
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    holder["port"] = srv.server_address[1]
    try:
        yield holder
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize(
    "app_host, notebook_host", [("localhost", "127.0.0.1"), ("127.0.0.1", "localhost"), ("localhost", "localhost")]
)
def test_notebook_frame_signs_in_and_writes_when_cross_site(browser, project_file, notebook_page, app_host, notebook_host):
    """review(proj) in Jupyter opened at another host name than the frame's: the frame is cross-site."""
    from outcomes_qual_web import BackgroundServer

    path, ids = project_file
    with BackgroundServer(path, embed=True) as srv:
        notebook_page["src"] = f"http://{app_host}:{srv.port}/t/fg1"
        page = browser.new_page()
        try:
            page.goto(f"http://{notebook_host}:{notebook_page['port']}/")
            frame = page.frame_locator("#review")
            frame.locator("#coder-input").fill("ana")
            frame.locator("#coder-submit").click()
            assert frame.locator("#coder-name").text_content(timeout=10_000) == "ana"
            cid = ids[("fg1:003", "culture_shift")]
            frame.locator(f"#s-{cid} button.accept").click()
            frame.locator("#flash", has_text="accepted").wait_for(timeout=10_000)
            assert frame.locator("#flash").text_content() == "accepted Culture shift on fg1 turn 3"
        finally:
            page.close()
    with Project.open(path) as proj:
        row = proj.codings().set_index("coding_id").loc[ids[("fg1:003", "culture_shift")]]
        assert (row["status"], row["reviewed_by"]) == ("accepted", "ana")

"""Take the screenshots of the review web app used in README.md and docs/web.md.

Usage::

    .venv/bin/python docs/img/screenshots.py out/demo/study.sqlite

Works on a copy of the project (the file given is not modified): two coders
review a little, then headless Chromium (Debian's, ``/usr/bin/chromium``)
captures the main screens into ``docs/img/web_*.png``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from outcomes_qual.project import Project
from outcomes_qual_web import BackgroundServer

HERE = Path(__file__).resolve().parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: Select a turn's text, as a person would with the mouse.
SELECT_JS = """(id) => {
  const range = document.createRange(); range.selectNodeContents(document.querySelector(`#${id} .turn-text`));
  const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
  document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def small(path: Path) -> None:
    """Re-save a screenshot with a 128-colour palette (a fraction of the size, text still crisp)."""
    from PIL import Image

    with Image.open(path) as im:
        im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(argv=None) -> int:
    """Take the screenshots from a copy of the project ``argv[0]`` (default the demo's); 0 when done."""
    argv = sys.argv[1:] if argv is None else argv
    src = Path(argv[0] if argv else "out/demo/study.sqlite")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.sqlite"
        shutil.copy(src, path)
        with Project.open(path) as proj:
            tid = proj.transcripts()["transcript_id"].iloc[0]
            seg = proj.segments()
            turns = seg[(seg["transcript_id"] == tid) & (seg["role"] != "facilitator")]["segment_id"].tolist()
            sugg = proj.codings(status="suggested")
            later = sugg[sugg["segment_id"].isin(turns[4:10])]  # the first turns keep their suggestions
            proj.accept(later["coding_id"].iloc[:3].tolist(), reviewer="ana")
            codes = proj.codebook().theme_keys()
            for i, sid in enumerate(turns[4:16]):
                proj.code_segment(sid, codes[i % len(codes)], coder="ana")
                proj.code_segment(sid, codes[(i + (i % 3 == 0)) % len(codes)], coder="ben")
            proj.add_memo("segment", turns[0], "Ask the team whether this is about the form or the visit.", author="ana")
            # a span coded by hand (underlined in its theme's colour, unlike the keyword evidence)
            row = seg.set_index("segment_id").loc[turns[1]]
            cut = row["text"].find(". ") + 1 or min(len(row["text"]), 60)
            proj.code_span(tid, int(row["start_char"]), int(row["start_char"]) + cut, codes[1], coder="ana")
            # one disagreement settled: the agreement page lists it as resolved
            proj.code_segment(turns[4], codes[0], coder="consensus")
            narrow_turn = int(seg.set_index("segment_id").loc[turns[7], "turn"])
        with BackgroundServer(path) as srv, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.goto(srv.base + "/coder")
            page.fill("#coder-input", "ana")
            with page.expect_navigation():
                page.click("#coder-submit")
            shots = {
                "web_home.png": "/",
                "web_transcript.png": f"/t/{tid}",
                "web_queue.png": "/queue",
                "web_matrix.png": "/analysis/matrix?status=all",
                "web_agreement.png": "/analysis/agreement",  # opens on the two people
            }
            for name, url in shots.items():
                page.goto(srv.base + url)
                page.screenshot(path=str(HERE / name))
                small(HERE / name)
                print(HERE / name)
            # a laptop split screen (800 px): a queue link to a turn, a selection in it, the panel beside it
            page.set_viewport_size({"width": 800, "height": 800})
            page.goto(srv.base + f"/t/{tid}#turn-{narrow_turn}")
            page.evaluate(SELECT_JS, f"turn-{narrow_turn}")
            page.screenshot(path=str(HERE / "web_narrow.png"))
            small(HERE / "web_narrow.png")
            print(HERE / "web_narrow.png")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

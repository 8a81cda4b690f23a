"""Read-only screens: home, transcript, review queue, codebook, analysis, and the coder sign-in.

Each handler reads the project in a worker thread (SQLite calls block) and
renders a Jinja2 template with autoescaping on, so transcript text, memos
and names always show as text. Ids in URLs are looked up in the project;
an unknown id is a 404 with a clear message.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from outcomes_qual.errors import InputError
from outcomes_qual.project import Project

from . import analysis, data
from .security import Session, check_coder_name, check_csrf, safe_next

logger = logging.getLogger(__name__)


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """Render ``template`` with ``context`` and what every page shows (coder, CSRF token, flash message, project)."""
    session = request.state.session or Session("")  # a request without a session (a POST) sees a blank one
    flash, session.flash = getattr(session, "flash", None), None
    env = request.app.state.templates
    # the project's latest action when the page was made: the page polls /api/version to notice others' writes
    latest = request.app.state.project.get().conn.execute("SELECT coalesce(max(action_id), 0) FROM actions")
    html = env.get_template(template).render(
        version=int(latest.fetchone()[0]),
        request_path=_target(request),
        coder=session.coder,
        csrf=session.csrf,
        flash=flash,
        project_name=request.app.state.project.name,
        show_names=request.app.state.show_names,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, message: str, status: int) -> HTMLResponse:
    """The error page with ``message`` (the server's folders left out) and HTTP ``status``."""
    message = request.app.state.project.public(message)  # the server's folders are not shown
    return render(request, "error.html", status=status, message=message, status_code=status)


def _need_coder(request: Request):
    if request.state.session.coder:
        return None
    return RedirectResponse("/coder?next=" + quote(_target(request), safe=""), 303)


def _target(request: Request) -> str:
    """The page's address as the browser sent it (still percent-encoded: ids with ? # % or spaces stay intact)."""
    raw = request.scope.get("raw_path") or quote(request.url.path).encode()
    return raw.decode("latin-1") + (f"?{request.url.query}" if request.url.query else "")


async def _read(request: Request, fn):
    return await run_in_threadpool(lambda: fn(request.app.state.project.get()))


def _colors(codes) -> dict[str, str]:
    return {c.key: c.color for c in codes if c.depth == 0}


def _labels(codes) -> dict[str, str]:
    """Code key -> the codebook's label, for chips, the queue and the analysis tables."""
    return {c.key: c.label for c in codes}


def _form_text(form, name: str) -> str | None:
    """Field ``name`` of a parsed form when it is text (not a file), else None."""
    value = form.get(name)
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------- coder
async def coder_form(request: Request):
    """GET /coder: the form where a coder names themself."""
    nxt = safe_next(request.query_params.get("next"))
    return render(request, "coder.html", next=nxt, error=None)


async def coder_set(request: Request):
    """POST /coder: check the CSRF token and the name, then sign the session in as that coder."""
    form = await request.form(max_files=0, max_fields=10)
    session = request.state.session
    nxt = safe_next(_form_text(form, "next"))
    if not check_csrf(session, _form_text(form, "csrf")):
        return render_error(request, "missing or wrong CSRF token: reload the page and try again", 403)
    typed = _form_text(form, "coder")
    machines, people = await _read(request, data.coder_names)
    name, error = check_coder_name(typed, machines=machines, existing=people | request.app.state.sessions.coders())
    if name is None:
        return render(request, "coder.html", status=400, next=nxt, error=error)
    session.coder = name
    session.flash = f"coding as {name}"
    return RedirectResponse(nxt, 303)


# --------------------------------------------------------------------- screens
async def home(request: Request):
    """GET /: the transcripts with their coding progress."""
    if (r := _need_coder(request)) is not None:
        return r
    info = await _read(request, data.home)
    return render(request, "home.html", **info)


async def transcript(request: Request):
    """GET /t/{transcript_id}: one transcript, turn by turn, with its codings and suggestions."""
    if (r := _need_coder(request)) is not None:
        return r
    tid = request.path_params.get("transcript_id", request.query_params.get("id", ""))

    def read(proj: Project):
        if len(tid) > 300 or not data.transcript_exists(proj, tid):
            return None
        cb, codes = data.codebook_info(proj)
        view = data.transcript_view(proj, tid, show_names=request.app.state.show_names, colors=_colors(codes))
        return view, codes

    got = await _read(request, read)
    if got is None:
        return render_error(request, f"transcript {tid!r} is not in the project", 404)
    view, codes = got
    return render(
        request,
        "transcript.html",
        t=view,
        codes=codes,
        labels=_labels(codes),
        themes=[c for c in codes if c.shortcut is not None],
    )


async def queue(request: Request):
    """GET /queue: the suggestions waiting for review (``coder``, ``limit`` from the query)."""
    if (r := _need_coder(request)) is not None:
        return r
    by = request.query_params.get("coder") or None
    try:
        limit = min(500, max(1, int(request.query_params.get("limit", "50"))))
    except ValueError:
        return render_error(request, "limit must be a whole number", 400)

    def read(proj: Project):
        cb, codes = data.codebook_info(proj)
        coders = data.machine_coders(proj)
        items = data.review_queue(proj, coder=by, limit=limit, show_names=request.app.state.show_names)
        total = proj.conn.execute("SELECT count(*) FROM codings WHERE status = 'suggested'").fetchone()[0]
        return items, codes, coders, total

    items, codes, coders, total = await _read(request, read)
    colors = _colors(codes)
    for item in items:
        item["color"] = colors.get(item["code"].split("/")[0], data.PALETTE[0])
    return render(
        request,
        "queue.html",
        items=items,
        codes=codes,
        coders=coders,
        by=by,
        total=total,
        labels=_labels(codes),
        themes=[c for c in codes if c.shortcut is not None],
        limit=limit,
    )


async def codebook(request: Request):
    """GET /codebook: the latest codebook with its memos, filtered by ``q``."""
    if (r := _need_coder(request)) is not None:
        return r
    q = (request.query_params.get("q") or "").strip()[:100]

    def read(proj: Project):
        cb, codes = data.codebook_info(proj)
        memos = proj.memos()
        memos = memos[memos["target_type"] == "code"]
        by_code: dict[str, list] = {}
        for m in memos.to_dict("records"):
            by_code.setdefault(m["target_id"], []).append(
                {"text": m["text"], "author": m["author"], "created_at": m["created_at"]}
            )
        return cb, codes, by_code

    cb, codes, memos = await _read(request, read)
    if q:
        needle = q.lower()
        codes = [
            c for c in codes if needle in " ".join([c.key, c.label, c.definition, *c.include, *c.exclude, *c.examples]).lower()
        ]
    return render(request, "codebook.html", codebook=cb, codes=codes, q=q, memos=memos)


async def matrix(request: Request):
    """GET /analysis/matrix: the role x theme table (``unit``, ``status`` from the query)."""
    if (r := _need_coder(request)) is not None:
        return r
    unit = request.query_params.get("unit", "segments")
    status = request.query_params.get("status", "accepted")

    def read(proj: Project):
        cb, _ = data.codebook_info(proj)
        return analysis.matrix(proj, unit=unit, status=status, codebook=cb)

    try:
        table = await _read(request, read)
    except InputError as err:
        return render_error(request, str(err), 400)
    return render(request, "matrix.html", table=table, units=analysis.UNITS, statuses=analysis.STATUSES)


async def agreement(request: Request):
    """GET /analysis/agreement: two coders' agreement (``a``, ``b``, ``level`` from the query)."""
    if (r := _need_coder(request)) is not None:
        return r
    a, b = request.query_params.get("a"), request.query_params.get("b")
    level = request.query_params.get("level", "theme")
    if level not in ("theme", "code"):
        return render_error(request, f"level must be theme or code, got {level!r}", 400)

    def read(proj: Project):
        coders = data.coders(proj)
        cb, codes = data.codebook_info(proj)
        chosen = None
        if not a and not b:  # open with a comparison rather than a blank page
            chosen = analysis.default_pair(proj)
        pair = chosen or (a, b)
        result, error = None, None
        if pair[0] and pair[1]:
            try:
                result = analysis.coder_agreement(proj, pair[0], pair[1], level=level, codebook=cb)
            except InputError as err:
                if chosen is None:
                    raise
                error = str(err)
        return coders, codes, result, chosen, pair, error

    try:
        coders, codes, result, chosen, (a, b), error = await _read(request, read)
    except InputError as err:
        return render_error(request, str(err), 400)
    return render(
        request,
        "agreement.html",
        coders=coders,
        a=a,
        b=b,
        level=level,
        result=result,
        chosen=chosen,
        error=error,
        labels=_labels(codes),
        themes=[c for c in codes if c.depth == 0],
        codes=codes,
    )


#: The app's icon (also linked from every page), so browsers asking for /favicon.ico get one, not a 404.
FAVICON = (Path(__file__).parent / "static" / "favicon.ico").read_bytes()


async def favicon(request: Request):
    """GET /favicon.ico: the app's icon."""
    return Response(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})


async def version(request: Request):
    """GET /api/version: the id of the project's latest action, so a page can tell that others have written."""
    latest = await _read(request, lambda proj: proj.conn.execute("SELECT coalesce(max(action_id), 0) FROM actions").fetchone()[0])
    return JSONResponse({"version": int(latest)})

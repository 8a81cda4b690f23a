"""Write endpoints: accept, reject, change, code a span or a turn, memo, undo, record the agreed coding.

Every write is one call of the project store (:class:`outcomes_qual.project.Project`)
made with the session's coder as coder, reviewer or author, so it is one
transaction and one entry in the project's action log. A write that changes
more than one thing (changing a suggestion: reject it and code the new code;
recording an agreed coding) runs inside ``Project.batch`` so it is one
transaction and one undoable action.

Every POST needs the session's CSRF token (form field ``csrf`` or header
``X-CSRF-Token``), checked before the form is parsed, and a named coder.
Fields are validated before anything is written; a bad request gets a 4xx
with a one-line message and writes nothing.

Accept, reject and change act on suggestions only: when the coding is no
longer ``suggested`` (someone decided it since the page was drawn; the page
may also send the status it showed as ``seen``) the answer is 409 and
nothing is written. An agreed coding is always recorded as ``consensus``.
Undo reverses only this browser session's own actions, newest first, and
refuses (409) when a later action by anyone changed the same codings.
A browser posting a form is redirected back (``next``); a script sending
``X-Requested-With: fetch`` gets JSON.
"""

from __future__ import annotations

import logging
from typing import Literal, overload

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

from outcomes_qual.errors import InputError
from outcomes_qual.project.store import StaleCodingError

from . import data
from .security import check_csrf, csrf_in_body, safe_next

logger = logging.getLogger(__name__)

#: Longest memo accepted, in characters.
MAX_MEMO = 20_000
#: Longest id (transcript, segment, code) accepted.
MAX_ID = 300
#: Most codes one agreed coding may record.
MAX_CODES = 50
#: The name agreed codings are recorded under.
CONSENSUS = "consensus"
#: Largest id SQLite stores (a bigger number is no coding).
MAX_INT = 2**63 - 1


class BadRequest(Exception):
    """A request the server refuses (4xx) before writing anything."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@overload
def _text_field(form, name: str, *, max_len: int = ..., required: Literal[True] = ...) -> str: ...
@overload
def _text_field(form, name: str, *, max_len: int = ..., required: bool) -> str | None: ...
def _text_field(form, name: str, *, max_len: int = MAX_ID, required: bool = True) -> str | None:
    """Field ``name`` of ``form`` as text (stripped, unless it may be long like a memo); None when optional and empty."""
    value = form.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"missing field {name!r}")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"field {name!r} must be text, not a file")
    if len(value) > max_len:
        raise BadRequest(f"field {name!r} is too long ({len(value)} characters; at most {max_len})")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise BadRequest(f"field {name!r} contains control characters")
    return value.strip() if max_len <= MAX_ID else value


def _int_field(form, name: str) -> int:
    value = _text_field(form, name, max_len=20)
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"field {name!r} must be a whole number, got {value!r}") from None
    if number < 0 or number > MAX_INT:
        raise BadRequest(f"field {name!r} must be between 0 and {MAX_INT}, got {number}")
    return number


def _coding(proj, coding_id: int) -> tuple:
    row = proj.conn.execute(
        "SELECT c.coding_id, c.segment_id, c.code, c.status, c.start_char, c.end_char, s.transcript_id "
        "FROM codings c JOIN segments s USING (segment_id) WHERE c.coding_id = ?",
        (coding_id,),
    ).fetchone()
    if row is None:
        raise BadRequest(f"coding {coding_id} is not in the project", status=404)
    return row


# --------------------------------------------------------------------- the writes
def _seen(form) -> str:
    """The status the page showed (field ``seen``; pages only offer these buttons on suggestions)."""
    seen = _text_field(form, "seen", max_len=20, required=False) or "suggested"
    if seen != "suggested":
        raise BadRequest(
            f"coding was {seen!r} on your page: only suggestions are accepted, rejected or changed; reload the page", status=409
        )
    return seen


def do_accept(proj, form, coder: str) -> str:
    """Accept suggestion ``coding_id`` as ``coder``."""
    cid = _int_field(form, "coding_id")
    _, sid, code, *_ = _coding(proj, cid)
    proj.accept([cid], reviewer=coder, expect=_seen(form))
    return f"accepted {data.code_label(proj, code)} on {data.turn_name(proj, sid)}"


def do_reject(proj, form, coder: str) -> str:
    """Reject suggestion ``coding_id`` as ``coder``."""
    cid = _int_field(form, "coding_id")
    _, sid, code, *_ = _coding(proj, cid)
    proj.reject([cid], reviewer=coder, expect=_seen(form))
    return f"rejected {data.code_label(proj, code)} on {data.turn_name(proj, sid)}"


def do_change(proj, form, coder: str) -> str:
    """Change suggestion ``coding_id`` to ``code``: reject it and code the turn (or its span) with ``code``, one action."""
    cid = _int_field(form, "coding_id")
    code = _text_field(form, "code")
    seen = _seen(form)
    _, sid, old, _status, start, end, tid = _coding(proj, cid)
    if code == old:
        raise BadRequest(f"coding {cid} already has code {code!r}; accept it instead")
    with proj.batch(f"change: {coder} changed coding {cid} on {sid} from {old!r} to {code!r}", actor=coder):
        proj.reject([cid], reviewer=coder, expect=seen)
        if start is None:
            proj.code_segment(sid, code, coder=coder)
        else:
            proj.code_span(tid, int(start), int(end), code, coder=coder)
    return f"changed {data.code_label(proj, old)} to {data.code_label(proj, code)} on {data.turn_name(proj, sid)}"


def do_code_span(proj, form, coder: str) -> str:
    """Code characters ``start``-``end`` of transcript ``transcript_id`` with ``code``."""
    tid = _text_field(form, "transcript_id")
    start, end = _int_field(form, "start"), _int_field(form, "end")
    code = _text_field(form, "code")
    ids = proj.code_span(tid, start, end, code, coder=coder)
    sids = (
        [
            r[0]
            for r in proj.conn.execute(
                f"SELECT segment_id FROM codings WHERE coding_id IN ({','.join('?' * len(ids))})", list(ids)
            )
        ]
        if ids
        else []
    )
    return f"coded {data.code_label(proj, code)} on {data.turn_name(proj, sids)} (characters {start}-{end})"


def do_code_turn(proj, form, coder: str) -> str:
    """Code the whole turn ``segment_id`` with ``code``."""
    sid = _text_field(form, "segment_id")
    code = _text_field(form, "code")
    if not proj.conn.execute("SELECT 1 FROM segments WHERE segment_id = ?", (sid,)).fetchone():
        raise BadRequest(f"turn {sid!r} is not in the project", status=404)
    proj.code_segment(sid, code, coder=coder)
    return f"coded {data.code_label(proj, code)} on {data.turn_name(proj, sid)}"


def do_memo(proj, form, coder: str) -> str:
    """Add a memo (``text``) on a segment, code, transcript or the project."""
    target_type = _text_field(form, "target_type")
    if target_type not in ("segment", "code", "transcript", "project"):
        raise BadRequest(f"target_type must be segment, code, transcript or project, got {target_type!r}")
    target = _text_field(form, "target_id", required=target_type != "project")
    text = _text_field(form, "text", max_len=MAX_MEMO)
    proj.add_memo(target_type, target, text, author=coder)
    if target is None:  # only a project memo may have no target
        return f"memo saved on {target_type}"
    if target_type == "segment":
        return f"memo saved on {data.turn_name(proj, target)}"
    if target_type == "code":
        return f"memo saved on code {data.code_label(proj, target)}"
    return f"memo saved on {target_type} {target or ''}".strip()


def do_undo(proj, form, coder: str, session=None) -> str:
    """Undo this session's newest action that is still in effect (never an import, a machine run or another's)."""
    mine = list(session.actions) if session is not None else []
    while mine:
        aid = mine[-1]
        try:
            done = proj.undo(action_id=aid)
        except InputError as err:
            raise BadRequest(str(err), status=409) from None
        session.actions.remove(aid)
        mine.pop()
        if done:
            return f"undone: {done}"
    return "nothing of yours to undo (Undo reverses only what you did in this browser session)"


def do_agree(proj, form, coder: str) -> str:
    """Record the agreed codes of turn ``segment_id`` as ``consensus`` (or that no code applies)."""
    sid = _text_field(form, "segment_id")
    as_coder = _text_field(form, "as_coder", max_len=40, required=False)
    if as_coder is not None and as_coder != CONSENSUS:
        raise BadRequest(f"as_coder: an agreed coding is recorded as {CONSENSUS!r}, got {as_coder!r}")
    codes = [c for c in form.getlist("code") if isinstance(c, str) and c.strip()]
    if not codes:
        raise BadRequest("choose at least one code for the agreed coding, or 'no code applies'")
    if NO_CODE in codes:
        if len(codes) > 1:
            raise BadRequest("choose codes or 'no code applies', not both")
        return _agree_no_code(proj, sid, coder)
    if len(codes) > MAX_CODES or any(len(c) > MAX_ID for c in codes):
        raise BadRequest("too many or too long codes")
    if not proj.conn.execute("SELECT 1 FROM segments WHERE segment_id = ?", (sid,)).fetchone():
        raise BadRequest(f"turn {sid!r} is not in the project", status=404)
    with proj.batch(f"agree: {coder} recorded the agreed coding of {sid} as {CONSENSUS}: {', '.join(codes)}", actor=coder):
        for code in dict.fromkeys(c.strip() for c in codes):
            proj.code_segment(sid, code, coder=CONSENSUS)
    labels = ", ".join(data.code_label(proj, c) for c in dict.fromkeys(c.strip() for c in codes))
    return f"agreed coding of {data.turn_name(proj, sid)} recorded as {CONSENSUS}: {labels}"


#: The form value of "no code applies" on the Agreement screen (not a code key: keys have no spaces or brackets).
NO_CODE = "(no code)"


def _agree_no_code(proj, sid: str, coder: str, consensus: str = "consensus") -> str:
    """Record that no code applies to turn ``sid``: each code given there becomes a rejected coding by ``consensus``.

    A rejected coding of one's own says "considered, does not apply", so the
    turn counts as coded by ``consensus`` with no code (see docs/web.md); any
    earlier agreed codes of the turn are rejected too. One undoable action.
    """
    import pandas as pd

    if not proj.conn.execute("SELECT 1 FROM segments WHERE segment_id = ?", (sid,)).fetchone():
        raise BadRequest(f"turn {sid!r} is not in the project", status=404)
    rows = proj.conn.execute(
        "SELECT coding_id, code, coder FROM codings WHERE segment_id = ? AND status != 'rejected' ORDER BY coding_id", (sid,)
    ).fetchall()
    codes = list(dict.fromkeys(code for _, code, by in rows if by != consensus))
    earlier = [cid for cid, _, by in rows if by == consensus]
    if not codes and not earlier:
        raise BadRequest(f"turn {sid!r} has no codes to set aside")
    with proj.batch(f"agree: {coder} recorded that no code applies to {sid} (as {consensus})", actor=coder):
        if earlier:
            proj.reject(earlier, reviewer=coder)
        if codes:
            proj.add_codings(
                pd.DataFrame({"segment_id": sid, "code": codes, "coder": consensus, "method": "manual"}), status="rejected"
            )
    return f"agreed coding of {sid} recorded as {consensus}: no code applies"


WRITES = {
    "accept": do_accept,
    "reject": do_reject,
    "change": do_change,
    "code-span": do_code_span,
    "code-turn": do_code_turn,
    "memo": do_memo,
    "undo": do_undo,
    "agree": do_agree,
}


# --------------------------------------------------------------------- the endpoint
def _wants_json(request: Request) -> bool:
    return request.headers.get("x-requested-with", "").lower() == "fetch"


async def write(request: Request):
    """POST /action/{name}: validate, check CSRF and coder, write through the store, then redirect or answer JSON."""
    name = request.path_params["name"]
    session = request.state.session
    as_json = _wants_json(request)
    try:
        handler = WRITES.get(name)
        if handler is None:
            raise BadRequest(f"unknown action {name!r}", status=404)
        ctype = request.headers.get("content-type", "")
        if not (ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("multipart/form-data")):
            raise BadRequest("send the action as a form (application/x-www-form-urlencoded)", status=415)
        # CSRF before the form is parsed: the body is already read and counted (security.Guard)
        token = request.headers.get("x-csrf-token") or csrf_in_body(await request.body(), ctype)
        if not check_csrf(session, token):
            raise BadRequest("missing or wrong CSRF token: reload the page and try again", status=403)
        if not session.coder:
            raise BadRequest("name yourself as coder first (/coder)", status=403)
        form = await request.form(max_files=0, max_fields=200)
        app_state = request.app.state

        def run():
            proj = app_state.project.get()
            proj.last_action_id = None
            if handler is do_undo:
                return do_undo(proj, form, session.coder, session), None
            return handler(proj, form, session.coder), proj.last_action_id

        message, action_id = await run_in_threadpool(run)
        if action_id is not None:
            session.actions.append(action_id)
    except BadRequest as err:
        return _refuse(request, str(err), err.status, as_json)
    except StaleCodingError as err:
        return _refuse(request, f"{err}; reload the page to see the current state", 409, as_json)
    except InputError as err:
        return _refuse(request, str(err), 400, as_json)
    logger.info("%s: %s", session.coder, message)
    if as_json:
        return JSONResponse({"ok": True, "message": message})
    session.flash = message
    nxt = form.get("next")
    return RedirectResponse(safe_next(nxt if isinstance(nxt, str) else None), 303)


def _refuse(request: Request, message: str, status: int, as_json: bool):
    message = request.app.state.project.public(message)  # the server's folders are not shown
    logger.info("refused %s: %s", request.url.path, message)
    if as_json:
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    from .pages import render_error

    return render_error(request, message, status)

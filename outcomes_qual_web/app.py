"""The review web app: an ASGI (Starlette) application over one project file.

:func:`create_app` builds it; :mod:`outcomes_qual_web.server` runs it with
uvicorn. The project path is fixed when the app is made: the browser never
sends a file path. Each worker thread keeps its own SQLite connection to the
project (SQLite connections are per thread); every read sees the latest
committed state, so what one coder writes shows for another on reload.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from outcomes_qual.project import Project

from . import actions, pages
from .security import LOOPBACK_HOSTS, Guard, Sessions

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


class ProjectFile:
    """The project file the app serves; :meth:`get` gives this thread's open :class:`Project`."""

    def __init__(self, path):
        self.path = Path(path)
        with Project.open(self.path):  # fails now, with a clear message, if the file is not a project
            pass
        self.name = self.path.name
        self._local = threading.local()

    def public(self, message: str) -> str:
        """``message`` without the server's folders: the project file is named by its file name only."""
        for full in {str(self.path.resolve()), str(self.path.absolute()), str(self.path)}:
            if full != self.name:
                message = message.replace(full, self.name)
        return message

    def get(self) -> Project:
        """The calling thread's connection to the project (opened on first use)."""
        proj = getattr(self._local, "project", None)
        if proj is None:
            proj = Project.open(self.path, check=False)
            self._local.project = proj
        return proj


def transcript_link(transcript_id: str) -> str:
    """The address of a transcript's page: every character of the id encoded (``/`` too).

    An id a browser would resolve as a path step (``.`` or ``..``) goes in the query instead.

    Examples
    --------
    >>> transcript_link("fg 1/a?b#c%"), transcript_link(".."), transcript_link("Café")
    ('/t/fg%201%2Fa%3Fb%23c%25', '/t?id=..', '/t/Caf%C3%A9')
    """
    tid = str(transcript_id)
    if tid in ("", ".", ".."):
        return "/t?id=" + quote(tid, safe="")
    return "/t/" + quote(tid, safe="")


def role_class(role) -> str:
    """The CSS class of a speaker's role: ``role-`` and a slug of the role, always one class.

    A built-in role keeps its name (``role-senior``); a study's own group is
    lower-cased with every run of characters outside ``[a-z0-9-]`` turned into
    one ``-`` (``"R1 faculty"`` -> ``role-r1-faculty``), so that spaces, quotes
    or brackets in a roster's group never split or break the class attribute.

    Examples
    --------
    >>> role_class("senior"), role_class("R1 faculty"), role_class("Team Leader (North)")
    ('role-senior', 'role-r1-faculty', 'role-team-leader-north')
    >>> role_class(None), role_class("Équipe")
    ('role-unknown', 'role-quipe')
    """
    slug = re.sub(r"[^a-z0-9-]+", "-", str(role if role is not None else "unknown").lower()).strip("-")
    return "role-" + (slug or "group")


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("outcomes_qual_web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{v:.0f}%"
    env.filters["conf"] = lambda v: "?" if v is None else f"{v:.2f}"
    env.filters["num"] = lambda v, d=2: "" if v is None else f"{v:.{d}f}"
    env.filters["tlink"] = transcript_link
    env.filters["role_class"] = role_class
    env.filters["when"] = lambda v: str(v or "")[:16].replace("T", " ")  # ISO time to the minute
    return env


async def _not_found(request: Request, exc: Exception):
    status = getattr(exc, "status_code", 404)
    message = {404: "no such page", 405: "this address does not take that method"}.get(status, str(getattr(exc, "detail", exc)))
    if getattr(request.state, "session", None) is None:
        return PlainTextResponse(message, status_code=status)
    return pages.render_error(request, message, status)


async def _server_error(request: Request, exc: Exception):
    logger.exception("error serving %s", request.url.path)
    return HTMLResponse(
        "<!doctype html><title>Error</title><p>Something went wrong on the server; nothing was "
        "written by this request. The server's log has the details.</p>",
        status_code=500,
    )


def create_app(
    project_path,
    *,
    token: str | None = None,
    host: str = "127.0.0.1",
    show_names: bool = False,
    allowed_hosts=None,
    embed: bool = False,
) -> Starlette:
    """Build the review app for one project file.

    Parameters
    ----------
    project_path : path-like
        An outcomes_qual project file (``outcomes-qual project init``).
    token : str, optional
        Access token every request must carry (see :mod:`outcomes_qual_web.security`).
    host : str
        The address the server binds; the ``Host`` header must name it (or, on
        loopback, ``localhost``/``127.0.0.1``).
    show_names : bool, default False
        Show speakers' names next to role and pseudonymous id. By default
        speakers appear by role and participant id only.
    allowed_hosts : iterable of str, optional
        Override the accepted ``Host`` names (``["*"]`` accepts any).
    embed : bool, default False
        Allow pages on this machine (a Jupyter notebook) to show the app in an IFrame.

    Raises
    ------
    outcomes_qual.errors.InputError
        If ``project_path`` is not a readable, writable project file.
    """
    project = ProjectFile(project_path)
    if allowed_hosts is None:
        # bound to every interface, any name may reach it (a token is required then)
        allowed_hosts = {"*"} if host in ("0.0.0.0", "::") else {host, *LOOPBACK_HOSTS}
    routes = [
        Route("/", pages.home),
        Route("/coder", pages.coder_form, methods=["GET"]),
        Route("/coder", pages.coder_set, methods=["POST"]),
        Route("/t/{transcript_id:path}", pages.transcript),  # ids may hold "/" (sent as %2F)
        Route("/t", pages.transcript),  # ?id=..
        Route("/queue", pages.queue),
        Route("/codebook", pages.codebook),
        Route("/analysis/matrix", pages.matrix),
        Route("/analysis/agreement", pages.agreement),
        Route("/action/{name}", actions.write, methods=["POST"]),
        Route("/api/version", pages.version),
        Route("/favicon.ico", pages.favicon),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    sessions = Sessions()
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=token, allowed_hosts=allowed_hosts, sessions=sessions, embed=embed)],
        exception_handlers={404: _not_found, 405: _not_found, Exception: _server_error},
    )
    app.state.project = project
    app.state.sessions = sessions
    app.state.templates = _templates()
    app.state.show_names = bool(show_names)
    app.state.token = token
    return app

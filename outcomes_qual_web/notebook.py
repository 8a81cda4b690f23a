"""``outcomes_qual_web.review(project)``: the browser review screen inside Jupyter.

It lives in the web package, which sits above the library: ``outcomes_qual``
never imports ``outcomes_qual_web`` (``outcomes_qual.project.review``, its
old place, now raises an ImportError that names this one). It starts the
review server on a free loopback port in a background thread of the kernel
and returns a handle that Jupyter displays as an IFrame onto it; the call
returns at once and needs no browser of its own. Call ``.stop()`` on the
handle when done (the server also stops with the kernel). docs/web.md says
why an IFrame onto a server rather than a widget.

Examples
--------
>>> ReviewHandle.__name__
'ReviewHandle'
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from .server import BackgroundServer

_SERVERS: dict[Path, BackgroundServer] = {}


class ReviewHandle:
    """A running review server, shown by Jupyter as an IFrame.

    Attributes
    ----------
    url : str
        The address of the review app (open it in a browser tab as well).
    """

    def __init__(self, server, *, path: str = "/", width: str = "100%", height: int = 720):
        self.server = server
        self.url = server.base.replace("127.0.0.1", "localhost") + path
        self.width, self.height = width, int(height)

    def _repr_html_(self) -> str:
        return (
            f'<iframe src="{html.escape(self.url)}" width="{html.escape(str(self.width))}" '
            f'height="{self.height}" style="border:1px solid #ccc"></iframe>'
            f'<p>outcomes_qual review at <a href="{html.escape(self.url)}" target="_blank">'
            f"{html.escape(self.url)}</a></p>"
        )

    def __repr__(self) -> str:
        state = "running" if self.server.running else "stopped"
        return f"ReviewHandle({self.url}, {state})"

    def stop(self) -> None:
        """Stop the background server."""
        self.server.stop()
        for key, value in list(_SERVERS.items()):
            if value is self.server:
                del _SERVERS[key]


def review(
    project, *, transcript: str | None = None, width: str = "100%", height: int = 720, show_names: bool = False
) -> ReviewHandle:
    """Show the review web app for ``project`` in a notebook (an IFrame onto a background server).

    Parameters
    ----------
    project : Project or path-like
        An open project (its file is served) or a project file.
    transcript : str, optional
        Open this transcript's view instead of the project home.
    width, height
        Size of the IFrame.
    show_names : bool, default False
        Show speakers' names (by default role and pseudonymous id only).

    Returns
    -------
    ReviewHandle
        Displays as the IFrame; ``.url`` is the address, ``.stop()`` stops the server.
        Calling ``review`` again for the same file reuses the running server.

    Raises
    ------
    outcomes_qual.errors.InputError
        When the file is not a project. (Without the ``web`` extra,
        ``import outcomes_qual_web`` itself fails with what to install.)

    Examples
    --------
    In a notebook cell (``.stop()`` when done)::

        from outcomes_qual_web import review
        view = review("study.sqlite")
        view
    """
    path = Path(getattr(project, "path", project) if not isinstance(project, (str, os.PathLike)) else project)
    path = path.resolve()
    server = _SERVERS.get(path)
    if server is None or not server.running:
        server = BackgroundServer(path, show_names=show_names, embed=True).start()
        _SERVERS[path] = server
    where = "/" if transcript is None else "/t/" + str(transcript)
    return ReviewHandle(server, path=where, width=width, height=height)

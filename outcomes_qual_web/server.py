"""Run the review app with uvicorn: in the foreground (``outcomes-qual serve``) or in a background thread.

Binding anything but loopback needs a token: one is generated (and printed)
when none is given. :class:`BackgroundServer` is what notebooks and tests
use: it starts uvicorn on a free loopback port in a daemon thread, waits until
it answers, and :meth:`BackgroundServer.stop` shuts it down.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
import webbrowser

from outcomes_qual.errors import InputError

from .app import create_app
from .security import LOOPBACK_HOSTS, TOKEN_RE

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def resolve_token(host: str, token: str | None) -> str | None:
    """The token to require: the given one, a generated one off loopback, or None on loopback.

    Examples
    --------
    >>> resolve_token("127.0.0.1", None) is None, resolve_token("127.0.0.1", "abcdefgh")
    (True, 'abcdefgh')
    >>> resolve_token("127.0.0.1", "abc;defgh")
    Traceback (most recent call last):
    ...
    outcomes_qual.errors.InputError: --token: expected 8-200 characters from A-Z a-z 0-9 . _ ~ -
    (so that the link needs no encoding), got 9 character(s) with others
    >>> len(resolve_token("0.0.0.0", None)) >= 20
    True
    """
    if token is not None:
        token = str(token).strip()
        if not TOKEN_RE.match(token):
            raise InputError(
                "--token: expected 8-200 characters from A-Z a-z 0-9 . _ ~ - (so that the link "
                f"needs no encoding), got {len(token)} character(s) with others"
            )
        return token
    return None if is_loopback(host) else secrets.token_urlsafe(24)


def url_for(host: str, port: int, token: str | None) -> str:
    """The address to open (with the token when there is one: a reusable link, valid while the server runs)."""
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = socket.gethostname()
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _config(app, host: str, port: int, log_level: str):
    import uvicorn

    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off", server_header=False, proxy_headers=False
    )


def serve(
    project,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    open_browser: bool = False,
    show_names: bool = False,
    log_level: str = "warning",
    announce=print,
) -> int:
    """Serve ``project`` until interrupted (what ``outcomes-qual serve`` runs); return 0."""
    import uvicorn

    token = resolve_token(host, token)
    app = create_app(project, token=token, host=host, show_names=show_names)
    url = url_for(host, port, token)
    announce(f"outcomes_qual review: {app.state.project.path} at {url}")
    if token:
        announce(
            "every request needs the token; the link above is a reusable link that signs a browser in "
            "for as long as this server runs. Share it only with your team."
        )
    announce("press Ctrl+C to stop")
    server = uvicorn.Server(_config(app, host, port, log_level))
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    server.run()
    return 0


class BackgroundServer:
    """The review app served from a daemon thread on loopback.

    Parameters
    ----------
    project : path-like
    port : int, optional
        Default: a free port.
    token, show_names
        As for :func:`serve`.
    embed : bool, default False
        Let a notebook on this machine show the app in an IFrame.

    Attributes
    ----------
    url : str
        The address (with the token link when there is a token).
    base : str
        ``http://127.0.0.1:PORT``.
    """

    def __init__(
        self,
        project,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        token: str | None = None,
        show_names: bool = False,
        log_level: str = "warning",
        embed: bool = False,
    ):
        if not is_loopback(host):
            raise InputError("BackgroundServer binds loopback only; use `outcomes-qual serve` for a team server")
        import uvicorn

        self.token = token
        self.app = create_app(project, token=token, host=host, show_names=show_names, embed=embed)
        self.port = port or free_port(host)
        self.host = host
        self.base = f"http://{host}:{self.port}"
        self.url = url_for(host, self.port, token)
        self._server = uvicorn.Server(_config(self.app, host, self.port, log_level))
        self._thread = threading.Thread(target=self._server.run, name=f"outcomes_qual-web-{self.port}", daemon=True)

    def start(self, timeout: float = 20.0) -> "BackgroundServer":
        """Start serving and wait (at most ``timeout`` seconds) until the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._server.started:
                return self
            if not self._thread.is_alive():
                break
            time.sleep(0.05)
        raise RuntimeError(f"the review server did not start on {self.base}")

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the server thread runs."""
        return self._thread.is_alive()

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"BackgroundServer({self.base}, {'running' if self.running else 'stopped'})"

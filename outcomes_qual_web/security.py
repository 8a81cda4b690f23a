"""Access control for the review server: host check, access token, browser sessions, CSRF.

One pure-ASGI middleware, :class:`Guard`, runs before every route:

- **Host check.** The ``Host`` header must name the address the server was
  started for (plus ``localhost`` / ``127.0.0.1`` on loopback). This stops a
  web page elsewhere from reaching a loopback server through DNS rebinding.
- **Access token.** When the server has a token (needed to bind anything but
  loopback), every request must carry it: the one-time link
  ``/?token=T`` sets an ``HttpOnly`` cookie and redirects to the same page
  without the token; without the cookie (or an ``Authorization: Bearer T``
  header, for scripts) the request gets 401 and nothing runs.
- **Sessions.** Each browser gets a random session id (cookie
  ``oq_session``); the session remembers the coder's name and a CSRF token.
  Sessions live in the server's memory only.
- **Size.** A request body over :data:`MAX_BODY` bytes is refused (413).
- **Security headers.** A strict Content-Security-Policy (scripts and styles
  only from the server itself, no inline script), ``nosniff``, no referrer,
  and no framing except by the same origin (or, for a server embedded in a
  notebook, by pages on this machine).

Examples
--------
>>> valid_coder_name("ana"), valid_coder_name("  Ana B.  ")
('ana', 'Ana B.')
>>> valid_coder_name("<script>") is None, valid_coder_name("") is None
(True, True)
>>> safe_next("/t/fg1#turn-3"), safe_next("//evil.example/"), safe_next("https://evil.example/")
('/t/fg1#turn-3', '/', '/')
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

SESSION_COOKIE = "oq_session"
TOKEN_COOKIE = "oq_token"

_CODER_RE = re.compile(r"^[\w][\w .@'-]{0,39}$", re.UNICODE)

#: Content-Security-Policy of every response: nothing from outside, no inline script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")

#: Pages that may frame the app when it is embedded in a notebook (Jupyter on this machine).
EMBED_ANCESTORS = "'self' http://localhost:* http://127.0.0.1:*"

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

#: Largest request body accepted (a memo is at most 20,000 characters).
MAX_BODY = 1_000_000


def valid_coder_name(name: str | None) -> str | None:
    """The coder's name stripped, or None when it is not 1-40 letters, digits, spaces or ``.@'-_``."""
    if name is None:
        return None
    name = " ".join(str(name).split())
    return name if _CODER_RE.match(name) else None


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target that stays on this server (a path starting with one ``/``), else ``default``."""
    if not target or not isinstance(target, str):
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@dataclass
class Session:
    """One browser session: its coder (None until named) and its CSRF token."""

    sid: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    coder: str | None = None
    flash: str | None = None


class Sessions:
    """In-memory session table, safe to use from the server's worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Session] = {}

    def get_or_create(self, sid: str | None) -> tuple[Session, bool]:
        with self._lock:
            if sid and sid in self._by_id:
                return self._by_id[sid], False
            session = Session(secrets.token_urlsafe(24))
            self._by_id[session.sid] = session
            return session, True


def _cookies(scope) -> dict[str, str]:
    jar = SimpleCookie()
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is ignored, not fatal
                continue
    return {k: m.value for k, m in jar.items()}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie_header(name: str, value: str) -> tuple[bytes, bytes]:
    return b"set-cookie", f"{name}={value}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")


async def _plain(send, status: int, message: str, headers: list | None = None) -> None:
    body = message.encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: host check, token, session cookie and security headers.

    Parameters
    ----------
    app : ASGI app
    token : str or None
        The access token every request must carry, or None (loopback only).
    allowed_hosts : iterable of str
        Host names accepted in the ``Host`` header (without port).
    sessions : Sessions
    """

    def __init__(self, app, *, token: str | None, allowed_hosts, sessions: Sessions, embed: bool = False):
        self.app = app
        self.embed = embed
        self.csp = CSP.format(ancestors=EMBED_ANCESTORS if embed else "'self'").encode()
        self.token = token
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.sessions = sessions

    def _host_ok(self, scope) -> bool:
        if "*" in self.allowed_hosts:
            return True
        host = (_header(scope, b"host") or "").lower()
        if host.startswith("["):
            name = host.split("]")[0] + "]"
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name in self.allowed_hosts or name.strip("[]") in self.allowed_hosts

    def _token_ok(self, cookies: dict[str, str], scope) -> bool:
        if self.token is None:
            return True
        given = cookies.get(TOKEN_COOKIE) or ""
        auth = _header(scope, b"authorization") or ""
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not self._host_ok(scope):
            return await _plain(send, 400, "Bad request: unexpected Host header (this server only answers "
                                           "to the address it was started on).")
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await _plain(send, 413, f"Request too large: at most {MAX_BODY} bytes.")
        cookies = _cookies(scope)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        if self.token is not None and "token" in query:
            if not hmac.compare_digest(query["token"].encode(), self.token.encode()):
                return await _plain(send, 401, "Unauthorised: this link's access token is wrong; use the link "
                                               "the server printed.")
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = safe_next(scope.get("path", "/")) + (f"?{rest}" if rest else "")
            return await _plain(send, 303, "Signed in; continue to " + location, [
                (b"location", location.encode("latin-1", "replace")), _cookie_header(TOKEN_COOKIE, self.token),
            ])
        if not self._token_ok(cookies, scope):
            return await _plain(send, 401, "Unauthorised: this server needs its access token. Open the link "
                                           "it printed (http://HOST:PORT/?token=...).")
        session, new = self.sessions.get_or_create(cookies.get(SESSION_COOKIE))
        scope.setdefault("state", {})["session"] = session

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", self.csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                if not self.embed:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                if new:
                    headers.append(_cookie_header(SESSION_COOKIE, session.sid))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def check_csrf(session: Session, given: str | None) -> bool:
    """True when ``given`` is this session's CSRF token (constant-time comparison)."""
    return bool(given) and hmac.compare_digest(str(given).encode(), session.csrf.encode())

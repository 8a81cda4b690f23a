"""Access control for the review server: host check, access token, browser sessions, CSRF.

One pure-ASGI middleware, :class:`Guard`, runs before every route:

- **Host check.** The ``Host`` header must name the address the server was
  started for (plus ``localhost`` / ``127.0.0.1`` on loopback). This stops a
  web page elsewhere from reaching a loopback server through DNS rebinding.
- **Access token.** When the server has a token (needed to bind anything but
  loopback), every request must carry it: the reusable link
  ``/?token=T`` sets an ``HttpOnly`` cookie and redirects to the same page
  without the token; without the cookie (or an ``Authorization: Bearer T``
  header, for scripts) the request gets 401 and nothing runs.
- **Sessions.** Each browser gets a random session id (cookie
  ``oq_session_PORT``) when it first loads a page; the session remembers the
  coder's name, a CSRF token and the actions this browser made (the only ones
  its Undo may reverse). Sessions live in the server's memory only, expire
  after :data:`SESSION_IDLE_S` seconds unused, and at most
  :data:`MAX_SESSIONS` are kept. Cookies are ``SameSite=Lax`` and their names
  carry the server's port, so two servers on one host keep separate sign-ins.
- **Size.** A request body over :data:`MAX_BODY` bytes is refused (413),
  counted as it arrives (a chunked body too), before anything parses it.
- **Other protocols.** Websocket scopes are refused.
- **Security headers.** A strict Content-Security-Policy (scripts and styles
  only from the server itself, no inline script), ``nosniff``, no referrer,
  and no framing except by the same origin (or, for a server embedded in a
  notebook, by pages on this machine).

Examples
--------
>>> valid_coder_name("ana"), valid_coder_name("  Ana B.  ")
('ana', 'Ana B.')
>>> name_key("Ａna ") == name_key("ana"), name_key("Outcomes_QUAL") in RESERVED_KEYS
(True, True)
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
import time
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode

SESSION_COOKIE = "oq_session"
TOKEN_COOKIE = "oq_token"

#: Names a person cannot sign in as: the machine coder's default name and the agreed coding's.
RESERVED_NAMES: tuple[str, ...] = ("outcomes_qual", "consensus")

#: Seconds a session may go unused before it is forgotten (the coder signs in again).
SESSION_IDLE_S: float = 12 * 3600.0

#: Most sessions kept; beyond it the least recently used is forgotten.
MAX_SESSIONS: int = 2000

#: Characters an access token may contain (URL-safe, so the link needs no encoding).
TOKEN_RE = re.compile(r"^[A-Za-z0-9._~-]{8,200}$")

_CODER_RE = re.compile(r"^[\w][\w .@'-]{0,39}$", re.UNICODE)

#: Content-Security-Policy of every response: nothing from outside, no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)

#: Pages that may frame the app when it is embedded in a notebook: Jupyter on this machine (opened at
#: localhost or 127.0.0.1) and VS Code's notebook outputs (a ``vscode-webview:`` page).
EMBED_ANCESTORS = "'self' http://localhost:* http://127.0.0.1:* vscode-webview:"

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

#: Largest request body accepted (a memo is at most 20,000 characters).
MAX_BODY = 1_000_000


def valid_coder_name(name: str | None) -> str | None:
    """The coder's name (NFC, spaces collapsed), or None when it is not 1-40 letters, digits, spaces or ``.@'-_``."""
    if name is None:
        return None
    name = unicodedata.normalize("NFC", " ".join(str(name).split()))
    return name if _CODER_RE.match(name) else None


def name_key(name: str) -> str:
    """What two names must differ in to be told apart: casefolded, NFKC, without spaces at the ends."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", str(name)).casefold()).strip()


RESERVED_KEYS = frozenset(name_key(n) for n in RESERVED_NAMES)


def check_coder_name(name: str | None, *, machines=(), existing=()) -> tuple[str | None, str | None]:
    """``(name, None)`` when a person may sign in as ``name``, else ``(None, reason)``.

    Parameters
    ----------
    name : str
        As typed.
    machines : iterable of str
        Machine coders' names in the project (reserved, like :data:`RESERVED_NAMES`).
    existing : iterable of str
        People's names already in the project or signed in: a name that only
        differs from one of them in case, width or compatibility characters is
        refused (``Ana`` when ``ana`` exists), the exact name is fine.

    Examples
    --------
    >>> check_coder_name("ana", existing=["ana"])
    ('ana', None)
    >>> check_coder_name("Ana", existing=["ana"])[1]
    "too close to the coder name 'ana' already in the project; sign in as exactly 'ana' or choose another name"
    >>> check_coder_name("keyword", machines=["keyword"])[1]
    "'keyword' is a machine coder's name (reserved); sign in with your own name"
    """
    valid = valid_coder_name(name)
    if valid is None:
        return None, "A coder name is 1-40 letters, digits, spaces or . @ ' - _"
    key = name_key(valid)
    if key in RESERVED_KEYS or key in {name_key(m) for m in machines}:
        return None, f"{valid!r} is a machine coder's name (reserved); sign in with your own name"
    for other in existing:
        if other != valid and name_key(other) == key:
            return None, (
                f"too close to the coder name {other!r} already in the project; sign in as exactly "
                f"{other!r} or choose another name"
            )
    return valid, None


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target that stays on this server (a path starting with one ``/``), else ``default``."""
    if not target or not isinstance(target, str):
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@dataclass
class Session:
    """One browser session: its coder (None until named), its CSRF token and the actions it made."""

    sid: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    coder: str | None = None
    flash: str | None = None
    #: Action ids of this session's writes, oldest first (what its Undo may reverse).
    actions: list = field(default_factory=list)
    last_used: float = field(default_factory=time.monotonic)


class Sessions:
    """In-memory session table, safe to use from the server's worker threads.

    Sessions unused for ``idle`` seconds are forgotten, and at most ``limit``
    are kept (the least recently used goes first).
    """

    def __init__(self, *, idle: float = SESSION_IDLE_S, limit: int = MAX_SESSIONS) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Session] = {}
        self.idle, self.limit = idle, limit

    def __len__(self) -> int:
        return len(self._by_id)

    def _expire(self, now: float) -> None:
        for sid in [s for s, v in self._by_id.items() if now - v.last_used > self.idle]:
            del self._by_id[sid]
        while len(self._by_id) >= self.limit:
            del self._by_id[min(self._by_id, key=lambda s: self._by_id[s].last_used)]

    def get(self, sid: str | None) -> Session | None:
        """The live session with id ``sid`` (its use time refreshed), or None."""
        now = time.monotonic()
        with self._lock:
            session = self._by_id.get(sid) if sid else None
            if session is None or now - session.last_used > self.idle:
                return None
            session.last_used = now
            return session

    def create(self) -> Session:
        """A new session (expired ones are dropped first)."""
        with self._lock:
            self._expire(time.monotonic())
            session = Session(secrets.token_urlsafe(24))
            self._by_id[session.sid] = session
            return session

    def get_or_create(self, sid: str | None) -> tuple[Session, bool]:
        """The live session ``sid``, else a new one; and whether it is new."""
        session = self.get(sid)
        return (session, False) if session is not None else (self.create(), True)

    def coders(self) -> set[str]:
        """Names the live sessions signed in as."""
        with self._lock:
            return {s.coder for s in self._by_id.values() if s.coder}


def parse_cookies(header_values) -> dict[str, str]:
    """Cookies of the request, parsed leniently: a malformed cookie of another app is skipped, not fatal.

    Examples
    --------
    >>> parse_cookies(['other={"a": 1}; bad value; x=é; oq_session_8765=abc', 'y=1'])["oq_session_8765"]
    'abc'
    """
    out: dict[str, str] = {}
    for header in header_values:
        for part in header.split(";"):
            name, eq, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not eq or not name or name in out:
                continue
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            out[name] = value
    return out


def _cookies(scope) -> dict[str, str]:
    return parse_cookies(v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"cookie")


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie_headers(name: str, value: str, embed: bool) -> list[tuple[bytes, bytes]]:
    """``Set-Cookie`` headers: a ``SameSite=Lax`` cookie, and for a frame in a notebook a second one.

    A notebook opened at another host name than the frame (Jupyter at
    127.0.0.1 framing localhost, or VS Code's webview) makes the frame
    cross-site, where a Lax cookie is neither stored nor sent. The second
    cookie (``NAME_x``: ``SameSite=None; Secure; Partitioned``) is kept by
    browsers that treat loopback http as secure (Chromium, Firefox), in the
    notebook's partition only; a browser that refuses it still has the first.
    """
    out = [(b"set-cookie", f"{name}={value}; Path=/; HttpOnly; SameSite=Lax".encode("latin-1"))]
    if embed:
        out.append((b"set-cookie", f"{name}_x={value}; Path=/; HttpOnly; SameSite=None; Secure; Partitioned".encode("latin-1")))
    return out


def _cookie(cookies: dict[str, str], name: str) -> str | None:
    return cookies.get(name) or cookies.get(name + "_x")


def _body_too_large() -> str:
    return f"Request too large: at most {MAX_BODY} bytes."


async def _plain(send, status: int, message: str, headers: list | None = None) -> None:
    body = message.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
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

    def _token_ok(self, given: str | None, scope) -> bool:
        if self.token is None:
            return True
        given = given or ""
        auth = _header(scope, b"authorization") or ""
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        return hmac.compare_digest(given.encode(), self.token.encode())

    @staticmethod
    def cookie_names(scope) -> tuple[str, str]:
        """(session, token) cookie names for the port this request came in on."""
        server = scope.get("server") or (None, None)
        suffix = f"_{server[1]}" if server and server[1] else ""
        return SESSION_COOKIE + suffix, TOKEN_COOKIE + suffix

    async def __call__(self, scope, receive, send):
        """Check host, token and body size, read a POST's body, attach the session, then add the security headers."""
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # websockets and anything else: refused, nothing runs
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return None
        if not self._host_ok(scope):
            return await _plain(
                send, 400, "Bad request: unexpected Host header (this server only answers to the address it was started on)."
            )
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await _plain(send, 413, _body_too_large())
        session_name, token_name = self.cookie_names(scope)
        cookies = _cookies(scope)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        if self.token is not None and "token" in query:
            if not hmac.compare_digest(query["token"].encode(), self.token.encode()):
                return await _plain(
                    send, 401, "Unauthorised: this link's access token is wrong; use the link the server printed."
                )
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            raw = scope.get("raw_path") or quote(scope.get("path", "/")).encode()
            location = safe_next(raw.decode("latin-1")) + (f"?{rest}" if rest else "")
            return await _plain(
                send,
                303,
                "Signed in; continue to " + location,
                [
                    (b"location", location.encode("latin-1", "replace")),
                    *_cookie_headers(token_name, self.token, self.embed),
                ],
            )
        if not self._token_ok(_cookie(cookies, token_name), scope):
            return await _plain(
                send,
                401,
                "Unauthorised: this server needs its access token. Open the link it printed (http://HOST:PORT/?token=...).",
            )
        if scope.get("method") not in ("GET", "HEAD"):
            # read the body here, counting bytes as they arrive (a chunked body has no Content-Length)
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                body = message.get("body", b"")
                size += len(body)
                if size > MAX_BODY:
                    return await _plain(send, 413, _body_too_large(), [(b"connection", b"close")])
                chunks.append(body)
                if not message.get("more_body", False):
                    break
            buffered = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
            client_receive = receive

            async def receive():  # the app reads the counted body, then waits as usual
                return buffered.pop() if buffered else await client_receive()

        session = self.sessions.get(_cookie(cookies, session_name))
        new = False
        path = scope.get("path", "/")
        if session is None and scope.get("method") in ("GET", "HEAD") and not path.startswith(("/static/", "/api/")):
            session, new = self.sessions.create(), True  # sessions are made for pages only
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
                    headers += _cookie_headers(session_name, session.sid, self.embed)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def check_csrf(session: Session | None, given: str | None) -> bool:
    """True when ``given`` is this session's CSRF token (constant-time comparison); False without a session."""
    return session is not None and bool(given) and hmac.compare_digest(str(given).encode(), session.csrf.encode())


def csrf_in_body(body: bytes, content_type: str) -> str | None:
    r"""The ``csrf`` field of a form body, found without parsing the rest of the form.

    Examples
    --------
    >>> csrf_in_body(b"next=%2F&csrf=a%2Bb&text=x", "application/x-www-form-urlencoded")
    'a+b'
    >>> body = b'--B\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nabc\r\n--B--'
    >>> csrf_in_body(body, "multipart/form-data; boundary=B")
    'abc'
    """
    if content_type.startswith("application/x-www-form-urlencoded"):
        m = re.search(rb"(?:^|&)csrf=([^&]*)", body)
        return unquote(m.group(1).replace(b"+", b" ").decode("latin-1")) if m else None
    if content_type.startswith("multipart/form-data"):
        m = re.search(rb'name="csrf"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]{1,200})\r\n', body)
        return m.group(1).decode("latin-1") if m else None
    return None

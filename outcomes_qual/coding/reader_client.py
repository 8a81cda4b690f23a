r"""The reader coder's HTTP side: an OpenAI-compatible chat-completions client that trusts nothing.

Only the standard library is used (``urllib.request``). The client

- refuses a URL that is not on this machine (loopback) before any
  connection is made, unless ``allow_remote=True`` (:func:`check_url`);
- never goes through a proxy (``http_proxy`` and friends are ignored), so a
  loopback URL really stays on this machine;
- asks for a JSON object (``response_format: {"type": "json_object"}``); a
  server that refuses that form with HTTP 400 naming ``response_format`` (LM
  Studio accepts only ``json_schema``) is asked again at once with the
  contract's JSON schema (:data:`CODINGS_SCHEMA`), and the client keeps that form;
- reads an API key from an environment variable at request time and sends it
  only in the ``Authorization`` header: it is never stored on the object,
  logged or written to a file;
- retries HTTP errors (5xx, 408, 429), time-outs, connection failures,
  replies that are not JSON and replies cut off mid-JSON, with exponential
  back-off, up to ``max_retries`` times, then raises :class:`ReaderRequestError`.

Examples
--------
>>> check_url("http://127.0.0.1:11434/v1")
'http://127.0.0.1:11434/v1'
>>> check_url("http://localhost:8080/v1/")
'http://localhost:8080/v1'
>>> check_url("https://api.example.org/v1")
Traceback (most recent call last):
...
outcomes_qual.errors.InputError: reader URL 'https://api.example.org/v1': host 'api.example.org' is not on this machine
(loopback); text would leave it. Give allow_remote=True (--allow-remote) to send pseudonymised turns there
>>> parse_json_object('{"codings": []}')
{'codings': []}
>>> parse_json_object('```json\n{"codings": []}\n```')
{'codings': []}
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..errors import InputError

logger = logging.getLogger(__name__)

#: HTTP statuses worth asking again (the server may be busy or restarting).
RETRY_STATUSES: frozenset[int] = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


#: The answer's JSON schema, sent as ``response_format`` to servers that refuse ``json_object``.
CODINGS_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "codings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "code": {"type": "string"}, "evidence": {"type": "string"}},
                "required": ["id", "code", "evidence"],
            },
        }
    },
    "required": ["codings"],
}


class _FormatRefused(Exception):
    """The server refused ``response_format: json_object`` (HTTP 400 naming it)."""


class ReaderRequestError(RuntimeError):
    """A request that failed for good (after its retries); ``reason`` says why, in one line."""

    def __init__(self, reason: str, *, attempts: int):
        self.reason = reason
        self.attempts = attempts
        super().__init__(f"{reason} (after {attempts} attempt{'s' if attempts != 1 else ''})")


class _Retryable(Exception):
    """One failed attempt that may succeed when tried again."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``); no name is looked up.

    Examples
    --------
    >>> [is_loopback_host(h) for h in ("localhost", "127.0.0.1", "127.3.2.1", "::1", "10.0.0.2", "example.org")]
    [True, True, True, True, False, False]
    """
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_remote: bool = False) -> str:
    """Check a reader base URL (``http(s)://host:port/v1``) and return it without a trailing slash.

    Raises
    ------
    InputError
        When the URL is not http(s), has no host, or names a host that is not
        loopback and ``allow_remote`` is False. Nothing is connected to.
    """
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"reader URL: expected http://HOST:PORT/v1 (e.g. http://127.0.0.1:11434/v1), got {url!r}")
    url = url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"reader URL {url!r}: expected http://HOST:PORT/v1 (e.g. http://127.0.0.1:11434/v1)")
    if parts.username or parts.password:
        raise InputError(
            f"reader URL: put no user name or password in the URL (use an API key environment variable), "
            f"got one for host {parts.hostname!r}"
        )
    if not allow_remote and not is_loopback_host(parts.hostname):
        raise InputError(
            f"reader URL {url!r}: host {parts.hostname!r} is not on this machine (loopback); text would leave it. "
            "Give allow_remote=True (--allow-remote) to send pseudonymised turns there"
        )
    return url


def url_host(url: str) -> str:
    """``scheme://host:port`` of ``url`` (what a run reports as where the text goes).

    Examples
    --------
    >>> url_host("http://127.0.0.1:8080/v1")
    'http://127.0.0.1:8080'
    """
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def parse_json_object(content: str) -> dict:
    """The JSON object in a model's reply (a Markdown code fence around it is tolerated).

    Raises
    ------
    ValueError
        When the reply is not one complete JSON object (not JSON, or cut off).
    """
    text = (content or "").strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


@dataclass
class ChatReply:
    """What one successful request returned."""

    answer: dict
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1


class ChatClient:
    """POST ``{url}/chat/completions`` with retries; see the module docstring.

    Parameters
    ----------
    url : str
        Base URL, e.g. ``http://127.0.0.1:11434/v1`` (checked by :func:`check_url`).
    model : str
    allow_remote : bool, default False
    api_key_env : str or None
        Name of the environment variable holding the API key (read per request).
    timeout : float, default 120
        Seconds per attempt.
    max_retries : int, default 4
        Attempts after the first one.
    backoff : float, default 1.0
        Seconds before the first retry; doubled each time (capped at 30 s).
    temperature : float, default 0.0
    max_tokens : int or None
    """

    def __init__(
        self,
        url: str,
        model: str,
        *,
        allow_remote: bool = False,
        api_key_env: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ):
        self.url = check_url(url, allow_remote=allow_remote)
        self.endpoint = self.url + "/chat/completions"
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.temperature = temperature
        self.max_tokens = max_tokens
        # no proxy: a loopback URL must not be routed through one, and a remote one goes where it says
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        #: ``"json_object"``, or ``"json_schema"`` once the server refused the first
        self.response_format = "json_object"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if key:
                headers["Authorization"] = "Bearer " + key
        return headers

    def body(self, messages: list[dict]) -> bytes:
        """The request body for ``messages`` (JSON, UTF-8)."""
        fmt = (
            {"type": "json_object"}
            if self.response_format == "json_object"
            else {"type": "json_schema", "json_schema": {"name": "codings", "schema": CODINGS_SCHEMA}}
        )
        payload = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "response_format": fmt,
            "stream": False,
        }
        if self.max_tokens:
            payload["max_tokens"] = int(self.max_tokens)
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def _attempt(self, data: bytes) -> ChatReply:
        request = urllib.request.Request(self.endpoint, data=data, headers=self._headers(), method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            status = err.code
            try:
                detail = err.read(2000).decode("utf-8", "replace")
            except Exception:  # pragma: no cover - a body that cannot be read
                detail = ""
            err.close()
            if status == 400 and "response_format" in detail and self.response_format == "json_object":
                raise _FormatRefused() from None
            if status in RETRY_STATUSES or status >= 500:
                raise _Retryable(f"HTTP {status}") from None
            hint = (
                " (check the API key environment variable)"
                if status in (401, 403)
                else " (check the URL and the model name)"
                if status in (404, 400)
                else ""
            )
            raise ReaderRequestError(f"HTTP {status} from {self.endpoint}{hint}", attempts=1) from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise _Retryable(f"no answer from {self.endpoint} ({reason})") from None
        try:
            body = json.loads(raw.decode("utf-8"))
            choice = body["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
            raise _Retryable("reply is not a chat completion (not JSON, or cut off)") from None
        try:
            answer = parse_json_object(content)
        except (ValueError, TypeError):
            cut = " (cut off at max_tokens)" if choice.get("finish_reason") == "length" else ""
            raise _Retryable(f"model's answer is not one JSON object{cut}") from None
        usage = body.get("usage") or {}
        return ChatReply(answer, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))

    def chat(self, messages: list[dict]) -> ChatReply:
        """Send ``messages``; return the parsed JSON answer, retrying as the module docstring says.

        Raises
        ------
        ReaderRequestError
            When every attempt failed, or at once on an HTTP error that asking again cannot mend (400, 401, 404...).
        """
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(min(30.0, self.backoff * 2 ** (attempt - 1)))
            try:
                try:
                    reply = self._attempt(self.body(messages))
                except _FormatRefused:
                    logger.warning(
                        "reader: the server refused response_format json_object; asking with the codings JSON schema instead"
                    )
                    self.response_format = "json_schema"
                    reply = self._attempt(self.body(messages))
            except _Retryable as err:
                last = str(err)
                logger.info("reader: attempt %d failed: %s", attempt + 1, last)
                continue
            except ReaderRequestError as err:
                err.attempts = attempt + 1
                raise
            reply.attempts = attempt + 1
            return reply
        raise ReaderRequestError(last, attempts=self.max_retries + 1)

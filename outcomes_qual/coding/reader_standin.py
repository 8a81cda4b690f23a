r"""A stand-in reading model: a tiny chat-completions server on loopback that answers under the reader contract.

It lets anyone check the reader pipeline end to end without a model: it
reads the turns of each request (one ``{"id", "text"}`` JSON line each, as
:func:`~outcomes_qual.coding.reader_prompt.user_prompt` writes them) and
answers ``{"codings": [...]}`` from a function of those turns, for example
:func:`replay`, which answers the codes of an existing codings table (a
person's coding) with a verbatim span of each turn as evidence. Faults can be
injected per request (HTTP 500, a reply that is not JSON, a reply cut off
mid-JSON, a hang), to see that the reader retries them. The tests and
``benchmarks/reader_fidelity.py`` use it; it binds 127.0.0.1 only.

Examples
--------
>>> import json, urllib.request
>>> with StandinServer(lambda turns: [{"id": i, "code": "time", "evidence": t[:5]} for i, t in turns]) as server:
...     content = 'x\n{"id": "a", "text": "Never enough time"}'
...     body = json.dumps({"model": "m", "messages": [{"role": "user", "content": content}]})
...     req = urllib.request.Request(server.url + "/chat/completions", data=body.encode(), method="POST")
...     reply = json.loads(urllib.request.urlopen(req, timeout=5).read())
>>> json.loads(reply["choices"][0]["message"]["content"])
{'codings': [{'id': 'a', 'code': 'time', 'evidence': 'Never'}]}
>>> [t for t, _ in server.turns_seen]
['a']
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Faults :class:`StandinServer` can inject (what ``fault(n, turns)`` may return).
FAULTS: tuple[str, ...] = ("http500", "not_json", "cut", "bad_body", "hang")


def turns_in(messages) -> list[tuple[str, str]]:
    """The ``(id, text)`` turns written in a request's user messages (lines that are ``{"id", "text"}`` objects)."""
    turns = []
    for message in messages or []:
        if message.get("role") != "user":
            continue
        for line in str(message.get("content", "")).splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and "id" in row and "text" in row:
                turns.append((str(row["id"]), str(row["text"])))
    return turns


def evidence_span(text: str, *, words: int = 12) -> str:
    """A verbatim span of ``text``: its first ``words`` words (whitespace normalised).

    Examples
    --------
    >>> evidence_span("One two   three", words=2)
    'One two'
    """
    return " ".join(str(text).split()[:words])


def replay(codes_by_id: dict) -> Callable[[list[tuple[str, str]]], list[dict]]:
    """An answer function giving each turn the codes ``codes_by_id[id]`` (a list), evidence from the turn."""

    def answer(turns):
        return [
            {"id": sid, "code": code, "evidence": evidence_span(text)} for sid, text in turns for code in codes_by_id.get(sid, [])
        ]

    return answer


class StandinServer:
    """A chat-completions stand-in on ``127.0.0.1`` (a thread); use it in a ``with`` block.

    Parameters
    ----------
    answer : callable
        ``answer(turns) -> list of coding dicts`` for the turns ``[(id, text), ...]`` of a request.
    fault : callable, optional
        ``fault(n, turns) -> None or one of FAULTS`` for request number ``n`` (0-based).
    port : int, default 0
        0: any free port.
    json_schema_only : bool, default False
        Refuse ``response_format`` other than ``json_schema`` with HTTP 400, as LM Studio does.

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:PORT/v1``.
    requests : list of dict
        Every request body received, in order.
    headers : list of dict
        The headers of every request, in order.
    turns_seen : list of (id, text)
        Every turn of every request answered with codings (faulty replies not included).
    release : threading.Event
        Set it to let "hang" requests go on (they then fail with HTTP 503).
    """

    def __init__(self, answer, *, fault=None, port: int = 0, json_schema_only: bool = False):
        self.answer = answer
        self.fault = fault
        self.json_schema_only = json_schema_only
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.turns_seen: list[tuple[str, str]] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to give the reader (``http://127.0.0.1:<port>/v1``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    payload = json.loads(self.rfile.read(length).decode("utf-8"))
                except ValueError:
                    self._send(400, b'{"error": "bad request"}')
                    return
                if not self.path.endswith("/chat/completions"):
                    self._send(404, b'{"error": "not found"}')
                    return
                turns = turns_in(payload.get("messages"))
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(payload)
                    server.headers.append(dict(self.headers.items()))
                fmt = (payload.get("response_format") or {}).get("type")
                if server.json_schema_only and fmt not in (None, "json_schema", "text"):
                    self._send(400, b"{\"error\": \"'response_format.type' must be 'json_schema' or 'text'\"}")
                    return
                kind = server.fault(n, turns) if server.fault else None
                if kind == "hang":
                    server.release.wait(60)
                    self._send(503, b'{"error": "released"}')
                    return
                if kind == "http500":
                    self._send(500, b'{"error": "internal error"}')
                    return
                content = json.dumps({"codings": server.answer(turns)}, ensure_ascii=False)
                if kind == "not_json":
                    content = "Sure! Here are the codes you asked for."
                elif kind == "cut":
                    content = content[: max(1, len(content) // 2)]
                body = json.dumps(
                    {
                        "id": f"standin-{n}",
                        "object": "chat.completion",
                        "model": payload.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content},
                                "finish_reason": "length" if kind == "cut" else "stop",
                            }
                        ],
                        "usage": {
                            "prompt_tokens": sum(len(m.get("content", "")) for m in payload.get("messages", [])) // 4,
                            "completion_tokens": len(content) // 4,
                        },
                    },
                    ensure_ascii=False,
                ).encode("utf-8")
                if kind == "bad_body":
                    body = body[: len(body) // 2]
                if kind is None:
                    with server._lock:
                        server.turns_seen.extend(turns)
                self._send(200, body)

        return Handler

    def start(self) -> "StandinServer":
        """Serve requests on a background thread.

        Returns
        -------
        StandinServer
            This server, started.
        """
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="reader-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release any hanging request, stop serving and close the socket."""
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> "StandinServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

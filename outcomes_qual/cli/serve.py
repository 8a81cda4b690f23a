"""``outcomes-qual serve P.sqlite``: review and code the project in the browser.

A thin entry point: the web app lives in the separate ``outcomes_qual_web``
package (the ``web`` extra), imported here lazily so that the library and
every other command work without it. See docs/web.md.
"""

from __future__ import annotations

import argparse
import importlib
import os
from pathlib import Path

from ..errors import InputError

#: Environment variable the access token may come from (not visible in ``ps``, unlike ``--token``).
TOKEN_ENV = "OUTCOMES_QUAL_TOKEN"

WEB_EXTRA_MESSAGE = 'the review web app needs the web extra: pip install "outcomes_qual[web]"'


def load_web():
    """Import ``outcomes_qual_web`` or raise InputError saying which extra to install."""
    try:
        return importlib.import_module("outcomes_qual_web")
    except ImportError as err:
        raise InputError(f"{WEB_EXTRA_MESSAGE} ({err})") from None


def register(subparsers) -> None:
    """Add the ``serve`` subcommand."""
    p = subparsers.add_parser(
        "serve",
        help="review and code a project in the browser (local web app)",
        description="Start a local web app over a project file: transcripts with their codes and suggestions, "
        "accept / reject / change with a click or a key, code selected text, memos, undo, a review "
        "queue, the codebook, role x theme and agreement. Binds 127.0.0.1 unless --host is given; "
        "any other address needs an access token (--token, or one is generated and printed).",
    )
    p.add_argument("project", help="the project file (outcomes-qual project init)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    p.add_argument(
        "--token",
        default=None,
        help="access token every request must carry (generated when binding "
        "another address than loopback without one). Visible to other "
        f"users in `ps`: prefer {TOKEN_ENV} or --token-file",
    )
    p.add_argument("--token-file", default=None, metavar="FILE", help="read the access token from the first line of FILE")
    p.add_argument("--open", dest="open_browser", action="store_true", help="open the address in a browser")
    p.add_argument(
        "--show-names",
        action="store_true",
        help="show speakers' names next to role and pseudonymous id (default: role and id only)",
    )
    p.set_defaults(func=run)


def token_from(args: argparse.Namespace, environ=None) -> str | None:
    """The access token: ``--token``, else the first line of ``--token-file``, else ``$OUTCOMES_QUAL_TOKEN``."""
    environ = os.environ if environ is None else environ
    if args.token is not None:
        return args.token
    if getattr(args, "token_file", None):
        path = Path(args.token_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"--token-file: cannot read it ({err.__class__.__name__})", path=path) from None
        if not lines or not lines[0].strip():
            raise InputError("--token-file: the first line is empty; expected the token", path=path)
        return lines[0].strip()
    return environ.get(TOKEN_ENV) or None


def run(args: argparse.Namespace) -> int:
    """Serve the project in the browser app until stopped; return the exit code."""
    if not 0 < args.port < 65536:
        raise InputError(f"--port: expected 1-65535, got {args.port}")
    token = token_from(args)
    web = load_web()
    return web.serve(
        args.project, host=args.host, port=args.port, token=token, open_browser=args.open_browser, show_names=args.show_names
    )

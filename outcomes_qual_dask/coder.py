"""Fit a coder once, ship it to every worker once, code partition by partition.

The coder is fitted ONCE on the client through the library's public API
(``make_coder(...).fit(segments)``), on the same segments, in the same order,
that the single-process ``autocode`` fits on, so the fitted state (for the
light LSA backend, the TF-IDF vocabulary and SVD learned from the corpus)
does not depend on partitioning. Beyond ``fit_max`` segments it is fitted on a
stratified sample of that size instead (:func:`stratified_sample`), so the
client's memory does not grow with the corpus.

The fitted coder is pickled once and handed to the workers by a
:class:`CoderPlugin` (a ``distributed`` worker plugin): each worker process
unpickles it once when it joins (also when a worker is restarted after a
crash), and every partition it codes uses that copy (:func:`get_coder`). A
sentence-embedding model travels as its path, not its weights, and each worker
loads it once through the library's cached loader
(``outcomes_qual.embeddings.load_sentence_model``), offline; on a remote
cluster the workers need the ``embeddings`` extra and the model at that path.

Examples
--------
>>> import pandas as pd
>>> seg = pd.DataFrame({"segment_id": [f"r{i}:q1" for i in range(6)], "text": ["x"] * 6,
...                     "question": ["q1", "q1", "q1", "q1", "q2", "q2"]})
>>> ids = stratified_sample(seg, 3, by="question")["segment_id"].tolist()
>>> ids == stratified_sample(seg.iloc[::-1], 3, by="question")["segment_id"].tolist()
True
>>> len(stratified_sample(seg, 3, by="question"))
3
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time

import numpy as np
import pandas as pd

from outcomes_qual import schema

logger = logging.getLogger(__name__)

#: Fitted coders installed in this process, by token (on a worker: by the plugin).
_CODERS: dict[str, object] = {}
#: How many times each token's coder was installed in this process (a test checks: once per worker).
_INSTALLS: dict[str, int] = {}
#: Seconds spent installing (unpickling, model included) each token's coder in this process.
_INSTALL_SECONDS: dict[str, float] = {}

#: Columns of a codings partition besides :data:`outcomes_qual.schema.MACHINE_CODING_COLUMNS`.
CONTEXT_COLUMNS: tuple[str, ...] = ("transcript_id", "participant_id", "role")


def segment_hash(ids: pd.Series) -> np.ndarray:
    """A stable 64-bit hash per segment id (the same in every process and partition)."""
    return pd.util.hash_pandas_object(ids.astype(str).reset_index(drop=True), index=False, hash_key="outcomes_qual_01").to_numpy()


def stratified_sample(segments: pd.DataFrame, n: int, *, by: str | None = None) -> pd.DataFrame:
    """``n`` segments, allocated to the strata of ``by`` in proportion to their size, chosen by segment-id hash.

    The choice depends only on the segment ids (never on order or
    partitioning); the result is ordered by hash. With ``n >= len(segments)``
    every segment is returned (ordered by hash).
    """
    seg = segments.reset_index(drop=True)
    h = segment_hash(seg["segment_id"])
    seg = seg.assign(_h=h)
    if by is None or by not in seg or n >= len(seg):
        out = seg.nsmallest(min(n, len(seg)), "_h")
        return out.sort_values("_h", kind="stable").drop(columns="_h").reset_index(drop=True)
    sizes = seg[by].fillna("").astype(str).value_counts()
    quota = allocate(sizes, n)
    keys = seg[by].fillna("").astype(str)
    parts = [g.nsmallest(quota.get(k, 0), "_h") for k, g in seg.groupby(keys, sort=True)]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("_h", kind="stable").drop(columns="_h").reset_index(drop=True)


def allocate(sizes: pd.Series, n: int) -> dict:
    """Largest-remainder allocation of ``n`` draws to strata of ``sizes`` (at most each stratum's size).

    Examples
    --------
    >>> allocate(pd.Series({"a": 6, "b": 3, "c": 1}), 5)
    {'a': 3, 'b': 2, 'c': 0}
    """
    sizes = sizes.sort_index()
    total = int(sizes.sum())
    if total == 0:
        return {}
    exact = sizes.astype(float) * n / total
    base = (exact // 1).astype(int)  # the floor, kept as a Series indexed like ``sizes``
    left = int(n - base.sum())
    order = (exact - base).sort_values(ascending=False, kind="stable").index[:left]
    base[order] += 1
    return {k: int(v) for k, v in base.clip(upper=sizes).items()}  # at most each stratum's size


_MODEL_TAG = "outcomes_qual.sentence_model"


def _loaded_models() -> dict[int, str]:
    """Object id -> model path of the sentence-transformers models this process has loaded (none without the extra)."""
    import sys

    sentence = sys.modules.get("outcomes_qual.embeddings.sentence")
    cache = getattr(sentence, "_MODEL_CACHE", {}) if sentence is not None else {}
    return {id(model): key for key, model in cache.items()}


class _CoderPickler(pickle.Pickler):
    """Pickles a fitted coder with each loaded sentence-embedding model replaced by its path."""

    def __init__(self, file, models: dict[int, str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._models = models

    def persistent_id(self, obj):
        key = self._models.get(id(obj))
        return (_MODEL_TAG, key) if key is not None else None


class _CoderUnpickler(pickle.Unpickler):
    """Loads each model reference through the library's cached loader: once per process and path."""

    def persistent_load(self, pid):
        tag, key = pid
        if tag != _MODEL_TAG:  # pragma: no cover - only our own payloads are loaded
            raise pickle.UnpicklingError(f"unknown persistent id {tag!r}")
        from outcomes_qual.embeddings import load_sentence_model

        return load_sentence_model(key)


def dumps_coder(coder) -> bytes:
    """Pickle a fitted coder; a sentence-embedding model travels as its path, not its weights.

    Examples
    --------
    >>> from outcomes_qual.coding import make_coder
    >>> est = make_coder("keyword", "codebooks/outcomes_practice.yaml")
    >>> type(loads_coder(dumps_coder(est))).__name__
    'KeywordCoder'
    """
    import io

    buf = io.BytesIO()
    _CoderPickler(buf, _loaded_models()).dump(coder)
    return buf.getvalue()


def loads_coder(payload: bytes):
    """Inverse of :func:`dumps_coder` (models are loaded from their path, once per process)."""
    import io

    return _CoderUnpickler(io.BytesIO(payload)).load()


def install(token: str, payload: bytes) -> None:
    """Unpickle a fitted coder into this process under ``token`` (a sentence model is loaded once per process)."""
    t0 = time.perf_counter()
    _CODERS[token] = loads_coder(payload)
    _INSTALL_SECONDS[token] = _INSTALL_SECONDS.get(token, 0.0) + time.perf_counter() - t0
    _INSTALLS[token] = _INSTALLS.get(token, 0) + 1
    logger.debug("coder %s installed (%d time(s) in this process)", token, _INSTALLS[token])


def get_coder(token: str):
    """The fitted coder installed under ``token`` in this process.

    Raises
    ------
    RuntimeError
        When no coder was installed (the plugin was not registered).
    """
    try:
        return _CODERS[token]
    except KeyError:
        raise RuntimeError(f"no fitted coder {token!r} in this worker: register CoderPlugin before coding") from None


def installs(token: str) -> int:
    """How many times ``token``'s coder was installed in this process."""
    return _INSTALLS.get(token, 0)


def make_plugin(coder) -> tuple[str, "CoderPlugin"]:
    """Pickle ``coder`` once; return (token, worker plugin that installs it on every worker)."""
    payload = dumps_coder(coder)
    token = hashlib.sha256(payload).hexdigest()[:16]
    return token, CoderPlugin(token, payload)


try:  # the plugin class needs distributed; the rest of this module does not
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - the scale extra is missing
    _WorkerPlugin = object  # type: ignore[assignment,misc]  # a plain base class stands in for distributed's


class CoderPlugin(_WorkerPlugin):
    """Worker plugin: installs the fitted coder once per worker process (also on workers that join or restart later)."""

    def __init__(self, token: str, payload: bytes):
        self.token = token
        self.payload = payload
        self.name = f"outcomes-qual-coder-{token}"

    def setup(self, worker):
        """Install the coder on ``worker`` (called by distributed when the worker starts or joins)."""
        install(self.token, self.payload)

    def teardown(self, worker):
        """Drop the coder from this process (called by distributed when the plugin or the worker goes)."""
        _CODERS.pop(self.token, None)


def codings_meta(extra: list[str]) -> pd.DataFrame:
    """Empty codings partition: coding columns, then context and attribute columns."""
    cols = {c: pd.Series(dtype="string") for c in schema.MACHINE_CODING_COLUMNS}
    cols["confidence"] = pd.Series(dtype="float64")
    cols["uncertain"] = pd.Series(dtype="bool")
    for c in [*CONTEXT_COLUMNS, *extra]:
        cols[c] = pd.Series(dtype="string")
    return pd.DataFrame(cols)


#: Partitions with fewer segments than this are padded with empty placeholder segments before coding:
#: OpenBLAS multiplies matrices of fewer than 7 rows with another kernel whose results differ in the
#: last bit, and a tiny last partition must code exactly as it would inside the whole corpus.
PAD_BELOW = 8
PAD_PREFIX = "\x00outcomes_qual_pad:"


def _padding(columns, n: int) -> pd.DataFrame:
    pad = pd.DataFrame({c: [None] * n for c in columns})
    pad["segment_id"] = [f"{PAD_PREFIX}{i}" for i in range(n)]
    pad["text"] = ""
    pad["role"] = "unknown"
    return pad


def code_partition(part: pd.DataFrame, token: str, extra: list[str]) -> pd.DataFrame:
    """Code one partition of segments with the installed coder; add each segment's context columns."""
    coder = get_coder(token)
    meta = codings_meta(extra)
    if not len(part):
        return meta
    seg = part.copy()
    for c in seg.columns:
        if str(seg[c].dtype) in ("string", "string[pyarrow]", "str"):
            seg[c] = seg[c].astype(object).where(seg[c].notna(), None)
    n_real = len(seg)
    if n_real < PAD_BELOW:
        seg = pd.concat([seg, _padding(seg.columns, PAD_BELOW)], ignore_index=True)
    codings = coder.predict(seg)
    if len(seg) > n_real:
        codings = codings[~codings["segment_id"].astype(str).str.startswith(PAD_PREFIX)].reset_index(drop=True)
    ctx = seg[["segment_id", *[c for c in (*CONTEXT_COLUMNS, *extra) if c in seg.columns]]].drop_duplicates("segment_id")
    out = codings.merge(ctx, on="segment_id", how="left", sort=False)
    out = out.reindex(columns=list(meta.columns))
    return out.astype(meta.dtypes.to_dict())

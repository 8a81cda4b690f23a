"""The :class:`TopicModel` estimator: codebook themes and emergent topics in one pass.

``fit`` works on a list of texts (turns):

1. Embed the turns (and, with a codebook, each code's label, definition,
   criteria, keywords and examples) in one space with
   :func:`outcomes_qual.embeddings.get_embedder`: TF-IDF/LSA on the light
   path, the packaged sentence-transformers model on the BERTopic path.
2. Deductive step: a turn a coder already coded (``known_codes``) goes to
   that theme; otherwise, with a codebook, a turn whose cosine similarity to
   a theme is at least ``match_threshold`` goes to the closest theme.
3. Emergent step: the remaining turns are clustered by the backend
   (:mod:`.light` or :mod:`.bertopic_backend`); clusters whose centroids
   are very similar are merged (:func:`merge_clusters`).
4. Every topic gets a centroid, c-TF-IDF words, its nearest codebook code
   (themes and sub-codes) with their similarity, and ``emergent_``: a
   cluster is emergent when no code reaches ``emergent_threshold``. The
   similarity is the cosine between the topic's mean embedding and the
   code's, both taken relative to the corpus's mean embedding: every turn in
   a social-work corpus is somewhat like every code, and that shared part
   says nothing about whether a code covers a topic.

Default thresholds depend on the embedding space, because cosine
similarities are not on the same scale in LSA and sentence-embedding spaces;
see :data:`DEFAULT_THRESHOLDS` and ``docs/topics.md``.

Examples
--------
>>> texts = (["agency staff leave after a month and agency cover is constant"] * 6
...          + ["forms and the IT system eat the whole day"] * 6
...          + ["panel forms take ages and the IT system crashes"] * 6)
>>> tm = TopicModel(backend="light", min_topic_size=3).fit(texts)
>>> tm.sizes_.tolist(), sorted(tm.labels_[[0, 6, 12]].tolist())
([6, 6, 6], [0, 1, 2])
>>> tm.topic_labels_[tm.labels_[0]]
'agency cover / agency staff / cover is constant'
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._base import centroids
from ._registry import get_backend
from .words import make_label, topic_terms

logger = logging.getLogger(__name__)

#: Default thresholds per embedding backend (cosine similarities).
#: ``match``: a turn joins a codebook theme at or above this similarity.
#: ``emergent``: a cluster whose nearest code is below this is emergent.
#: ``outlier``: an outlier joins its nearest cluster at or above this.
#: ``merge``: clusters whose centroids are at least this similar (average
#: linkage) are merged into one topic.
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "lsa": {"match": 0.15, "emergent": 0.05, "outlier": 0.1, "merge": 0.3},
    "sentence-transformers": {"match": 0.45, "emergent": 0.2, "outlier": 0.3, "merge": 0.6},
}


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def merge_clusters(
    embeddings: np.ndarray, labels: np.ndarray, *, threshold: float, max_clusters: int | None = None
) -> np.ndarray:
    """Merge clusters whose centroids are similar (cosine, average linkage).

    Clustering algorithms often split one subject into several clusters by
    wording; clusters whose centroids reach ``threshold`` are joined. When
    more than ``max_clusters`` remain, the closest are joined until that many
    are left.

    Examples
    --------
    >>> X = np.array([[1, 0], [0.9, 0.1], [0.95, 0.05], [0, 1]], dtype=float)
    >>> merge_clusters(X, np.array([0, 1, 1, 2]), threshold=0.9).tolist()
    [0, 0, 0, 1]
    """
    labels = np.asarray(labels)
    clusters = sorted(set(labels.tolist()) - {-1})
    if len(clusters) < 2:
        return labels.copy()
    from sklearn.cluster import AgglomerativeClustering

    cent = centroids(embeddings, labels, clusters)
    groups = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
    ).fit_predict(cent)
    if max_clusters is not None and len(set(groups.tolist())) > max_clusters:
        groups = AgglomerativeClustering(n_clusters=max_clusters, metric="cosine", linkage="average").fit_predict(cent)
    first: dict[int, int] = {}
    for g in groups.tolist():
        first.setdefault(g, len(first))
    remap = {c: first[g] for c, g in zip(clusters, groups.tolist(), strict=True)}
    return np.array([remap.get(c, -1) for c in labels.tolist()], dtype=int)


#: What each topic came from.
TOPIC_KINDS: tuple[str, ...] = ("codebook", "cluster", "outliers")


def default_min_topic_size(n: int) -> int:
    """Default smallest topic for ``n`` turns: ``n // 50`` kept between 5 and 60.

    Examples
    --------
    >>> [default_min_topic_size(n) for n in (40, 300, 2000, 10000)]
    [5, 6, 40, 60]
    """
    return int(max(5, min(60, n // 50)))


def code_texts(codebook, key: str) -> list[str]:
    """Texts that describe code ``key`` and its sub-codes, for embedding.

    Examples
    --------
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> cb = Codebook("x", (Code("time", "Time", "Pressure of time.", keywords=("deadline",)),))
    >>> code_texts(cb, "time")
    ['Time. Pressure of time.', 'deadline']
    """
    out: list[str] = []
    for code in codebook.codes:
        if code.key != key and not code.key.startswith(key + "/"):
            continue
        out.append(f"{code.label}. {code.definition}".strip())
        out.extend(t for t in code.include if t)
        if code.keywords:
            out.append(", ".join(code.keywords))
        out.extend(t for t in code.examples if t)
    return [t for t in out if t.strip()]


class TopicModel(BaseEstimator):
    """Topic model for turns: codebook themes first, emergent clusters for the rest.

    Parameters
    ----------
    backend : {"auto", "light", "bertopic"}, default "auto"
        Clustering backend; ``auto`` uses BERTopic when the ``embeddings``
        extra is installed.
    embedding : {None, "lsa", "sentence-transformers"}, default None
        Embedding space; ``None`` pairs the backend with its own (light: LSA,
        bertopic: sentence-transformers).
    embedder : Embedder, optional
        An unfitted :class:`outcomes_qual.embeddings.Embedder` to use instead
        (it is cloned, never changed).
    min_topic_size : int, optional
        Smallest emergent topic; default :func:`default_min_topic_size`.
    max_topics : int, default 30
        Most emergent clusters.
    match_threshold, emergent_threshold, outlier_threshold, merge_threshold : float, optional
        Cosine-similarity thresholds; defaults from :data:`DEFAULT_THRESHOLDS`
        for the embedding space.
    reduce_outliers : bool, default True
        Give outlier turns to their nearest cluster when close enough.
    n_words : int, default 10
        Words kept per topic.
    random_state : int, default 0

    Attributes
    ----------
    backend_ : str
        Backend used.
    embedding_ : str
        Embedding space used.
    embedder_ : Embedder
        The fitted embedder.
    embeddings_ : ndarray of shape (n_texts, dim)
    labels_ : ndarray of int
        Topic of each text, ``0..n_topics_-1`` in order of size; ``-1`` outliers.
    sources_ : ndarray of str
        How each text got its topic: ``"codings"``, ``"codebook"``, ``"cluster"`` or ``"outlier"``.
    doc_similarity_ : ndarray of float
        Cosine similarity of each text to its topic's centroid.
    n_topics_ : int
    sizes_ : ndarray of int
        Texts per topic ``0..n_topics_-1``.
    topic_kinds_ : list of str
        ``"codebook"`` or ``"cluster"`` per topic.
    topic_codes_ : list of str or None
        Theme a codebook topic stands for (``None`` for clusters).
    topic_words_ : dict of int to list of str
        c-TF-IDF words per topic (``-1`` included when there are outliers).
    topic_labels_ : dict of int to str
    centroids_ : ndarray of shape (n_topics, dim)
    code_keys_ : list of str
        Codes compared with topics (empty without a codebook or codings).
    code_vectors_ : ndarray of shape (n_codes, dim)
    nearest_code_ : list of str or None
    similarity_ : ndarray of float
        Similarity of each topic to its nearest code, relative to the corpus
        mean (NaN without codes).
    mean_embedding_ : ndarray of shape (dim,)
        Mean embedding of the modelled turns.
    emergent_ : ndarray of bool
    thresholds_ : dict of str to float
    n_outliers_before_ : int
        Outliers among clustered turns before outlier reduction.
    timings_ : dict of str to float
        Seconds spent embedding, clustering and describing.
    clustering_details_ : dict
    backend_model_ : object or None
        The fitted ``BERTopic`` model on the BERTopic path.
    """

    def __init__(
        self,
        *,
        backend: str = "auto",
        embedding: str | None = None,
        embedder=None,
        min_topic_size: int | None = None,
        max_topics: int = 30,
        match_threshold: float | None = None,
        emergent_threshold: float | None = None,
        outlier_threshold: float | None = None,
        merge_threshold: float | None = None,
        reduce_outliers: bool = True,
        n_words: int = 10,
        random_state: int = 0,
    ):
        self.backend = backend
        self.embedding = embedding
        self.embedder = embedder
        self.min_topic_size = min_topic_size
        self.max_topics = max_topics
        self.match_threshold = match_threshold
        self.emergent_threshold = emergent_threshold
        self.outlier_threshold = outlier_threshold
        self.merge_threshold = merge_threshold
        self.reduce_outliers = reduce_outliers
        self.n_words = n_words
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _make_embedder(self, backend):
        from sklearn.base import clone

        from ..embeddings import get_embedder

        if self.embedder is not None:
            return clone(self.embedder)
        return get_embedder(self.embedding or backend.embedding, random_state=self.random_state)

    def fit(self, X: Sequence[str], y=None, *, codebook=None, known_codes=None, embeddings=None) -> "TopicModel":
        """Find the topics of texts ``X``.

        Parameters
        ----------
        X : sequence of str
            Turns.
        y : ignored
        codebook : Codebook, optional
            Themes to match turns to and to compare clusters with.
        known_codes : sequence of (str or None), optional
            A theme key per text from a coder's codings (``None`` when uncoded);
            those texts go to that theme without the similarity test.
        embeddings : ndarray, optional
            Precomputed L2-normalised embeddings of ``X`` from the same kind of
            embedder this model would use.

        Returns
        -------
        self
        """
        if isinstance(X, str):
            raise TypeError("X: expected a sequence of texts, got a single str; wrap it in a list")
        texts = ["" if t is None else str(t) for t in X]
        n = len(texts)
        if n == 0:
            raise ValueError("X: expected at least one text to find topics in, got none")
        if known_codes is not None:
            known_codes = [None if (k is None or k != k or k == "") else str(k) for k in known_codes]
            if len(known_codes) != n:
                raise ValueError(f"known_codes: expected one entry per text ({n}), got {len(known_codes)}")
        backend = get_backend(self.backend, random_state=self.random_state)
        self.backend_ = backend.name
        embedder = self._make_embedder(backend)
        self.embedding_ = getattr(embedder, "backend", self.embedding or backend.embedding)
        thr = dict(DEFAULT_THRESHOLDS.get(self.embedding_, DEFAULT_THRESHOLDS["sentence-transformers"]))
        for name in ("match", "emergent", "outlier", "merge"):
            value = getattr(self, f"{name}_threshold")
            if value is not None:
                thr[name] = float(value)
        self.thresholds_ = thr

        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        # 1. embed turns and codes in one space
        code_keys: list[str] = list(codebook.keys()) if codebook is not None else []
        per_code = {k: code_texts(codebook, k) for k in code_keys}
        code_keys = [k for k in code_keys if per_code[k]]
        extra = [t for k in code_keys for t in per_code[k]]
        if embeddings is None:
            embedder.fit([t for t in texts if t.strip()] + extra or ["empty"])
            E = np.asarray(embedder.transform(texts))
        else:
            E = np.asarray(embeddings)
            if E.shape[0] != n:
                raise ValueError(f"embeddings: expected {n} rows (one per text), got {E.shape[0]}")
            # fitted anyway, for the codes and for transform on new texts
            embedder.fit([t for t in texts if t.strip()] + extra or ["empty"])
        self.embedder_ = embedder
        self.embeddings_ = E
        if code_keys:
            CE = np.asarray(embedder.transform(extra))
            vectors, start = [], 0
            for k in code_keys:
                m = CE[start : start + len(per_code[k])].mean(axis=0)
                start += len(per_code[k])
                vectors.append(m / (np.linalg.norm(m) or 1.0))
            code_vectors = np.vstack(vectors)
        else:
            code_vectors = np.zeros((0, E.shape[1]))
        theme_keys = [k for k in code_keys if "/" not in k]

        timings["embed_s"] = time.perf_counter() - t0
        # 2. deductive step
        assigned = np.array([None] * n, dtype=object)
        sources = np.array(["cluster"] * n, dtype=object)
        if known_codes is not None:
            for i, k in enumerate(known_codes):
                if k is not None:
                    assigned[i] = k.split("/")[0]
                    sources[i] = "codings"
        elif theme_keys:
            tv = code_vectors[[code_keys.index(k) for k in theme_keys]]
            sims = E @ tv.T
            best = sims.argmax(axis=1)
            hit = sims[np.arange(n), best] >= thr["match"]
            for i in np.flatnonzero(hit).tolist():
                assigned[i] = theme_keys[int(best[i])]
                sources[i] = "codebook"
        # codings without a codebook: code vectors are the coded turns' centroids
        if known_codes is not None and not code_keys:
            code_keys = sorted({a for a in assigned if a is not None})
            code_vectors = (
                centroids(E, np.array([a if a is not None else "" for a in assigned], dtype=object), code_keys)
                if code_keys
                else np.zeros((0, E.shape[1]))
            )

        t0 = time.perf_counter()
        # 3. emergent step
        rest = np.flatnonzero(assigned == None)  # noqa: E711 - object array
        mts = int(self.min_topic_size) if self.min_topic_size else default_min_topic_size(len(rest))
        clustering = (
            backend.cluster(
                E[rest],
                [texts[i] for i in rest],
                min_topic_size=mts,
                max_topics=int(self.max_topics),
                reduce_outliers=bool(self.reduce_outliers),
                outlier_threshold=thr["outlier"],
                embedder=embedder,
            )
            if len(rest)
            else None
        )
        if clustering is not None and thr["merge"] < 1:
            n_before = len(set(clustering.labels.tolist()) - {-1})
            clustering.labels = merge_clusters(
                E[rest], clustering.labels, threshold=thr["merge"], max_clusters=int(self.max_topics)
            )
            clustering.details["n_clusters_before_merge"] = n_before
        self.min_topic_size_ = mts
        self.n_outliers_before_ = clustering.n_outliers_before if clustering else 0
        self.clustering_details_ = clustering.details if clustering else {}
        self.backend_model_ = clustering.model if clustering else None

        timings["cluster_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # 4. topics: one per matched theme, one per cluster; numbered by size
        raw: list[tuple[str, object]] = []
        raw_label = np.full(n, -1, dtype=int)
        for key in dict.fromkeys(a for a in assigned if a is not None):
            raw.append(("codebook", key))
            raw_label[assigned == key] = len(raw) - 1
        if clustering is not None:
            for c in sorted(set(clustering.labels.tolist()) - {-1}):
                raw.append(("cluster", c))
                raw_label[rest[clustering.labels == c]] = len(raw) - 1
            sources[rest[clustering.labels == -1]] = "outlier"
        sizes = np.bincount(raw_label[raw_label >= 0], minlength=len(raw))
        order = sorted(range(len(raw)), key=lambda t: (-sizes[t], t))
        remap = {old: new for new, old in enumerate(order)}
        self.labels_ = np.array([remap.get(r, -1) for r in raw_label.tolist()], dtype=int)
        self.sources_ = sources
        self.n_topics_ = len(raw)
        self.sizes_ = sizes[order] if len(raw) else np.zeros(0, dtype=int)
        self.topic_kinds_ = [raw[t][0] for t in order]
        self.topic_codes_ = [str(raw[t][1]) if raw[t][0] == "codebook" else None for t in order]
        self.centroids_ = centroids(E, self.labels_, list(range(self.n_topics_)))
        self.doc_similarity_ = np.array(
            [float(E[i] @ self.centroids_[t]) if t >= 0 else np.nan for i, t in enumerate(self.labels_)]
        )

        # 5. words, nearest code, emergent
        self.topic_words_ = topic_terms(texts, self.labels_, n=int(self.n_words))
        self.topic_labels_ = {t: make_label(w) for t, w in self.topic_words_.items()}
        self.code_keys_ = list(code_keys)
        self.code_vectors_ = code_vectors
        # similarity after removing the corpus's common direction: every turn
        # of a social-work corpus is somewhat like every code, so raw cosines
        # say more about the domain than about a topic.
        self.mean_embedding_ = E.mean(axis=0)
        nearest: list[str | None] = []
        sim = np.full(self.n_topics_, np.nan)
        centred_codes = _unit(code_vectors - self.mean_embedding_) if len(code_keys) else code_vectors
        for t in range(self.n_topics_):
            if len(code_keys):
                centre = _unit(E[self.labels_ == t].mean(axis=0) - self.mean_embedding_)
                s = centred_codes @ centre
                code = self.topic_codes_[t]
                if self.topic_kinds_[t] == "codebook" and code is not None and code in code_keys:
                    j = code_keys.index(code)
                else:
                    j = int(np.argmax(s))
                nearest.append(code_keys[j])
                sim[t] = float(s[j])
            else:
                nearest.append(self.topic_codes_[t])
        self.nearest_code_ = nearest
        self.similarity_ = sim
        self.emergent_ = np.array(
            [kind == "cluster" and not (s >= thr["emergent"]) for kind, s in zip(self.topic_kinds_, sim, strict=True)], dtype=bool
        )
        timings["describe_s"] = time.perf_counter() - t0
        self.timings_ = {k: round(v, 3) for k, v in timings.items()}
        logger.info("topic model timings: %s", self.timings_)
        logger.info(
            "topics (%s, %s embeddings): %d turns -> %d codebook topics, %d clusters (%d emergent), %d outliers",
            self.backend_,
            self.embedding_,
            n,
            self.topic_kinds_.count("codebook"),
            self.topic_kinds_.count("cluster"),
            int(self.emergent_.sum()),
            int((self.labels_ == -1).sum()),
        )
        return self

    # ------------------------------------------------------------------ use
    def transform(self, X: Sequence[str], *, embeddings=None) -> np.ndarray:
        """Topic of each new text: the topic whose centroid is nearest (cosine).

        Returns ``-1`` for a text less similar than ``outlier_threshold`` to every topic.
        Pass ``embeddings`` when the model was fitted on precomputed embeddings.
        """
        check_is_fitted(self, "labels_")
        if embeddings is None:
            E = np.asarray(self.embedder_.transform(["" if t is None else str(t) for t in X]))
        else:
            E = np.asarray(embeddings)
        if E.shape[1] != self.centroids_.shape[1]:
            raise ValueError(
                f"embeddings: the model was fitted on {self.centroids_.shape[1]}-dimensional embeddings, got "
                f"{E.shape[1]}; pass embeddings= from the embedder used in fit"
            )
        if not self.n_topics_:
            return np.full(len(E), -1, dtype=int)
        sims = E @ self.centroids_.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(E)), best] >= self.thresholds_["outlier"]
        return np.where(ok, best, -1).astype(int)

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        """``fit`` then return ``labels_``."""
        return self.fit(X, y, **fit_params).labels_

"""The small interface every topic clustering backend implements.

A backend takes the embeddings of the turns that no codebook theme claimed
and groups them: it returns one integer label per turn, ``-1`` for a turn it
leaves unassigned (an outlier). Everything else (codebook matching, topic
words, quotes, tables) is shared, so every backend gives the same output.

Two backends ship:

* ``"light"`` (:mod:`.light`): k-means with the number of topics chosen by
  silhouette, scikit-learn only.
* ``"bertopic"`` (:mod:`.bertopic_backend`): BERTopic with UMAP and HDBSCAN,
  then BERTopic's outlier reduction (the ``embeddings`` extra).

This module is the interface only and imports neither backend: the
registry that picks one by name (:func:`get_backend`, ``"auto"`` choosing
BERTopic when the extra is installed) is :mod:`._registry`.

Examples
--------
>>> import numpy as np
>>> labels = np.array([0, 0, 1, -1, -1])
>>> X = np.array([[1, 0], [1, 0], [0, 1], [0.9, 0.1], [-1, 0]], dtype=float)
>>> reassign_outliers(X, labels, threshold=0.5).tolist()
[0, 0, 1, 0, -1]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Backend names accepted by :func:`._registry.get_backend` and ``find_topics(backend=...)``.
BACKENDS: tuple[str, ...] = ("auto", "light", "bertopic")

#: What to install for BERTopic, and what it adds, said once when ``auto`` falls back.
EXTRA_MESSAGE = (
    "install outcomes_qual[embeddings] for BERTopic topics (sentence embeddings of meaning "
    "rather than shared words, and UMAP + HDBSCAN clusters of any shape and size); "
    "using the light TF-IDF/LSA + k-means path"
)


class TopicBackendUnavailable(ImportError):
    """The requested topic backend's optional dependencies are missing."""


@dataclass
class Clustering:
    """What a backend returns.

    Attributes
    ----------
    labels : numpy.ndarray of int
        Cluster of each turn, ``0..k-1``; ``-1`` for outliers.
    n_outliers_before : int
        Outliers before outlier reduction (equals the final count when none was done).
    details : dict
        Backend settings actually used (for logs and the methods paragraph).
    model : object or None
        The fitted backend model (e.g. the ``BERTopic`` instance), for users who want it.
    """

    labels: np.ndarray
    n_outliers_before: int
    details: dict[str, Any] = field(default_factory=dict)
    model: Any = None


class TopicBackend(ABC):
    """Groups turns into clusters from their embeddings.

    Parameters
    ----------
    random_state : int
        Seed for every random step, so two runs give the same clusters.
    """

    #: Short name (``"light"``, ``"bertopic"``).
    name: str = "base"
    #: Embedding backend this clustering is meant for (see :func:`outcomes_qual.embeddings.get_embedder`).
    embedding: str = "lsa"

    def __init__(self, *, random_state: int = 0):
        self.random_state = random_state

    @abstractmethod
    def cluster(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str],
        *,
        min_topic_size: int,
        max_topics: int,
        reduce_outliers: bool,
        outlier_threshold: float,
        embedder: Any = None,
    ) -> Clustering:
        """Cluster ``embeddings`` (one L2-normalised row per text in ``texts``).

        ``embedder`` is the fitted :class:`outcomes_qual.embeddings.Embedder`
        the embeddings came from; a backend that keeps a model (BERTopic) hands
        it on so the model never loads or downloads one of its own.
        """


def reassign_outliers(embeddings: np.ndarray, labels: np.ndarray, *, threshold: float) -> np.ndarray:
    """Give each outlier (``-1``) the cluster whose centroid it is closest to.

    An outlier keeps ``-1`` when its best cosine similarity is below
    ``threshold``. This is BERTopic's ``reduce_outliers(strategy="embeddings")``
    rule; the light backend uses it directly.

    Parameters
    ----------
    embeddings : ndarray of shape (n, d)
        L2-normalised rows.
    labels : ndarray of int
    threshold : float

    Returns
    -------
    ndarray of int
        New labels (the input is not changed).
    """
    labels = np.asarray(labels).copy()
    clusters = sorted(c for c in set(labels.tolist()) if c >= 0)
    out = np.flatnonzero(labels == -1)
    if not clusters or not len(out):
        return labels
    cent = centroids(embeddings, labels, clusters)
    sims = embeddings[out] @ cent.T
    best = sims.argmax(axis=1)
    ok = sims[np.arange(len(out)), best] >= threshold
    labels[out[ok]] = np.asarray(clusters)[best[ok]]
    return labels


def centroids(embeddings: np.ndarray, labels: np.ndarray, clusters: Sequence[Hashable]) -> np.ndarray:
    """L2-normalised mean embedding of each cluster in ``clusters``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> centroids(X, np.array([0, 0, 1]), [0, 1]).round(3).tolist()
    [[0.707, 0.707], [0.0, 1.0]]
    """
    labels = np.asarray(labels)
    rows = []
    for c in clusters:
        m = embeddings[labels == c].mean(axis=0) if (labels == c).any() else np.zeros(embeddings.shape[1])
        n = np.linalg.norm(m)
        rows.append(m / n if n > 0 else m)
    return np.vstack(rows) if rows else np.zeros((0, embeddings.shape[1]))

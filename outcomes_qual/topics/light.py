"""Light topic backend: k-means on TF-IDF/LSA embeddings, scikit-learn only.

The embeddings are first reduced to :data:`N_COMPONENTS` dimensions with PCA
(as BERTopic reduces them with UMAP) and re-normalised: k-means in the full
space splits topics by incidental words. The number of topics is then chosen
by the mean silhouette (cosine) over a grid of candidate ``k`` between 2 and
``min(max_topics, n / min_topic_size)``, scored on a sample of at most 3,000
turns so that large corpora stay fast: the smallest ``k`` whose silhouette is
within :data:`PARSIMONY` of the best (silhouette alone drifts towards many
small clusters).
Clusters smaller than ``min_topic_size`` are dissolved into outliers, which
are then given to the nearest remaining cluster when they are close enough
(cosine at least ``outlier_threshold``).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal([5, 0, 0], 0.3, (20, 3)), rng.normal([0, 5, 0], 0.3, (20, 3))])
>>> X /= np.linalg.norm(X, axis=1, keepdims=True)
>>> out = LightBackend(random_state=0).cluster(X, [""] * 40, min_topic_size=5, max_topics=10,
...                                            reduce_outliers=True, outlier_threshold=0.2)
>>> sorted(np.bincount(out.labels).tolist()), out.details["k"]
([20, 20], 2)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from ._base import Clustering, TopicBackend, reassign_outliers

logger = logging.getLogger(__name__)

#: Candidate numbers of topics tried (those within the allowed range).
K_GRID: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 25, 30, 40, 50)

#: Dimensions kept for clustering.
N_COMPONENTS = 5

#: Smallest k whose silhouette is at least this share of the best one.
PARSIMONY = 0.9

#: Turns scored when choosing k.
SILHOUETTE_SAMPLE = 3000


class LightBackend(TopicBackend):
    """k-means with k chosen by silhouette; small clusters become outliers."""

    name = "light"
    embedding = "lsa"

    def cluster(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str],
        *,
        min_topic_size: int,
        max_topics: int,
        reduce_outliers: bool,
        outlier_threshold: float,
        embedder=None,
    ) -> Clustering:
        """Cluster by k-means, k chosen by silhouette; clusters under ``min_topic_size`` become outliers (``-1``).

        See :meth:`TopicBackend.cluster` for the arguments.
        """
        X = np.asarray(embeddings, dtype=float)
        n = len(X)
        n_distinct = len(np.unique(X.round(6), axis=0))
        if n_distinct > 2 * N_COMPONENTS and X.shape[1] > N_COMPONENTS:
            X = PCA(n_components=N_COMPONENTS, random_state=self.random_state).fit_transform(X)
            norms = np.linalg.norm(X, axis=1, keepdims=True)
            X = X / np.where(norms > 0, norms, 1.0)
        k_max = min(int(max_topics), n // max(int(min_topic_size), 1), n_distinct)
        if n < 4 or k_max < 2:
            logger.info("light topics: %d turns is too few to cluster (min_topic_size %d)", n, min_topic_size)
            return Clustering(np.full(n, -1), n, {"k": 0})
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(n, SILHOUETTE_SAMPLE, replace=False)) if n > SILHOUETTE_SAMPLE else np.arange(n)
        Xs = X[sample]
        scores: dict[int, float] = {}
        for k in [k for k in K_GRID if k <= k_max]:
            km = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(Xs)
            if len(set(km.labels_.tolist())) < 2:
                continue
            scores[k] = float(silhouette_score(Xs, km.labels_, metric="cosine"))
        if not scores:
            return Clustering(np.full(n, -1), n, {"k": 0})
        best = max(scores.values())
        k = min(c for c, v in scores.items() if v >= PARSIMONY * best)
        labels = KMeans(n_clusters=k, n_init=5, random_state=self.random_state).fit_predict(X)
        sizes = np.bincount(labels, minlength=k)
        small = np.flatnonzero(sizes < min_topic_size)
        labels = np.where(np.isin(labels, small), -1, labels)
        n_out = int((labels == -1).sum())
        if reduce_outliers and n_out:
            labels = reassign_outliers(np.asarray(embeddings, dtype=float), labels, threshold=outlier_threshold)
        # renumber 0..k'-1 in order of first appearance of each kept cluster
        kept = sorted(c for c in set(labels.tolist()) if c >= 0)
        remap = {c: i for i, c in enumerate(kept)}
        labels = np.array([remap.get(c, -1) for c in labels.tolist()], dtype=int)
        logger.info(
            "light topics: k=%d by silhouette (%s); %d outliers before reduction, %d after",
            k,
            ", ".join(f"{c}:{s:.3f}" for c, s in scores.items()),
            n_out,
            int((labels == -1).sum()),
        )
        return Clustering(labels, n_out, {"k": k, "silhouette": scores})

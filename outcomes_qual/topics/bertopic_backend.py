"""BERTopic backend: UMAP + HDBSCAN clusters of sentence embeddings (``embeddings`` extra).

BERTopic, UMAP and HDBSCAN are imported only when this backend clusters
(``import bertopic`` takes several seconds). BERTopic is always given the
precomputed embeddings and an embedding model wrapping the toolkit's own
:class:`outcomes_qual.embeddings.Embedder`, so it never loads or downloads a
model itself. Settings:

* UMAP: ``n_neighbors=15`` (fewer on tiny inputs), 5 components, 200 epochs,
  ``min_dist=0``, cosine metric, ``random_state`` fixed (single-threaded, so
  reproducible).
* HDBSCAN (the ``hdbscan`` package, which can predict new points, unlike
  scikit-learn's): ``min_cluster_size=min_topic_size``,
  ``min_samples=max(2, min_topic_size // 3)``; a low ``min_samples`` keeps
  fewer turns out as noise on small corpora.
* Outliers: HDBSCAN's noise (topic ``-1``) is then reduced with
  ``BERTopic.reduce_outliers(strategy="embeddings")``: a noise turn joins the
  topic whose centroid is nearest when the cosine similarity is at least
  ``outlier_threshold``; topic words are refreshed with ``update_topics``.

With fewer than ``max(2 * min_topic_size, 30)`` turns, UMAP is not
meaningful and the light k-means clustering is used on the same embeddings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ._base import Clustering, TopicBackend
from .light import LightBackend
from .words import make_vectorizer

logger = logging.getLogger(__name__)


def _embedder_adapter(embedder):
    """A ``bertopic.backend.BaseEmbedder`` that embeds with ``embedder``."""
    from bertopic.backend import BaseEmbedder

    class ToolkitEmbedder(BaseEmbedder):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def embed(self, documents, verbose=False):
            return np.asarray(self.inner.transform(list(documents)))

    return ToolkitEmbedder(embedder)


class BERTopicBackend(TopicBackend):
    """BERTopic (UMAP + HDBSCAN) with outlier reduction."""

    name = "bertopic"
    embedding = "sentence-transformers"

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
        """Cluster with BERTopic (UMAP + HDBSCAN), or k-means when there are too few turns for UMAP.

        See :meth:`TopicBackend.cluster` for the arguments.
        """
        X = np.asarray(embeddings, dtype=np.float32)
        n = len(X)
        docs = list(texts)
        if n < max(2 * int(min_topic_size), 30):
            logger.info("bertopic: %d turns is too few for UMAP + HDBSCAN; using k-means on the same embeddings", n)
            out = LightBackend(random_state=self.random_state).cluster(
                X,
                docs,
                min_topic_size=min_topic_size,
                max_topics=max_topics,
                reduce_outliers=reduce_outliers,
                outlier_threshold=outlier_threshold,
            )
            out.details["fallback"] = "kmeans (too few turns for UMAP)"
            return out

        import hdbscan
        from bertopic import BERTopic
        from umap import UMAP

        min_samples = max(2, int(min_topic_size) // 3)
        umap_model = UMAP(
            n_neighbors=min(15, n - 1),
            n_components=5,
            min_dist=0.0,
            metric="cosine",
            random_state=self.random_state,
            low_memory=True,
            n_jobs=1,
            n_epochs=200,
        )
        hdbscan_model = hdbscan.HDBSCAN(
            min_cluster_size=int(min_topic_size),
            min_samples=min_samples,
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=True,
        )
        model = BERTopic(
            embedding_model=_embedder_adapter(embedder) if embedder is not None else None,
            umap_model=umap_model,
            hdbscan_model=hdbscan_model,
            vectorizer_model=make_vectorizer(n),
            min_topic_size=int(min_topic_size),
            calculate_probabilities=False,
            verbose=False,
        )
        topics, _ = model.fit_transform(docs, embeddings=X)
        labels = np.asarray(topics, dtype=int)
        n_out = int((labels == -1).sum())
        if reduce_outliers and n_out and (labels >= 0).any():
            labels = np.asarray(
                model.reduce_outliers(docs, labels.tolist(), strategy="embeddings", embeddings=X, threshold=outlier_threshold),
                dtype=int,
            )
            # BERTopic warns that custom topic lists do not suit later topic
            # reduction; ours is the last step, so that warning is noise here.
            bt_logger = logging.getLogger("BERTopic")
            level = bt_logger.level
            bt_logger.setLevel(logging.ERROR)
            try:
                model.update_topics(docs, topics=labels.tolist(), vectorizer_model=make_vectorizer(n))
            finally:
                bt_logger.setLevel(level)
        kept = sorted(c for c in set(labels.tolist()) if c >= 0)
        remap = {c: i for i, c in enumerate(kept)}
        labels = np.array([remap.get(c, -1) for c in labels.tolist()], dtype=int)
        logger.info(
            "bertopic: %d clusters; %d of %d turns were outliers before reduction, %d after",
            len(kept),
            n_out,
            n,
            int((labels == -1).sum()),
        )
        details = {
            "umap_n_neighbors": min(15, n - 1),
            "hdbscan_min_cluster_size": int(min_topic_size),
            "hdbscan_min_samples": min_samples,
        }
        return Clustering(labels, n_out, details, model)

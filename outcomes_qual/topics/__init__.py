"""Emergent themes: topic modelling that proposes themes the codebook did not anticipate.

One pass does both: turns that clearly match a codebook theme (or that a
coder coded) are assigned to it, the rest are clustered, and each cluster is
compared with the codebook; clusters no code is close to are *emergent*.

Two backends give the same tables: ``"bertopic"`` (BERTopic with the
packaged sentence-transformers model, UMAP and HDBSCAN; the ``embeddings``
extra) and ``"light"`` (TF-IDF/LSA embeddings and k-means, scikit-learn
only). ``"auto"`` picks BERTopic when it is installed.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> said = ["Agency staff leave so quickly.", "Agency cover again this week, another locum.",
...         "The panel forms take all day.", "Panel paperwork and forms again."]
>>> turns = [(f"P{i % 4}", "practitioner", said[i % 4]) for i in range(12)]
>>> result = find_topics(Corpus.from_turns("fg1", turns), backend="light", min_topic_size=3)
>>> list(result.topics.columns[:3])
['topic_id', 'label', 'size']
"""

from ._base import BACKENDS, EXTRA_MESSAGE, TopicBackend, TopicBackendUnavailable
from ._registry import get_backend, resolve_backend
from .figures import write_topic_figures
from .model import DEFAULT_THRESHOLDS, TopicModel
from .tables import (
    ASSIGNMENT_COLUMNS,
    TOPIC_BY_AUTHORITY_COLUMNS,
    TOPIC_BY_ROLE_COLUMNS,
    TopicResult,
    find_topics,
    write_topic_tables,
)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "BACKENDS",
    "DEFAULT_THRESHOLDS",
    "EXTRA_MESSAGE",
    "TOPIC_BY_AUTHORITY_COLUMNS",
    "TOPIC_BY_ROLE_COLUMNS",
    "TopicBackend",
    "TopicBackendUnavailable",
    "TopicModel",
    "TopicResult",
    "find_topics",
    "get_backend",
    "resolve_backend",
    "write_topic_figures",
    "write_topic_tables",
]

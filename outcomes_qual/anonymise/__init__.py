"""Anonymisation (placeholder until the anonymisation issue lands).

``pseudonymise_corpus`` is the single entry point that report, topics and
REFI export call before anything leaves the toolkit.
"""

from __future__ import annotations

import pandas as pd


def pseudonymise_corpus(corpus, *, names=None):
    """Return ``(corpus, mapping)``; the placeholder returns the corpus unchanged."""
    return corpus, pd.DataFrame(columns=["original", "replacement", "category"])

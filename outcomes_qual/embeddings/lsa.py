"""Light embedding backend: TF-IDF followed by latent semantic analysis.

No torch needed. The space is learned from the texts given to ``fit`` (for
coding: the corpus plus the codebook's definitions and examples), so words
that co-occur in the corpus end up close together.

Examples
--------
>>> emb = LSAEmbedder(n_components=2).fit([
...     "paperwork and forms take all day", "the forms and the IT system",
...     "families talk about what matters", "what matters to the family",
... ])
>>> X = emb.transform(["forms", "family matters"])
>>> X.shape
(2, 2)
>>> bool(X[0] @ emb.transform(["paperwork forms"])[0] > X[1] @ emb.transform(["paperwork forms"])[0])
True
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from ._base import Embedder, as_text_list
from ._text import stem_tokens

logger = logging.getLogger(__name__)


def _stemmed(text: str) -> list[str]:
    return stem_tokens(text)


def _stemmed_all(text: str) -> list[str]:
    return stem_tokens(text, stop_words=False)


class LSAEmbedder(Embedder):
    """TF-IDF (words and bigrams, sublinear tf) reduced with truncated SVD.

    Parameters
    ----------
    n_components : int, default 150
        Dimensions kept (capped by the vocabulary and number of texts).
    ngram_range : tuple of int, default (1, 2)
    min_df : int, default 1
    stop_words : bool, default True
        Drop English stop words before stemming (tokens are stemmed with
        :func:`outcomes_qual.embeddings._text.stem`).
    random_state : int, default 0
        Seed of the SVD, so runs are reproducible.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
    svd_ : TruncatedSVD or None
        ``None`` when there are too few texts for SVD (tf-idf rows are used).
    dim_ : int
    """

    backend = "lsa"

    def __init__(self, *, n_components=150, ngram_range=(1, 2), min_df=1, stop_words=True, random_state=0):
        self.n_components = n_components
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.stop_words = stop_words
        self.random_state = random_state

    def fit(self, texts, y=None) -> "LSAEmbedder":
        """Learn the tf-idf vocabulary and the SVD from ``texts``."""
        texts = [t for t in as_text_list(texts) if t.strip()]
        if not texts:
            raise ValueError("texts: expected at least one non-empty text to fit the LSA embedder, got none")
        vec = TfidfVectorizer(
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            tokenizer=_stemmed if self.stop_words else _stemmed_all,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
            strip_accents="unicode",
        )
        try:
            X = vec.fit_transform(texts)
        except ValueError:  # only stop words: keep every word instead
            vec.set_params(tokenizer=_stemmed_all)
            X = vec.fit_transform(texts)
        k = min(int(self.n_components), X.shape[1] - 1, X.shape[0] - 1)
        self.vectorizer_ = vec
        if k >= 2:
            self.svd_ = TruncatedSVD(n_components=k, random_state=self.random_state, algorithm="randomized", n_iter=4)
            self.svd_.fit(X)
            self.dim_ = k
        else:
            self.svd_ = None
            self.dim_ = X.shape[1]
        logger.debug("LSA fitted on %d texts: %d terms, %d dimensions", X.shape[0], X.shape[1], self.dim_)
        return self

    def _embed(self, texts: list[str]) -> np.ndarray:
        X = self.vectorizer_.transform(texts)
        if self.svd_ is None:
            return X.toarray()
        return self.svd_.transform(X)

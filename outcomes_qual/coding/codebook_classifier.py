"""A theme classifier trained on the codebook itself: zero-shot with respect to the corpus.

The codebook's own texts (each code's definition, inclusion criteria and
example statements, a sub-code's texts counting for its theme) are the
training set of a multinomial logistic regression on their embeddings. It
learns which *directions* in the embedding space tell one theme from the
others, where the semantic coder's nearest-text similarity only asks how
close a turn comes to any one text. No turn of the corpus and no human
coding is used, so it is as zero-shot as the semantic coder; the ensemble
adds its log-odds to the combined score (``classifier_weight``).

Measured leave-one-source-out on the three dev sources (README, "How well it
codes"), adding it raised macro-F1 on wales (0.58 to 0.68) and the webinar
(0.42 to 0.48) and left the videos about level (0.39 to 0.38).

Examples
--------
>>> import numpy as np
>>> vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
>>> clf = CodebookClassifier().fit(vectors, ["time", "time", "partners", "partners"])
>>> clf.classes_.tolist()
['partners', 'time']
>>> lo = clf.log_odds(np.array([[1.0, 0.0]]), ["time", "partners", "resistance"])
>>> bool(lo[0, 0] > 0 > lo[0, 1]), float(lo[0, 2])
(True, 0.0)
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

#: Probabilities are clipped to [EPS, 1 - EPS] before taking log-odds.
EPS = 1e-6


class CodebookClassifier(BaseEstimator):
    """Multinomial logistic regression from codebook-text embeddings to themes.

    Parameters
    ----------
    C : float, default 8.0
        Inverse regularisation strength of the logistic regression (values
        from 4 to 16 measured alike on the dev sources).
    max_iter : int, default 3000

    Attributes
    ----------
    model_ : LogisticRegression or None
        ``None`` when the texts name fewer than two themes (nothing to tell apart).
    classes_ : ndarray of str
        The themes it was fitted on, sorted.
    """

    def __init__(self, *, C=8.0, max_iter=3000):
        self.C = C
        self.max_iter = max_iter

    def fit(self, vectors, themes, sample_weight=None) -> "CodebookClassifier":
        """Fit on the embeddings of codebook texts and the theme each text describes.

        Parameters
        ----------
        vectors : array-like of shape (n_texts, n_dims)
        themes : sequence of str, length n_texts
        sample_weight : array-like of shape (n_texts,), optional
            Weight of each text (the ensemble gives turns a person coded more
            weight than the codebook's texts when it learns).

        Returns
        -------
        self
        """
        X = np.asarray(vectors, dtype=float)
        y = np.asarray([str(t) for t in themes])
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"vectors: expected a 2-D array with one row per theme label ({len(y)}), got shape {X.shape}")
        if not float(self.C) > 0:
            raise ValueError(f"C: expected a positive number, got {self.C!r}")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (len(y),):
                raise ValueError(f"sample_weight: expected shape ({len(y)},), got {sample_weight.shape}")
        self.classes_ = np.unique(y)
        self.model_ = None
        if len(self.classes_) >= 2:
            model = LogisticRegression(C=float(self.C), max_iter=int(self.max_iter))
            self.model_ = model.fit(X, y, sample_weight=sample_weight)
        else:
            logger.info("codebook classifier: fewer than two themes to tell apart; it adds nothing")
        return self

    def log_odds(self, vectors, themes) -> np.ndarray:
        """Log-odds ``log(p / (1 - p))`` of each theme in ``themes`` for each row of ``vectors``.

        A theme the classifier was not fitted on (or every theme, when it
        had fewer than two) gets 0, i.e. no evidence either way.

        Returns
        -------
        ndarray of shape (n_rows, len(themes))
        """
        check_is_fitted(self, "classes_")
        X = np.asarray(vectors, dtype=float)
        out = np.zeros((len(X), len(themes)))
        if self.model_ is None or not len(X):
            return out
        p = np.clip(self.model_.predict_proba(X), EPS, 1 - EPS)
        lo = np.log(p) - np.log1p(-p)
        col = {c: j for j, c in enumerate(self.model_.classes_)}
        for k, theme in enumerate(themes):
            if theme in col:
                out[:, k] = lo[:, col[theme]]
        return out

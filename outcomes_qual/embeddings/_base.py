"""The small interface every embedding backend implements.

An :class:`Embedder` turns a list of texts into a dense ``numpy`` array with
one L2-normalised row per text, so that a dot product is a cosine
similarity. Backends follow scikit-learn's estimator contract: a
keyword-only constructor that only stores parameters, ``fit`` returning
``self``, fitted attributes ending in ``_``.

Examples
--------
>>> import numpy as np
>>> l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
[[0.6, 0.8], [0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import OutcomesQualError

#: The message shown when the optional sentence-embedding stack is missing.
INSTALL_HINT = "install outcomes_qual[embeddings] for sentence embeddings"


class EmbeddingBackendUnavailable(OutcomesQualError, ImportError):
    """The requested backend's optional dependencies or model are missing (the CLI prints one line)."""


def as_text_list(texts: Iterable[str] | str) -> list[str]:
    """Return ``texts`` as a list of str (``None``/NaN become ``""``).

    Examples
    --------
    >>> as_text_list(["a", None, 3])
    ['a', '', '3']
    """
    if isinstance(texts, str):
        raise TypeError("texts: expected a list of strings, got a single str; wrap it in a list")
    out = []
    for t in texts:
        if t is None or (isinstance(t, float) and np.isnan(t)):
            out.append("")
        else:
            out.append(str(t))
    return out


def l2_normalise(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (all-zero rows stay zero)."""
    matrix = np.asarray(matrix)
    if matrix.dtype != np.float32:
        matrix = matrix.astype(float)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms < 1e-9] = np.inf  # (near-)zero rows stay zero
    return matrix / norms


class Embedder(BaseEstimator):
    """Base class: subclasses implement :meth:`fit` and :meth:`_embed`.

    Attributes
    ----------
    backend : str
        Short backend name (``"lsa"``, ``"sentence-transformers"``).
    """

    backend: str = "base"

    def fit(self, texts) -> "Embedder":  # pragma: no cover - abstract
        """Learn what the backend needs from ``texts``; return ``self``."""
        raise NotImplementedError

    def _embed(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def transform(self, texts) -> np.ndarray:
        """Embed ``texts``: an array of shape ``(len(texts), dim)`` with unit rows."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        texts = as_text_list(texts)
        if not texts:
            return np.zeros((0, self.dim_), dtype=float)
        return l2_normalise(self._embed(texts))

    def fit_transform(self, texts, y=None) -> np.ndarray:
        """``fit(texts)`` then ``transform(texts)``."""
        texts = as_text_list(texts)
        return self.fit(texts).transform(texts)

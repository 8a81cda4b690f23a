"""A multi-label head on frozen text embeddings: one logistic regression per code, fitted jointly.

The default coder's learned part. Its training rows are the codebook's own
texts (each labelled with its code and, rolled up, its theme), the turns of
the codebook's training corpus (:mod:`outcomes_qual.codebook.training`) and
the turns an evaluator coded, each with a weight. Every code (theme or
sub-code) gets its own binary logistic regression (one-vs-rest: a turn may
carry several themes), all fitted in one L-BFGS run over the summed losses,
which gives exactly the per-code solutions (the losses do not interact) in a
fraction of the time of fitting them one by one::

    minimise  C * sum_i w_i * sum_k logloss(y_ik, x_i . beta_k + b_k) + 0.5 * sum_k |beta_k|^2

(scikit-learn's ``LogisticRegression`` objective, per code). A code with no
positive row is never predicted (its log-odds are ``-NO_DATA_LOG_ODDS``).

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0], [0.1, 0.9]])
>>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
>>> head = CodeHead(C=10.0).fit(X, Y)
>>> lo = head.log_odds(np.array([[1.0, 0.1]]))
>>> bool(lo[0, 0] > 0 > lo[0, 1])
True
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

#: Log-odds given to a code the head has no positive example of.
NO_DATA_LOG_ODDS = 8.0


def _loss_and_grad(params: np.ndarray, X: np.ndarray, Y: np.ndarray, w: np.ndarray, C: float, k: int):
    # the products run in X's precision (float32: half the time); sums and the optimiser stay in float64
    d = X.shape[1]
    W = params[: d * k].reshape(d, k)
    b = params[d * k :]
    Z = (X @ W.astype(X.dtype)).astype(np.float64) + b
    # logloss(y, z) = log(1 + exp(z)) - y z, computed stably
    loss = np.logaddexp(0.0, Z) - Y * Z
    total = C * float(w @ loss.sum(axis=1)) + 0.5 * float((W * W).sum())
    G = C * (1.0 / (1.0 + np.exp(-Z)) - Y) * w[:, None]
    grad_W = (X.T @ G.astype(X.dtype)).astype(np.float64) + W
    grad_b = G.sum(axis=0)
    return total, np.concatenate([grad_W.ravel(), grad_b])


class CodeHead(BaseEstimator):
    """One-vs-rest logistic regressions (one per column of ``Y``) on embeddings, fitted jointly.

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularisation strength, as in scikit-learn's ``LogisticRegression``.
    max_iter : int, default 500
        L-BFGS iterations at most.

    Attributes
    ----------
    coef_ : ndarray of shape (n_dims, n_codes)
    intercept_ : ndarray of shape (n_codes,)
    has_data_ : ndarray of bool, shape (n_codes,)
        Codes with at least one positive and one negative row.
    always_ : ndarray of bool, shape (n_codes,)
        Codes every (weighted) row has: always predicted.
    """

    def __init__(self, *, C=1.0, max_iter=500):
        self.C = C
        self.max_iter = max_iter

    def fit(self, X, Y, sample_weight=None, init=None) -> "CodeHead":
        """Fit on vectors ``X`` (rows) and the binary label matrix ``Y`` (rows x codes).

        ``init``: a fitted :class:`CodeHead` of the same shape to start from
        (the same optimum, reached in fewer iterations when the data changed little).

        Returns
        -------
        self
        """
        X = np.asarray(X, dtype=np.float32)
        Y = np.asarray(Y, dtype=np.float64)
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
            raise ValueError(f"X, Y: expected 2-D arrays with the same number of rows, got shapes {X.shape} and {Y.shape}")
        if not float(self.C) > 0:
            raise ValueError(f"C: expected a positive number, got {self.C!r}")
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if w.shape != (len(X),):
            raise ValueError(f"sample_weight: expected shape ({len(X)},), got {w.shape}")
        d, k = X.shape[1], Y.shape[1]
        pos = (Y * (w[:, None] > 0)).sum(axis=0)
        self.always_ = pos >= max(int((w > 0).sum()), 1)
        self.has_data_ = (pos > 0) & ~self.always_
        # start from each code's base rate, so codes without data stay put
        rate = np.clip((Y * w[:, None]).sum(axis=0) / max(w.sum(), 1e-12), 1e-4, 1 - 1e-4)
        start = np.concatenate([np.zeros(d * k), np.log(rate / (1 - rate))])
        if init is not None and getattr(init, "coef_", np.zeros(0)).shape == (d, k):
            start = np.concatenate([init.coef_.ravel(), init.intercept_])
        if len(X):
            res = minimize(
                _loss_and_grad,
                start,
                args=(X, Y, w, float(self.C), k),
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": int(self.max_iter)},
            )
            params = res.x
        else:
            params = start
        self.coef_ = params[: d * k].reshape(d, k)
        self.intercept_ = params[d * k :]
        self.n_features_in_ = d
        return self

    def log_odds(self, X) -> np.ndarray:
        """Log-odds of each code for each row of ``X`` (codes without data: ``-NO_DATA_LOG_ODDS``)."""
        check_is_fitted(self, "coef_")
        X = np.asarray(X, dtype=np.float64)
        out = X @ self.coef_ + self.intercept_ if len(X) else np.zeros((0, len(self.intercept_)))
        out[:, ~self.has_data_] = -NO_DATA_LOG_ODDS
        out[:, self.always_] = NO_DATA_LOG_ODDS
        return out

"""Ensemble coder (the default of :func:`outcomes_qual.coding.autocode`).

Combines, on one calibrated scale, the semantic coder's z-score (how far a
turn's similarity to a code lies above what text about other themes gets),
the keyword coder's score (weighted matched terms) and, when human codings
are given to ``fit``, the supervised coder's log-odds::

    z = z_semantic + keyword_weight * keyword_score + w_code * logit(p_supervised)

where ``w_code = supervised_weight * n / (n + supervised_prior)`` grows with the
number ``n`` of turns people coded with that code.

The probability is ``1 / (1 + exp(-slope * (z - z_threshold)))``. A theme is
assigned when the probability reaches ``threshold``; the turn's best theme is
assigned too when its combined score reaches ``top1_z`` (by default, a
quarter of a standard deviation above text about other themes). Evidence names the keywords
that fired, otherwise the nearest codebook text (or coded turn).

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("demo", (
...     Code("systems_barriers", "Systems", "Forms, IT systems and paperwork.", keywords=("forms", "IT system"),
...          examples=("The IT system and the forms take all day.", "Recording on the database is slow.")),
...     Code("time", "Time", "Not enough time; caseloads and deadlines.", keywords=("no time", "deadline"),
...          examples=("I never have enough time with families.", "Deadlines and caseloads leave no time.")),
... ))
>>> seg = pd.DataFrame({"segment_id": ["s1", "s2", "s3"],
...                     "text": ["The forms on the IT system are slow.", "No time, the caseloads are huge.", "Right."]})
>>> out = EnsembleCoder(codebook=cb, backend="lsa").fit(seg).predict(seg)
>>> out[["segment_id", "code", "evidence"]].values.tolist()
[['s1', 'systems_barriers', 'keywords: forms; IT system'], ['s2', 'time', 'keywords: no time']]
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ._base import DEFAULT_CODER, CalibratedCoder
from .keyword import KeywordCoder, keyword_evidence
from .semantic import SemanticCoder
from .supervised import SupervisedCoder

logger = logging.getLogger(__name__)


class EnsembleCoder(CalibratedCoder):
    """Keyword + semantic (+ supervised when codings are given) on one calibrated scale.

    Parameters
    ----------
    codebook : Codebook or path
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
        Embedding backend of the semantic and supervised parts.
    model_path : path-like, optional
    keyword_weight : float, default 0.5
        Weight of the keyword score (one unshared keyword scores 1).
    supervised_weight : float, default 1.0
        Weight of the supervised log-odds (used only when ``fit`` gets codings).
    supervised_prior : float, default 20
        The supervised weight of a code is scaled by ``n / (n + supervised_prior)``
        where ``n`` is its number of coded training turns: with few human codings
        the zero-shot evidence dominates; with many, the learned model does.
    z_threshold : float, default 2.0
        Combined score at which the probability is 0.5.
    top1_z : float or None, default 0.25
        Assign the best theme when its combined score reaches this (``None``: never force).
    slope : float, default 1.5
    threshold : float, default 0.5
    include_facilitator : bool, default False
    random_state : int, default 0
    coder : str, default "outcomes_qual"

    Attributes
    ----------
    keyword_ : KeywordCoder
    semantic_ : SemanticCoder
    supervised_ : SupervisedCoder or None
    method_ : str
        ``"ensemble"``.
    parts_ : list of str
        The methods combined, e.g. ``["keyword", "semantic-sentence"]``.
    """

    def __init__(
        self,
        *,
        codebook,
        backend="auto",
        model_path=None,
        keyword_weight=0.5,
        supervised_weight=1.0,
        supervised_prior=20,
        z_threshold=2.0,
        top1_z=0.25,
        slope=1.5,
        threshold=0.5,
        include_facilitator=False,
        random_state=0,
        coder=DEFAULT_CODER,
    ):
        self.codebook = codebook
        self.backend = backend
        self.model_path = model_path
        self.keyword_weight = keyword_weight
        self.supervised_weight = supervised_weight
        self.supervised_prior = supervised_prior
        self.z_threshold = z_threshold
        self.top1_z = top1_z
        self.slope = slope
        self.threshold = threshold
        self.include_facilitator = include_facilitator
        self.random_state = random_state
        self.coder = coder

    def fit(self, segments=None, codings=None) -> "EnsembleCoder":
        """Fit the keyword and semantic parts (and the supervised part when ``codings`` are given)."""
        cb = self._fit_codebook()
        common = dict(codebook=cb, include_facilitator=self.include_facilitator, coder=self.coder)
        self.keyword_ = KeywordCoder(**common).fit(segments)
        self.semantic_ = SemanticCoder(
            backend=self.backend, model_path=self.model_path, random_state=self.random_state, **common
        ).fit(segments)
        self.supervised_ = None
        if codings is not None and len(codings):
            self.supervised_ = SupervisedCoder(
                backend=self.semantic_.backend_, model_path=self.model_path, random_state=self.random_state, **common
            ).fit(segments, codings)
        self.parts_ = ["keyword", self.semantic_.method_] + (["supervised"] if self.supervised_ is not None else [])
        self.method_ = "ensemble"
        return self

    def _supervised_weights(self) -> np.ndarray:
        """Per-code weight of the supervised log-odds: ``w * n / (n + supervised_prior)``.

        ``n`` is the code's number of coded training turns, so the learned
        model counts for more as people code more (0 for codes it cannot learn).
        """
        sup = self.supervised_
        n = np.array([sup.n_positive_.get(k, 0) if k in sup.models_ else 0 for k in self.codes_], dtype=float)
        return float(self.supervised_weight) * n / (n + float(self.supervised_prior))

    def _z(self, seg: pd.DataFrame):
        """Combined calibrated scores, with the parts' evidence material."""
        kw_score, kw_terms = self.keyword_._raw(seg)
        z_sem, sims = self.semantic_._z(seg)
        z = z_sem + float(self.keyword_weight) * kw_score
        sup_ev = None
        if self.supervised_ is not None and len(seg):
            p_sup, sup_ev = self.supervised_._scores(seg)
            p = np.clip(p_sup, 1e-3, 1 - 1e-3)
            z = z + self._supervised_weights() * np.log(p / (1 - p))
        return z, kw_terms, sims, sup_ev

    def _scores(self, seg: pd.DataFrame):
        z, kw_terms, sims, sup_ev = self._z(seg)
        index = self._code_index()

        def evidence(i: int, key: str) -> str:
            j = index[key]
            hits = keyword_evidence(kw_terms[i].get(j))
            if hits:
                return hits
            if sup_ev is not None and key in self.supervised_.models_:
                return sup_ev(i, key)
            return self.semantic_._nearest(sims, i, j)

        return self._proba(z), evidence

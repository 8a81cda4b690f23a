"""Supervised coder: learns from human codings and suggests codes for the rest.

Features are the turn's embedding (any backend of
:func:`outcomes_qual.embeddings.get_embedder`) next to stemmed word and
bigram tf-idf; one logistic regression per code (one-vs-rest, balanced class
weights). Every segment given to ``fit`` is a training unit: codes it does not
carry in ``codings`` count as absent, so pass only the turns a person has
coded. Sub-codes roll up to their themes.

:func:`cross_validate_agreement` reports how far the coder agrees with the
human coding on held-out folds (per code precision, recall, F1 and Cohen's kappa).

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("d", (Code("time", "Time", "Time."), Code("partners", "Partners", "Agencies.")))
>>> seg = pd.DataFrame({"segment_id": list("abcdef"), "text": [
...     "no time for visits", "the deadline again, no time", "time pressure and caseloads",
...     "the GP and the school", "the school nurse and GP surgery", "housing and the school"]})
>>> codings = pd.DataFrame({"segment_id": list("abcdef"), "code": ["time"] * 3 + ["partners"] * 3})
>>> coder = SupervisedCoder(codebook=cb, backend="lsa").fit(seg, codings)
>>> new = pd.DataFrame({"segment_id": ["x"], "text": ["we ran out of time before the deadline"]})
>>> coder.predict(new)["code"].tolist()
['time']
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score
from sklearn.model_selection import KFold

from ..embeddings import get_embedder, resolve_backend
from ..embeddings._text import stem_tokens
from ._base import DEFAULT_CODER, BaseCoder, as_codebook, as_segments, theme_labels

logger = logging.getLogger(__name__)

#: Columns of :func:`cross_validate_agreement`, declared once.
CV_AGREEMENT_COLUMNS: tuple[str, ...] = ("code", "n_units", "n_positive", "precision", "recall", "f1", "cohen_kappa")


def _stemmed(text: str) -> list[str]:
    return stem_tokens(text)


class SupervisedCoder(BaseCoder):
    """One-vs-rest logistic regression on embeddings and tf-idf, trained on human codings.

    Parameters
    ----------
    codebook : Codebook or path
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
    model_path : path-like, optional
    C : float, default 1.0
        Inverse regularisation strength.
    min_positive : int, default 2
        Codes with fewer positive training units are never predicted.
    threshold : float, default 0.5
    top1_threshold : float or None, default 0.35
    include_facilitator : bool, default False
    random_state : int, default 0
    coder : str, default "outcomes_qual"

    Attributes
    ----------
    codebook_, codes_, themes_
    embedder_ : Embedder
    vectorizer_ : TfidfVectorizer
    models_ : dict
        Code key to fitted ``LogisticRegression`` (codes with enough examples only).
    n_positive_ : dict
        Code key to its number of positive training units.
    method_ : str
        ``"supervised"``.
    """

    def __init__(
        self,
        *,
        codebook,
        backend="auto",
        model_path=None,
        C=1.0,
        min_positive=2,
        threshold=0.5,
        top1_threshold=0.35,
        include_facilitator=False,
        random_state=0,
        coder=DEFAULT_CODER,
    ):
        self.codebook = codebook
        self.backend = backend
        self.model_path = model_path
        self.C = C
        self.min_positive = min_positive
        self.threshold = threshold
        self.top1_threshold = top1_threshold
        self.include_facilitator = include_facilitator
        self.random_state = random_state
        self.coder = coder

    def fit(self, segments, codings=None) -> "SupervisedCoder":
        """Learn each code from ``codings`` of ``segments`` (all of ``segments`` are training units).

        Raises
        ------
        ValueError
            If ``codings`` is missing or assigns no code of the codebook to any segment.
        """
        if codings is None:
            raise ValueError("codings: SupervisedCoder needs human codings (segment_id, code) to learn from, got None")
        self._fit_codebook()
        seg = self._check_input(segments)
        if not len(seg):
            raise ValueError("segments: expected at least one (non-facilitator) segment to train on, got none")
        Y = theme_labels(codings, seg["segment_id"], self.codes_)
        if not Y.any():
            known = sorted(set(codings["code"].astype(str)))[:6]
            raise ValueError(f"codings: none of the codes {known} matches a segment and a codebook key; nothing to learn")
        texts = seg["text"].tolist()
        self.backend_ = resolve_backend(self.backend, model_path=self.model_path)
        self.embedder_ = get_embedder(self.backend_, model_path=self.model_path, random_state=self.random_state)
        self.embedder_.fit(texts if self.backend_ == "lsa" else None)
        self.vectorizer_ = TfidfVectorizer(
            tokenizer=_stemmed, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True, min_df=1
        )
        try:
            self.vectorizer_.fit(texts)
        except ValueError:  # nothing but stop words
            self.vectorizer_ = None
        X, emb = self._features(texts)
        self.train_ids_ = seg["segment_id"].to_numpy()
        self.train_texts_ = np.array(texts, dtype=object)
        self.train_vectors_ = emb
        self.train_labels_ = Y
        self.n_positive_ = {k: int(Y[:, j].sum()) for j, k in enumerate(self.codes_)}
        self.models_ = {}
        for j, key in enumerate(self.codes_):
            pos = int(Y[:, j].sum())
            if pos < self.min_positive or pos == len(Y):
                continue
            model = LogisticRegression(
                C=self.C, class_weight="balanced", max_iter=1000, solver="liblinear", random_state=self.random_state
            )
            model.fit(X, Y[:, j])
            self.models_[key] = model
        self.method_ = "supervised"
        if not self.models_:
            logger.warning(
                "supervised coder: no code has %d or more coded turns to learn from; it will suggest nothing",
                self.min_positive,
            )
        logger.info("supervised coder trained on %d units; %d codes learnable", len(seg), len(self.models_))
        return self

    def cross_validate(self, segments, codings: pd.DataFrame, *, n_splits: int = 5, level: str = "theme") -> pd.DataFrame:
        """Cross-validated agreement of a coder with these parameters (see :func:`cross_validate_agreement`)."""
        params = {k: v for k, v in self.get_params().items() if k not in ("codebook", "random_state")}
        return cross_validate_agreement(
            segments, codings, self.codebook, n_splits=n_splits, random_state=self.random_state, level=level, **params
        )

    def _features(self, texts: list[str]):
        emb = self.embedder_.transform(texts)
        blocks = [sparse.csr_matrix(emb)]
        if self.vectorizer_ is not None:
            blocks.append(self.vectorizer_.transform(texts))
        return sparse.hstack(blocks).tocsr(), emb

    def _scores(self, seg: pd.DataFrame):
        texts = seg["text"].tolist()
        proba = np.zeros((len(seg), len(self.codes_)))
        if not len(seg):
            return proba, lambda i, key: ""
        X, emb = self._features(texts)
        for j, key in enumerate(self.codes_):
            model = self.models_.get(key)
            if model is not None:
                proba[:, j] = model.predict_proba(X)[:, 1]
        index = self._code_index()
        sims = emb @ self.train_vectors_.T

        def evidence(i: int, key: str) -> str:
            j = index[key]
            pos = np.flatnonzero(self.train_labels_[:, j])
            if not len(pos):
                return ""
            best = pos[int(np.argmax(sims[i, pos]))]
            text = self.train_texts_[best]
            text = text if len(text) <= 120 else text[:117] + "..."
            return f'learned from {len(pos)} coded turns; nearest: {self.train_ids_[best]} "{text}"'

        return proba, evidence


def cross_validate_agreement(
    segments,
    codings: pd.DataFrame,
    codebook,
    *,
    n_splits: int = 5,
    random_state: int = 0,
    level: str = "theme",
    **coder_params,
) -> pd.DataFrame:
    """Cross-validated agreement between a :class:`SupervisedCoder` and human codings.

    Parameters
    ----------
    segments : DataFrame or Corpus
        The coded units (all of them count, coded or not).
    codings : DataFrame
        Human codings with ``segment_id`` and ``code``.
    codebook : Codebook or path
    n_splits : int, default 5
    random_state : int, default 0
    level : {"theme", "code"}, default "theme"
        Score themes (sub-codes rolled up) or every code key.
    **coder_params
        Passed to :class:`SupervisedCoder` (e.g. ``backend="lsa"``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CV_AGREEMENT_COLUMNS`, one row per code plus a ``macro`` row
        (unweighted mean over codes with at least one positive unit).

    Examples
    --------
    >>> import pandas as pd
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> cb = Codebook("d", (Code("time", "Time", "Time."), Code("partners", "Partners", "Agencies.")))
    >>> seg = pd.DataFrame({"segment_id": [str(i) for i in range(8)],
    ...                     "text": ["no time", "time pressure", "deadline time", "out of time",
    ...                              "the GP", "school and GP", "the GP again", "school nurse"]})
    >>> cod = pd.DataFrame({"segment_id": seg["segment_id"], "code": ["time"] * 4 + ["partners"] * 4})
    >>> cross_validate_agreement(seg, cod, cb, n_splits=2, backend="lsa")["code"].tolist()
    ['time', 'partners', 'macro']
    """
    cb = as_codebook(codebook)
    seg = as_segments(segments, include_facilitator=coder_params.get("include_facilitator", False))
    keys = cb.theme_keys() if level == "theme" else cb.keys()
    if level not in ("theme", "code"):
        raise ValueError(f"level: expected 'theme' or 'code', got {level!r}")
    Y = theme_labels(codings, seg["segment_id"], keys)
    pred = np.zeros_like(Y)
    n_splits = max(2, min(n_splits, len(seg)))
    for train, test in KFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(seg):
        sub = codings[codings["segment_id"].astype(str).isin(set(seg["segment_id"].iloc[train]))]
        try:
            coder = SupervisedCoder(codebook=cb, random_state=random_state, **coder_params).fit(seg.iloc[train], sub)
        except ValueError:
            continue
        out = coder.predict(seg.iloc[test])
        pred[test] = theme_labels(out, seg["segment_id"].iloc[test], keys)
    rows = []
    for j, key in enumerate(keys):
        y, p = Y[:, j], pred[:, j]
        kappa = cohen_kappa_score(y, p) if (len(set(y)) > 1 or len(set(p)) > 1) else 1.0
        rows.append(
            {
                "code": key,
                "n_units": len(y),
                "n_positive": int(y.sum()),
                "precision": precision_score(y, p, zero_division=0),
                "recall": recall_score(y, p, zero_division=0),
                "f1": f1_score(y, p, zero_division=0),
                "cohen_kappa": float(kappa),
            }
        )
    table = pd.DataFrame(rows, columns=list(CV_AGREEMENT_COLUMNS))
    scored = table[table["n_positive"] > 0]
    macro: dict[str, str | int | float] = {"code": "macro", "n_units": len(seg), "n_positive": int(Y.sum())}
    macro.update({c: float(scored[c].mean()) if len(scored) else np.nan for c in ("precision", "recall", "f1", "cohen_kappa")})
    return pd.concat([table, pd.DataFrame([macro], columns=list(CV_AGREEMENT_COLUMNS))], ignore_index=True)

"""Ensemble coder (the default of :func:`outcomes_qual.coding.autocode`).

Combines, on one calibrated scale, the semantic coder's z-score (how far a
turn's similarity to a code's definition, inclusion criteria and examples
lies above what text about other themes gets), the log-odds of a theme
classifier trained on the codebook's own texts
(:class:`~outcomes_qual.coding.codebook_classifier.CodebookClassifier`,
themes only), the keyword coder's score (weighted matched terms, damped for
terms that most turns of the corpus use) and, when human codings are given
to ``fit``, the supervised coder's log-odds::

    z = z_semantic + classifier_weight * logit(p_codebook_classifier)
        + keyword_weight * keyword_score + w_code * logit(p_supervised)

where ``w_code = supervised_weight * n / (n + supervised_prior)`` grows with the
number ``n`` of turns people coded with that code.

Decisions are by rank (``decision="rank"``, the default): a turn gets its
best theme when that theme's score reaches ``floor``, and every other theme
whose score reaches ``floor`` and lies within ``margin`` of the best. Ranks
carry from one corpus to another better than absolute thresholds, which
shift with the length and style of the text. ``decision="threshold"`` keeps
the absolute rule (probability >= ``threshold``).

Each code's ``confidence`` is ``1 / (1 + exp(-slope * (z - z_threshold)))``,
with ``z_threshold`` and ``slope`` calibrated on the development sources
(``benchmarks/coding_agreement.py``), so that a confidence of 0.7 means that
about 7 in 10 such suggestions agree with a human analyst. Suggestions below
``review_below`` are marked ``uncertain`` for review. Evidence names the
keywords that fired, otherwise the nearest codebook text (or coded turn).
The settings were chosen by leave-one-source-out cross-validation on three
development sources; see the README's coding section for the figures.

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
from sklearn.utils.validation import check_is_fitted

from ._base import DEFAULT_CODER, CalibratedCoder, theme_labels
from .codebook_classifier import CodebookClassifier
from .keyword import KeywordCoder, keyword_evidence
from .semantic import SemanticCoder
from .supervised import SupervisedCoder

logger = logging.getLogger(__name__)

#: Values of ``EnsembleCoder(decision=...)``.
DECISIONS: tuple[str, ...] = ("rank", "threshold")

#: Codebook texts the ensemble's semantic part compares turns with (keyword
#: lists are left to the keyword part, so they do not count twice).
SEMANTIC_ITEM_KINDS: tuple[str, ...] = ("definition", "include", "example")


def rank_decisions(scores: np.ndarray, *, floor: float, margin: float) -> np.ndarray:
    """The rank rule: per row, the best column if it reaches ``floor``, and others within ``margin`` of it.

    Parameters
    ----------
    scores : ndarray of shape (n_units, n_codes)
    floor, margin : float

    Returns
    -------
    ndarray of bool, same shape

    Examples
    --------
    >>> rank_decisions(np.array([[2.0, 1.7, 0.2], [0.1, 0.3, 0.0]]), floor=0.5, margin=0.5).astype(int).tolist()
    [[1, 1, 0], [0, 0, 0]]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.shape[1] == 0:
        return np.zeros(scores.shape, dtype=bool)
    best = scores.max(axis=1, keepdims=True)
    return (scores >= float(floor)) & (scores >= best - float(margin))


def combine_scores(z_semantic, classifier_log_odds, keyword_score, *, classifier_weight: float, keyword_weight: float) -> np.ndarray:
    """The ensemble's zero-shot score: ``z_semantic + classifier_weight * log-odds + keyword_weight * keyword_score``.

    One place for the combination, so that the benchmarks' tuning grid
    (``benchmarks/_agreement_protocol.py``) scores exactly what the coder does.

    Examples
    --------
    >>> combine_scores(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]), np.array([[1.0, 0.0]]),
    ...                classifier_weight=0.5, keyword_weight=1.25).tolist()
    [[2.25, 1.0]]
    """
    return (np.asarray(z_semantic, dtype=float) + float(classifier_weight) * np.asarray(classifier_log_odds, dtype=float)
            + float(keyword_weight) * np.asarray(keyword_score, dtype=float))


class EnsembleCoder(CalibratedCoder):
    """Keyword + semantic + codebook classifier (+ supervised when codings are given) on one calibrated scale.

    Parameters
    ----------
    codebook : Codebook or path
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
        Embedding backend of the semantic and supervised parts.
    model_path : path-like, optional
    keyword_weight : float, default 1.25
        Weight of the keyword score (one unshared keyword scores 1).
    keyword_df_damping : tuple of float or None, default (0.05, 0.5)
        Keyword terms found in more than 5% of the fitted turns weigh less,
        down to nothing at 50% (see :class:`KeywordCoder`'s ``df_damping``).
    classifier_weight : float, default 0.5
        Weight of the codebook classifier's log-odds on each theme (0: not used).
    classifier_C : float, default 8.0
        Regularisation of the codebook classifier (``C`` of its logistic regression).
    classifier_learn_weight : float, default 10.0
        When people's codings are given (``fit(codings=)`` or :meth:`learn`),
        the codebook classifier is refitted on the codebook's texts plus each
        coded turn, once per theme it was coded with, at this weight (one
        codebook text weighs 1; 0: the classifier does not learn).
    decision : {"rank", "threshold"}, default "rank"
    margin : float, default 0.5
        With ``decision="rank"``: other themes within this of the best are assigned too.
    floor : float, default 0.0
        With ``decision="rank"``: the least combined score a theme needs (at
        0, a turn with enough content words gets its best theme unless that
        score is negative; weakly supported ones come with a low confidence
        and are marked ``uncertain``).
    supervised_weight : float, default 1.0
        Weight of the supervised log-odds (used only when ``fit`` gets codings).
    supervised_prior : float, default 5
        The supervised weight of a code is scaled by ``n / (n + supervised_prior)``
        where ``n`` is its number of coded training turns: with few human codings
        the zero-shot evidence dominates; with many, the learned model does.
    z_threshold : float, default 2.43
        Combined score at which the confidence is 0.5 (calibrated).
    top1_z : float or None, default 0.25
        With ``decision="threshold"``: assign the best theme when its combined
        score reaches this (``None``: never force).
    slope : float, default 0.49
        Steepness of the confidence curve (calibrated).
    threshold : float, default 0.5
        With ``decision="threshold"``: the probability a code needs.
    review_below : float, default 0.5
        Suggestions with a lower confidence are marked ``uncertain``.
    min_content_words : int, default 1
        With ``decision="rank"``: a turn with fewer content words (filler
        such as "Right." or "Yeah, exactly.") and no keyword match gets no code.
    include_facilitator : bool, default False
    random_state : int, default 0
    coder : str, default "outcomes_qual"

    Attributes
    ----------
    keyword_ : KeywordCoder
    semantic_ : SemanticCoder
    classifier_ : CodebookClassifier
        Fitted on the semantic part's codebook texts, labelled by theme.
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
        keyword_weight=1.25,
        keyword_df_damping=(0.05, 0.5),
        classifier_weight=0.5,
        classifier_C=8.0,
        classifier_learn_weight=10.0,
        decision="rank",
        margin=0.5,
        floor=0.0,
        supervised_weight=1.0,
        supervised_prior=5,
        z_threshold=2.43,
        top1_z=0.25,
        slope=0.49,
        threshold=0.5,
        review_below=0.5,
        min_content_words=1,
        include_facilitator=False,
        random_state=0,
        coder=DEFAULT_CODER,
    ):
        self.codebook = codebook
        self.backend = backend
        self.model_path = model_path
        self.keyword_weight = keyword_weight
        self.keyword_df_damping = keyword_df_damping
        self.classifier_weight = classifier_weight
        self.classifier_C = classifier_C
        self.classifier_learn_weight = classifier_learn_weight
        self.decision = decision
        self.margin = margin
        self.floor = floor
        self.supervised_weight = supervised_weight
        self.supervised_prior = supervised_prior
        self.z_threshold = z_threshold
        self.top1_z = top1_z
        self.slope = slope
        self.threshold = threshold
        self.review_below = review_below
        self.min_content_words = min_content_words
        self.include_facilitator = include_facilitator
        self.random_state = random_state
        self.coder = coder

    def fit(self, segments=None, codings=None) -> "EnsembleCoder":
        """Fit the keyword and semantic parts (and the supervised part when ``codings`` are given)."""
        if self.decision not in DECISIONS:
            raise ValueError(f"decision: expected one of {DECISIONS}, got {self.decision!r}")
        cb = self._fit_codebook()
        common = dict(codebook=cb, include_facilitator=self.include_facilitator, coder=self.coder)
        self.keyword_ = KeywordCoder(df_damping=self.keyword_df_damping, **common).fit(segments)
        self.semantic_ = SemanticCoder(
            backend=self.backend, model_path=self.model_path, random_state=self.random_state,
            item_kinds=SEMANTIC_ITEM_KINDS, **common
        ).fit(segments)
        self.supervised_ = None
        if codings is not None and len(codings):
            self.supervised_ = SupervisedCoder(
                backend=self.semantic_.backend_, model_path=self.model_path, random_state=self.random_state, **common
            ).fit(segments, codings)
            self._fit_classifier(self._check_input(segments), codings)
        else:
            self._fit_classifier()
        self.parts_ = ["keyword", self.semantic_.method_] + (["supervised"] if self.supervised_ is not None else [])
        self.method_ = "ensemble"
        return self

    def learn(self, segments, codings) -> "EnsembleCoder":
        """Learn from people's codings of some turns, keeping the zero-shot parts as fitted.

        The step after a person has coded or corrected a sample: the
        supervised part is (re)fitted on the turns in ``codings``, and the
        codebook classifier on the codebook's texts plus those turns
        (``classifier_learn_weight``); the keyword and semantic parts, fitted
        on the whole corpus, stay.

        Parameters
        ----------
        segments : DataFrame or Corpus
            Turns that include the coded ones (others are ignored here).
        codings : DataFrame
            ``segment_id`` and ``code`` of the person's codings; a coded turn
            with no row for a code counts as not having it (a turn coded with
            no code at all: one row with an empty code).

        Returns
        -------
        self
        """
        check_is_fitted(self)
        seg = self._check_input(segments)
        coded = set(codings["segment_id"].astype(str))
        units = seg[seg["segment_id"].isin(coded)]
        if not len(units):
            raise ValueError("codings: none of their segment_id values is among the segments given")
        self.supervised_ = SupervisedCoder(
            codebook=self.codebook_, backend=self.semantic_.backend_, model_path=self.model_path,
            random_state=self.random_state, include_facilitator=self.include_facilitator, coder=self.coder,
        ).fit(units, codings)
        self._fit_classifier(units, codings)
        self.parts_ = ["keyword", self.semantic_.method_, "supervised"]
        return self

    def _fit_classifier(self, seg: pd.DataFrame | None = None, codings: pd.DataFrame | None = None) -> None:
        """(Re)fit the codebook classifier on the codebook's texts, plus coded turns when given."""
        vectors = [self.semantic_.item_vectors_]
        themes = [c.split("/", 1)[0] for c in self.semantic_.items_["code"]]
        weights = [1.0] * len(themes)
        if seg is not None and codings is not None and float(self.classifier_learn_weight) > 0:
            # one (turn, theme) row per theme a coded turn has (sub-codes roll up)
            turn, theme = np.nonzero(theme_labels(codings, seg["segment_id"], list(self.themes_)))
            if len(turn):
                vectors.append(self.semantic_._embed(seg.iloc[turn]))
                themes += [self.themes_[j] for j in theme]
                weights += [float(self.classifier_learn_weight)] * len(turn)
        self.classifier_ = CodebookClassifier(C=self.classifier_C).fit(np.vstack(vectors), themes, sample_weight=weights)

    def _supervised_weights(self) -> np.ndarray:
        """Per-code weight of the supervised log-odds: ``w * n / (n + supervised_prior)``.

        ``n`` is the code's number of coded training turns, so the learned
        model counts for more as people code more (0 for codes it cannot learn).
        """
        sup = self.supervised_
        n = np.array([sup.n_positive_.get(k, 0) if k in sup.models_ else 0 for k in self.codes_], dtype=float)
        return float(self.supervised_weight) * n / (n + float(self.supervised_prior))

    def _classifier_log_odds(self, vectors: np.ndarray) -> np.ndarray:
        """The codebook classifier's log-odds in the theme columns (0 in sub-code columns)."""
        return self.classifier_.log_odds(vectors, self.codes_)

    def _z(self, seg: pd.DataFrame):
        """Combined calibrated scores, with the parts' evidence material."""
        kw_score, kw_terms = self.keyword_._raw(seg)
        vectors = self.semantic_._embed(seg)
        z_sem, sims = self.semantic_._z(seg, vectors)
        z = combine_scores(z_sem, self._classifier_log_odds(vectors), kw_score,
                           classifier_weight=self.classifier_weight, keyword_weight=self.keyword_weight)
        sup_ev = None
        if self.supervised_ is not None and len(seg):
            p_sup, sup_ev = self.supervised_._scores(seg)
            p = np.clip(p_sup, 1e-3, 1 - 1e-3)
            z = z + self._supervised_weights() * np.log(p / (1 - p))
        return z, kw_score, kw_terms, sims, sup_ev

    def predict(self, segments) -> pd.DataFrame:
        """The codings table (:data:`outcomes_qual.schema.MACHINE_CODING_COLUMNS`), by the ``decision`` rule."""
        if getattr(self, "decision", "rank") != "rank":
            return super().predict(segments)
        check_is_fitted(self)
        seg = self._check_input(segments)
        z, evidence, kw_score = self._z_evidence(seg)
        return self._decide_rank(seg, z, self._proba(z), evidence, codable=self._codable(seg, kw_score))

    def _codable(self, seg: pd.DataFrame, kw_score: np.ndarray) -> np.ndarray:
        """Turns with enough content words, or with a keyword match (``kw_score`` > 0), can be coded."""
        from ..topics.words import content_words

        enough = np.array([len(content_words(t)) >= int(self.min_content_words) for t in seg["text"]], dtype=bool)
        if kw_score.size:
            enough |= kw_score.max(axis=1) > 0
        return enough

    def _decide_rank(self, seg: pd.DataFrame, z: np.ndarray, proba: np.ndarray, evidence, *, codable=None) -> pd.DataFrame:
        """Best theme (if it reaches ``floor``) plus themes within ``margin`` of it; the same for sub-codes."""
        codes = list(self.codes_)
        theme_idx = np.array([codes.index(t) for t in self.themes_], dtype=int)
        children: dict[int, np.ndarray] = {}
        for j, key in zip(theme_idx, self.themes_):
            children[j] = np.array([c for c, k in enumerate(codes) if k.startswith(key + "/")], dtype=int)
        floor, margin = float(self.floor), float(self.margin)

        def chosen(values: np.ndarray) -> np.ndarray:
            return rank_decisions(values[None, :], floor=floor, margin=margin)[0]

        rows = []
        for i, sid in enumerate(seg["segment_id"]):
            if codable is not None and not codable[i]:
                continue
            for j in theme_idx[chosen(z[i, theme_idx])]:
                rows.append((sid, codes[j], self.coder, self.method_, float(proba[i, j]), evidence(i, codes[j])))
                kids = children[j]
                for c in kids[chosen(z[i, kids])]:
                    rows.append((sid, codes[c], self.coder, self.method_, float(proba[i, c]), evidence(i, codes[c])))
        return self._table(rows)

    def _scores(self, seg: pd.DataFrame):
        z, evidence, _ = self._z_evidence(seg)
        return self._proba(z), evidence

    def _z_evidence(self, seg: pd.DataFrame):
        """Combined scores, the evidence function for each (turn, code), and the keyword scores."""
        z, kw_score, kw_terms, sims, sup_ev = self._z(seg)
        index = self._code_index()

        def evidence(i: int, key: str) -> str:
            j = index[key]
            hits = keyword_evidence(kw_terms[i].get(j))
            if hits:
                return hits
            if sup_ev is not None and key in self.supervised_.models_:
                return sup_ev(i, key)
            return self.semantic_._nearest(sims, i, j)

        return z, evidence, kw_score

"""Ensemble coder (the default of :func:`outcomes_qual.coding.autocode`): a head that has learned the codebook.

For each code (theme or sub-code) a turn gets one score::

    s = head log-odds + semantic_weight * z_semantic + keyword_weight * keyword_score

- the **head** (:class:`~outcomes_qual.coding.head.CodeHead`): one logistic
  regression per code on the turn's sentence embedding, trained on the
  codebook's own texts (definition, inclusion criteria, examples; exclusion
  criteria as examples of the code they name, or of none), on the
  codebook's training corpus when it has one
  (:mod:`outcomes_qual.codebook.training`; the shipped codebook has 3,000+
  written turns) and on the turns an evaluator has coded
  (:meth:`EnsembleCoder.learn`, ``autocode(train=)``,
  ``autocode --train-from-reviews``), each of those at ``review_weight``;
- ``z_semantic``: how far the turn's similarity to the code's codebook texts
  lies above what texts about other themes get (:class:`SemanticCoder`);
- ``keyword_score``: the code's keywords found in the turn (damped for words
  most turns of the corpus use; :class:`KeywordCoder`).

A turn with content words gets its best theme, and every other theme whose
score lies within ``margin`` of the best; under each theme it gets the
theme's best sub-code when that sub-code's confidence reaches 0.5. A sub-code
implies its theme, and a theme's confidence is never below the confidence of
the sub-code written under it. Confidences come from a logistic curve fitted
to held-out scores; suggestions below ``review_below`` are marked
``uncertain``; with ``abstain_below`` the evaluator can drop them instead.

Every setting left at ``"auto"`` is chosen by the rule of
:mod:`outcomes_qual.coding._selection`: grouped cross-validation on the
labelled turns there are (the corpus by ``batch``, an evaluator's turns by
transcript), or, for a codebook with no labelled turn at all, equal weights
and one theme per turn. What was chosen, and on what, is in ``settings_``.
With the sentence backend the fitted head is cached on disk, keyed by the
model's files, the codebook, its corpus and these parameters
(:mod:`outcomes_qual.coding._cache`), so only the first use pays for it.

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
>>> coder = EnsembleCoder(codebook=cb, backend="lsa").fit(seg)
>>> coder.predict(seg)[["segment_id", "code", "evidence"]].values.tolist()
[['s1', 'systems_barriers', 'keywords: forms; IT system'], ['s2', 'time', 'keywords: no time']]
>>> coder.settings_["source"]
'rule: no labelled turns (codebook only); confidence not calibrated'
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..codebook.training import load_training_corpus, training_corpus
from . import _cache, _selection
from ._base import DEFAULT_CODER, CalibratedCoder, _logistic, theme_labels
from .head import CodeHead
from .keyword import KeywordCoder, keyword_evidence
from .semantic import SemanticCoder, _without_pointer, exclusion_items

logger = logging.getLogger(__name__)

#: Codebook texts the semantic part and the head learn from (keyword lists are the keyword part's).
SEMANTIC_ITEM_KINDS: tuple[str, ...] = ("definition", "include", "example")

#: Settings that ``"auto"`` lets the selection rule choose.
AUTO_SETTINGS: tuple[str, ...] = ("semantic_weight", "keyword_weight", "margin", "C", "review_weight")


def _auto(value) -> bool:
    return isinstance(value, str) and value == "auto"


class EnsembleCoder(CalibratedCoder):
    """A learned head + semantic similarity + keywords, with settings chosen by cross-validation.

    Parameters
    ----------
    codebook : Codebook or path
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
    model_path : path-like, optional
        A local sentence-transformers model; the head is trained for it at first use and cached.
    training : "auto", None, path or DataFrame, default "auto"
        Labelled turns the head learns from besides the codebook's texts:
        ``"auto"`` takes the codebook's training corpus when it has one.
    semantic_weight, keyword_weight : float or "auto", default "auto"
        Weights of the semantic z-score and the keyword score (the head's weight is 1).
    margin : float or "auto", default "auto"
        Other themes within this of the best theme's score are assigned too.
    C : float or "auto", default "auto"
        Regularisation of the head (inverse strength).
    review_weight : float or "auto", default "auto"
        Weight of a turn an evaluator coded in the head's training (a corpus turn weighs 1).
    review_below : float, default 0.5
        Suggestions with a lower confidence are marked ``uncertain``.
    abstain_below : float or None, default None
        When set, suggestions with a lower confidence are not written at all
        (by default a turn with content words always gets its best theme).
    keyword_df_damping : tuple of float or None, default (0.05, 0.5)
        Keyword terms found in more than 5% of the fitted turns weigh less, nothing at 50%.
    min_content_words : int, default 1
        A turn with fewer content words and no keyword match gets no code.
    cache : bool, default True
        Keep the fitted head on disk (sentence backend only; see :mod:`outcomes_qual.coding._cache`).
    include_facilitator : bool, default False
    random_state : int, default 0
    coder : str, default "outcomes_qual"

    Attributes
    ----------
    keyword_ : KeywordCoder
    semantic_ : SemanticCoder
    head_ : CodeHead
    settings_ : dict
        The settings used and where they came from (``source``; held-out
        ``cv_top1`` and ``cv_macro_f1`` when cross-validated).
    n_training_turns_ : int
        Corpus turns the head learned from.
    n_reviewed_turns_ : int
        Evaluator-coded turns the head learned from.
    method_ : str
        ``"ensemble"``.
    parts_ : list of str
    """

    def __init__(
        self,
        *,
        codebook,
        backend="auto",
        model_path=None,
        training="auto",
        semantic_weight="auto",
        keyword_weight="auto",
        margin="auto",
        C="auto",
        review_weight="auto",
        review_below=0.5,
        abstain_below=None,
        keyword_df_damping=(0.05, 0.5),
        min_content_words=1,
        cache=True,
        include_facilitator=False,
        random_state=0,
        coder=DEFAULT_CODER,
    ):
        self.codebook = codebook
        self.backend = backend
        self.model_path = model_path
        self.training = training
        self.semantic_weight = semantic_weight
        self.keyword_weight = keyword_weight
        self.margin = margin
        self.C = C
        self.review_weight = review_weight
        self.review_below = review_below
        self.abstain_below = abstain_below
        self.keyword_df_damping = keyword_df_damping
        self.min_content_words = min_content_words
        self.cache = cache
        self.include_facilitator = include_facilitator
        self.random_state = random_state
        self.coder = coder

    # ------------------------------------------------------------------ fitting
    def fit(self, segments=None, codings=None) -> "EnsembleCoder":
        """Fit the parts on the codebook (and its corpus); with ``codings``, also learn from them (:meth:`learn`)."""
        cb = self._fit_codebook()
        corpus = self._training_frame()
        common = dict(codebook=cb, include_facilitator=self.include_facilitator, coder=self.coder)
        self.keyword_ = KeywordCoder(df_damping=self.keyword_df_damping, **common).fit(segments)
        # The light LSA backend learns its word space from texts: with a training corpus, from the corpus (and the
        # codebook), never from the turns being coded, so that the head can be cached and no coded turn shapes a
        # choice; without one, from the turns being coded (and the codebook), as the semantic coder does.
        space = segments
        if corpus is not None and len(corpus):
            space = pd.DataFrame({"segment_id": [f"train:{i}" for i in range(len(corpus))], "text": corpus["text"]})
        self.semantic_ = SemanticCoder(
            backend=self.backend,
            model_path=self.model_path,
            random_state=self.random_state,
            item_kinds=SEMANTIC_ITEM_KINDS,
            **common,
        ).fit(space)
        self.has_keywords_ = any(c.keywords for c in cb)
        self._corpus = corpus
        self._corpus_rows: dict | None = None
        self._base_rows()
        key = self._cache_key(corpus) if self.cache and (self.semantic_.backend_ != "lsa" or corpus is not None) else None
        stored = _cache.load(key) if key else None
        if stored is not None:
            self.head_, choice, corpus_X = stored
            self.choice_ = _selection.Choice(**choice)
            if corpus is not None and corpus_X is not None and len(corpus_X) == len(corpus):
                self._corpus_rows = self._labelled(corpus, corpus_X)
        else:
            self._corpus_rows = (
                None if corpus is None or not len(corpus) else self._rows(corpus, self._corpus_Y(corpus), self._batches(corpus))
            )
            self.choice_, init = self._choose(extra=None)
            self.head_ = self._fit_head(None, self.choice_, init=init)
            if key:
                _cache.save(key, self.head_, self.choice_, None if self._corpus_rows is None else self._corpus_rows["X"])
        self.n_reviewed_turns_ = 0
        self._reviewed: dict | None = None
        self.method_ = "ensemble"
        self._set_parts()
        if codings is not None and len(codings):
            seg = self._check_input(segments)
            self.learn(seg[seg["segment_id"].isin(set(codings["segment_id"].astype(str)))], codings)
        return self

    def learn(self, segments, codings) -> "EnsembleCoder":
        """Learn from an evaluator's coding of some turns.

        The coded turns join the head's training data at ``review_weight``
        (chosen by cross-validation over the evaluator's turns, grouped by
        transcript, when there are at least
        :data:`~outcomes_qual.coding._selection.MIN_CV_TURNS` of them; the
        weights, margin and confidence curve are re-chosen the same way).

        Parameters
        ----------
        segments : DataFrame or Corpus
            Turns that include the coded ones (others are ignored).
        codings : DataFrame
            ``segment_id`` and ``code``; a coded turn without a row for a code
            counts as not having it (a turn coded with no code: one row with
            an empty code).

        Returns
        -------
        self
        """
        check_is_fitted(self, "head_")
        seg = self._check_input(segments)
        coded = set(codings["segment_id"].astype(str))
        units = seg[seg["segment_id"].isin(coded)].reset_index(drop=True)
        if not len(units):
            raise ValueError("codings: none of their segment_id values is among the segments given")
        given = set(codings["code"].fillna("").astype(str))
        if not given & set(self.codes_) and given - {""}:
            raise ValueError(
                f"codings: none of the codes {sorted(given)[:5]} matches a code of the codebook "
                f"(expected keys such as {list(self.codes_)[:3]})"
            )
        Y = theme_labels(codings, units["segment_id"], list(self.codes_))
        groups = units["segment_id"].str.rsplit(":", n=1).str[0].to_numpy()
        if len(set(groups)) < 2:
            groups = units["segment_id"].to_numpy()
        if self._corpus is not None and len(self._corpus) and self._corpus_rows is None:
            self._corpus_rows = self._rows(self._corpus, self._corpus_Y(self._corpus), self._batches(self._corpus))
        self._reviewed = self._rows(units, Y, groups)
        self.n_reviewed_turns_ = len(units)
        self.choice_, _ = self._choose(extra=self._reviewed)
        self.head_ = self._fit_head(self._reviewed, self.choice_, init=self.head_)
        self._set_parts()
        return self

    def _set_parts(self) -> None:
        self.n_training_turns_ = 0 if self._corpus is None else len(self._corpus)
        self.settings_ = self.choice_.as_dict() | {
            "training_turns": self.n_training_turns_,
            "reviewed_turns": self.n_reviewed_turns_,
        }
        self.parts_ = (
            ["head"]
            + (["training corpus"] if self.n_training_turns_ else [])
            + (["reviewed turns"] if self.n_reviewed_turns_ else [])
            + [self.semantic_.method_, "keyword"]
        )

    def _training_frame(self) -> pd.DataFrame | None:
        if self.training is None:
            return None
        if _auto(self.training):
            return training_corpus(self.codebook_)
        if isinstance(self.training, pd.DataFrame):
            return self.training
        return load_training_corpus(self.training, self.codebook_)

    def _rows(self, frame: pd.DataFrame, Y: np.ndarray, groups) -> dict:
        """Vectors, labels and the zero-shot parts' scores of labelled turns."""
        seg = pd.DataFrame({"segment_id": [f"row:{i}" for i in range(len(frame))], "text": frame["text"].astype(str).to_numpy()})
        X = self.semantic_._embed(seg)
        z_sem, _ = self.semantic_._z(seg, X)
        kw, _ = self.keyword_._raw(seg)
        return {"X": X, "Y": Y, "groups": np.asarray(groups).astype(str), "z": z_sem, "kw": kw}

    def _base_rows(self) -> None:
        """The codebook's texts, labelled with their codes (always in the head's training).

        Besides each code's definition, inclusion criteria and examples, its
        exclusion criteria: a criterion that names another code is an example
        of that code, one that names none an example of no code (either way
        not of the code it excludes from; :func:`~outcomes_qual.coding.semantic.exclusion_items`).
        """
        items = self.semantic_.items_
        excl = exclusion_items(self.codebook_)
        ids = [str(i) for i in range(len(items) + len(excl))]
        codes = list(items["code"]) + list(excl["refers_to"])
        codings = pd.DataFrame({"segment_id": ids, "code": codes})
        self._text_Y = theme_labels(codings, ids, list(self.codes_))
        self._text_X = self.semantic_.item_vectors_
        if len(excl):
            texts = [_without_pointer(t) for t in excl["text"]]
            self._text_X = np.vstack([self._text_X, self.semantic_.embedder_.transform(texts)])

    def _corpus_Y(self, corpus: pd.DataFrame) -> np.ndarray:
        long = [(str(i), c) for i, codes in enumerate(corpus["codes"]) for c in codes]
        cod = pd.DataFrame(long, columns=["segment_id", "code"])
        return theme_labels(cod, [str(i) for i in range(len(corpus))], list(self.codes_))

    @staticmethod
    def _batches(corpus: pd.DataFrame) -> np.ndarray:
        if "batch" not in corpus:
            return np.full(len(corpus), "corpus")
        return corpus["batch"].astype(str).replace("", "corpus").to_numpy()

    def _labelled(self, corpus: pd.DataFrame, X: np.ndarray) -> dict:
        """Corpus rows from cached vectors (the zero-shot parts' scores are only needed to choose settings)."""
        return {"X": X, "Y": self._corpus_Y(corpus), "groups": self._batches(corpus)}

    def _stack(self, rows: list[dict | None], weights: list[float]):
        parts = [(r, w) for r, w in zip(rows, weights, strict=True) if r is not None and len(r["X"])]
        X = np.vstack([self._text_X] + [r["X"] for r, _ in parts])
        Y = np.vstack([self._text_Y] + [r["Y"] for r, _ in parts])
        w = np.concatenate([np.ones(len(self._text_X))] + [np.full(len(r["X"]), w) for r, w in parts])
        return X, Y, w

    def _fit_head(self, reviewed: dict | None, choice: _selection.Choice, init=None) -> CodeHead:
        X, Y, w = self._stack([self._corpus_rows, reviewed], [1.0, choice.review_weight])
        return CodeHead(C=choice.C).fit(X, Y, w, init=init)

    def _grid(self, name: str, grid: tuple) -> tuple:
        value = getattr(self, name)
        return grid if _auto(value) else (float(value),)

    def _choose(self, *, extra: dict | None) -> tuple[_selection.Choice, CodeHead | None]:
        """Settings by grouped cross-validation on the labelled turns (the evaluator's when given), else by the rule."""
        held = extra if extra is not None else self._corpus_rows
        fixed_rw = 3.0 if _auto(self.review_weight) else float(self.review_weight)
        fixed_C = 2.0 if _auto(self.C) else float(self.C)
        prev = getattr(self, "choice_", None)
        if held is None or len(held["X"]) < _selection.MIN_CV_TURNS or len(set(held["groups"])) < 2:
            if prev is not None and extra is not None:  # too few coded turns to cross-validate: keep what was chosen
                choice = _selection.Choice(**{**prev.__dict__, "review_weight": fixed_rw})
                choice.source = prev.source + f"; learned from {len(extra['X'])} coded turns (too few to re-choose settings)"
                return choice, None
            choice = _selection.rule_choice(has_keywords=self.has_keywords_, C=fixed_C, review_weight=fixed_rw)
            return self._override(choice), None
        Cs = (
            self._grid("C", _selection.C_GRID)
            if extra is None
            else ((prev.C,) if prev is not None and _auto(self.C) else (fixed_C,))
        )
        rws = self._grid("review_weight", _selection.REVIEW_WEIGHT_GRID) if extra is not None else (fixed_rw,)
        # an evaluator's turns: three folds of whole transcripts (each learning step stays a matter of seconds)
        folds = _selection.group_folds(held["groups"], n_folds=3 if extra is not None else 5, random_state=self.random_state)
        oof = {(C, rw): np.zeros(held["Y"].shape) for C in Cs for rw in rws}
        init = None
        for test in folds:
            train = np.setdiff1d(np.arange(len(held["X"])), test)
            part = {k: v[train] for k, v in held.items()}
            init = self.head_ if extra is not None else None
            for C in sorted(Cs):  # along the regularisation path, each fit starting from the last
                for rw in rws:
                    rows: list[dict | None] = [self._corpus_rows, part] if extra is not None else [part]
                    weights = [1.0, rw] if extra is not None else [1.0]
                    X, Y, w = self._stack(rows, weights)
                    init = CodeHead(C=C).fit(X, Y, w, init=init)
                    oof[(C, rw)][test] = init.log_odds(held["X"][test])
        codes = list(self.codes_)
        theme_cols = np.array([codes.index(t) for t in self.themes_])
        sub_cols = {
            codes.index(t): np.array([j for j, k in enumerate(codes) if k.startswith(t + "/")], dtype=int) for t in self.themes_
        }
        source = (
            f"cross-validation over {len(held['X'])} coded turns in {len(folds)} folds"
            if extra is not None
            else f"cross-validation over {len(held['X'])} training-corpus turns in {len(folds)} batches"
        )
        # what is in force before this choice: the corpus's choice when learning from an evaluator, else the rule's
        base = (
            prev
            if extra is not None and prev is not None
            else self._override(_selection.rule_choice(has_keywords=self.has_keywords_, C=fixed_C, review_weight=fixed_rw))
        )
        incumbent = (base.C if extra is not None else fixed_C, fixed_rw, base.semantic_weight, base.keyword_weight, base.margin)
        choice = _selection.select(
            oof,
            held["Y"],
            held["z"],
            held["kw"],
            theme_cols,
            has_keywords=self.has_keywords_,
            source=source,
            sub_cols=sub_cols,
            semantic_grid=self._grid("semantic_weight", ()),
            keyword_grid=self._grid("keyword_weight", ()),
            margin_grid=self._grid("margin", _selection.MARGIN_GRID),
            incumbent=incumbent,
            random_state=self.random_state,
        )
        return choice, init

    def _override(self, choice: _selection.Choice) -> _selection.Choice:
        """Settings the user gave win over the rule's."""
        for name in ("semantic_weight", "keyword_weight", "margin"):
            if not _auto(getattr(self, name)):
                setattr(choice, name, float(getattr(self, name)))
        return choice

    def _cache_key(self, corpus) -> str | None:
        return _cache.key_for(
            embedder=self.semantic_.embedder_,
            codebook=self.codebook_,
            training=None if corpus is None else corpus[["text", "codes", "batch"]],
            params={k: getattr(self, k) for k in (*AUTO_SETTINGS, "random_state")},
        )

    # ------------------------------------------------------------------ predicting
    def _z(self, seg: pd.DataFrame):
        """Combined scores (segments x codes) with the parts' evidence material."""
        vectors = self.semantic_._embed(seg)
        z_sem, sims = self.semantic_._z(seg, vectors)
        kw_score, kw_terms = self.keyword_._raw(seg)
        c = self.choice_
        z = self.head_.log_odds(vectors) + c.semantic_weight * z_sem + c.keyword_weight * kw_score
        return z, kw_score, kw_terms, sims

    def predict_proba(self, segments) -> pd.DataFrame:
        """Confidence of each code for each (non-facilitator) segment (themes at least their best sub-code's)."""
        check_is_fitted(self, "head_")
        seg = self._check_input(segments)
        z, *_ = self._z(seg)
        return self._frame(seg, self._confidence(z))

    def _confidence(self, z: np.ndarray) -> np.ndarray:
        codes = list(self.codes_)
        sub = np.array(["/" in k for k in codes])
        p = np.empty_like(z)
        p[:, ~sub] = _logistic(z[:, ~sub], *self.choice_.theme_curve)
        p[:, sub] = _logistic(z[:, sub], *self.choice_.code_curve)
        for t in self.themes_:
            j = codes.index(t)
            kids = [c for c, k in enumerate(codes) if k.startswith(t + "/")]
            if kids:
                p[:, j] = np.maximum(p[:, j], p[:, kids].max(axis=1))
        return p

    def predict(self, segments) -> pd.DataFrame:
        """The codings table (:data:`outcomes_qual.schema.MACHINE_CODING_COLUMNS`)."""
        check_is_fitted(self, "head_")
        seg = self._check_input(segments)
        z, kw_score, kw_terms, sims = self._z(seg)
        proba = self._confidence(z)
        codes = list(self.codes_)
        index = self._code_index()
        theme_idx = np.array([codes.index(t) for t in self.themes_], dtype=int)
        children = {
            j: np.array([c for c, k in enumerate(codes) if k.startswith(t + "/")], dtype=int)
            for j, t in zip(theme_idx, self.themes_, strict=True)
        }
        codable = self._codable(seg, kw_score)
        chosen = _selection.decide_themes(z[:, theme_idx], margin=self.choice_.margin)
        floor = None if self.abstain_below is None else float(self.abstain_below)

        def evidence(i: int, key: str) -> str:
            hits = keyword_evidence(kw_terms[i].get(index[key]))
            return hits or self.semantic_._nearest(sims, i, index[key])

        rows = []
        for i, sid in enumerate(seg["segment_id"]):
            if not codable[i]:
                continue
            for j in theme_idx[chosen[i]]:
                if floor is not None and proba[i, j] < floor:
                    continue
                rows.append((sid, codes[j], self.coder, self.method_, float(proba[i, j]), evidence(i, codes[j])))
                kids = children[j]
                if len(kids):
                    c = kids[int(np.argmax(z[i, kids]))]
                    if proba[i, c] >= 0.5 and (floor is None or proba[i, c] >= floor):
                        rows.append((sid, codes[c], self.coder, self.method_, float(proba[i, c]), evidence(i, codes[c])))
        return self._table(rows)

    def _scores(self, seg: pd.DataFrame):
        z, kw_score, kw_terms, sims = self._z(seg)
        index = self._code_index()

        def evidence(i, key):
            return keyword_evidence(kw_terms[i].get(index[key])) or self.semantic_._nearest(sims, i, index[key])

        return self._confidence(z), evidence

    def _codable(self, seg: pd.DataFrame, kw_score: np.ndarray) -> np.ndarray:
        """Turns with enough content words, or with a keyword match, can be coded."""
        from ..topics.words import content_words

        enough = np.array([len(content_words(t)) >= int(self.min_content_words) for t in seg["text"]], dtype=bool)
        if kw_score.size:
            enough |= kw_score.max(axis=1) > 0
        return enough

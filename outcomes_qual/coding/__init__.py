"""Deductive auto-coding against a codebook: scikit-learn-style coders and ``autocode``.

Coders: :class:`KeywordCoder` (word-boundary keyword and phrase matching),
:class:`SemanticCoder` (zero-shot similarity to the codebook in an embedding
space), :class:`SupervisedCoder` (learns from human codings) and
:class:`EnsembleCoder` (the default: a head trained on the codebook's texts,
its training corpus and the evaluator's codings, combined with the keyword
and semantic parts, every setting chosen by cross-validation), and
:class:`ReaderCoder` (a reading model on a chat-completions server the evaluator
brings; see docs/reader.md and :func:`reader_autocode`). Each has
``fit(segments, codings=None)``, ``predict_proba(segments)`` and
``predict(segments)``; ``predict`` returns the codings table
(:data:`outcomes_qual.schema.CODING_COLUMNS`).

Examples
--------
>>> from pathlib import Path
>>> from outcomes_qual.corpus import Corpus
>>> corpus = Corpus.from_turns("fg1", [
...     ("Facilitator", "facilitator", "What gets in the way?"),
...     ("Ann", "practitioner", "The assessment forms and the IT system take hours."),
...     ("Bob", "senior", "The GP and the school still ask for services."),
... ])
>>> cb = Path(__file__).parents[2] / "codebooks" / "outcomes_practice.yaml"
>>> codings = autocode(corpus, cb, method="keyword")
>>> sorted(set(codings["code"].str.split("/").str[0]))
['partners', 'systems_barriers']
>>> codings["segment_id"].unique().tolist()
['fg1:002', 'fg1:003']
"""

from __future__ import annotations

import logging

import pandas as pd

from ._base import DEFAULT_CODER, BaseCoder, as_codebook, as_segments, theme_labels
from .active import STRATEGIES, SUGGEST_COLUMNS, boundary_distance, suggest_next
from .ensemble import EnsembleCoder
from .head import CodeHead
from .keyword import KeywordCoder
from .reader import NOT_CODED_COLUMNS, ReaderCoder, reader_autocode
from .reviews import REVIEWED_COLUMNS, reviewed_codings
from .semantic import SemanticCoder, codebook_items
from .supervised import CV_AGREEMENT_COLUMNS, SupervisedCoder, cross_validate_agreement

logger = logging.getLogger(__name__)

#: Methods accepted by :func:`autocode`.
METHODS: tuple[str, ...] = ("keyword", "semantic", "supervised", "ensemble")


def make_coder(
    method: str,
    codebook,
    *,
    backend: str = "auto",
    model_path=None,
    include_facilitator: bool = False,
    coder: str = DEFAULT_CODER,
    random_state: int = 0,
) -> BaseCoder:
    """Return an unfitted coder for ``method``.

    Examples
    --------
    >>> type(make_coder("semantic", "cb.yaml", backend="lsa")).__name__
    'SemanticCoder'
    """
    common = dict(codebook=codebook, include_facilitator=include_facilitator, coder=coder)
    if method == "keyword":
        return KeywordCoder(**common)
    if method == "semantic":
        return SemanticCoder(backend=backend, model_path=model_path, random_state=random_state, **common)
    if method == "supervised":
        return SupervisedCoder(backend=backend, model_path=model_path, random_state=random_state, **common)
    if method == "ensemble":
        return EnsembleCoder(backend=backend, model_path=model_path, random_state=random_state, **common)
    raise ValueError(f"method: expected one of {list(METHODS)}, got {method!r}")


def _segments_of(data) -> pd.DataFrame:
    from ..corpus import Corpus

    if isinstance(data, Corpus):
        return data.segments
    return data


def autocode(
    segments_or_corpus,
    codebook,
    *,
    method: str = "ensemble",
    train: pd.DataFrame | None = None,
    backend: str = "auto",
    model_path=None,
    include_facilitator: bool = False,
    coder: str = DEFAULT_CODER,
    random_state: int = 0,
) -> pd.DataFrame:
    """Code every (non-facilitator) turn against ``codebook``.

    Parameters
    ----------
    segments_or_corpus : Corpus or DataFrame
        Segments with ``segment_id`` (or ``id``) and ``text``.
    codebook : Codebook or path
    method : {"ensemble", "keyword", "semantic", "supervised"}, default "ensemble"
    train : DataFrame, optional
        Human codings (``segment_id``, ``code``) of some of the segments. Required for
        ``"supervised"`` (it learns from them and codes the others); the ensemble adds a
        supervised part when given. The coded segments are the training units.
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
    model_path : path-like, optional
    include_facilitator : bool, default False
    coder : str, default "outcomes_qual"
    random_state : int, default 0

    Returns
    -------
    pandas.DataFrame
        The codings table (:data:`outcomes_qual.schema.CODING_COLUMNS`).
    """
    cb = as_codebook(codebook)
    seg = _segments_of(segments_or_corpus)
    est = make_coder(
        method,
        cb,
        backend=backend,
        model_path=model_path,
        include_facilitator=include_facilitator,
        coder=coder,
        random_state=random_state,
    )
    if method == "supervised" and train is None:
        raise ValueError("train: the supervised method needs human codings to learn from (segment_id, code), got None")
    if train is not None and method == "supervised":
        checked = as_segments(seg, include_facilitator=include_facilitator)
        est.fit(checked[checked["segment_id"].isin(set(train["segment_id"].astype(str)))], train)
    elif train is not None and method == "ensemble":
        # the zero-shot parts see the whole corpus; the supervised part learns from the coded turns
        est.fit(seg).learn(seg, train)
    else:
        est.fit(seg)
    out = est.predict(seg)
    settings = getattr(est, "settings_", None)
    if settings is not None:  # what the default coder chose and on what; the CLI records it in the run's settings
        out.attrs["coder_settings"] = dict(settings)
    logger.info("autocode (%s): %d codings for %d segments", method, len(out), len(seg))
    return out


__all__ = [
    "CV_AGREEMENT_COLUMNS",
    "METHODS",
    "CodeHead",
    "EnsembleCoder",
    "KeywordCoder",
    "NOT_CODED_COLUMNS",
    "ReaderCoder",
    "REVIEWED_COLUMNS",
    "STRATEGIES",
    "SUGGEST_COLUMNS",
    "SemanticCoder",
    "SupervisedCoder",
    "as_codebook",
    "as_segments",
    "autocode",
    "boundary_distance",
    "codebook_items",
    "cross_validate_agreement",
    "make_coder",
    "reader_autocode",
    "reviewed_codings",
    "suggest_next",
    "theme_labels",
]

"""Compute every table the report shows (and exports) from a coded corpus.

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.corpus import Corpus
>>> corpus = Corpus.from_turns("fg1", [("F", "facilitator", "Go on?"),
...     ("Ann", "practitioner", "The forms take all week and the system crashes on every plan we write."),
...     ("Bob", "senior", "We have so little time to sit with families and really listen to them.")],
...     authority="Glanafon")
>>> codings = pd.DataFrame({"segment_id": ["fg1:002", "fg1:003"], "code": ["systems_barriers", "time"]})
>>> tables = build_tables(corpus, codings, None)
>>> tables["participants_by_method_role"].values.tolist()
[['focus_group', 1, 1, 2], ['total', 1, 1, 2]]
>>> "speaker" in set().union(*(t.columns for t in tables.values()))
False
"""

from __future__ import annotations

import logging

import pandas as pd

from ..analysis import (
    authority_comparison,
    exemplar_quotes,
    participant_breakdown,
    role_by_theme,
    role_theme_test,
    theme_cooccurrence,
    theme_summary,
)
from ..analysis.quotes import authority_aliases, best_themes, trusted_codings

logger = logging.getLogger(__name__)

#: Columns never written to any output table.
PRIVATE_COLUMNS: tuple[str, ...] = ("speaker", "participant_name", "name", "real_name")


def alias_corpus(corpus):
    """Copy of ``corpus`` with authority names replaced by "Authority A", "Authority B"..."""
    from ..corpus import Corpus

    names = pd.concat([corpus.transcripts["authority"], corpus.participants["authority"]])
    aliases = authority_aliases(names)
    tr = corpus.transcripts.copy()
    pa = corpus.participants.copy()
    tr["authority"] = tr["authority"].map(lambda a: aliases.get(str(a), a) if pd.notna(a) else a)
    pa["authority"] = pa["authority"].map(lambda a: aliases.get(str(a), a) if pd.notna(a) else a)
    return Corpus(tr, pa, corpus.segments.copy(), dict(corpus.texts), list(corpus.problems))


def analysed_participants(corpus) -> pd.DataFrame:
    """Participants who are not facilitators, with method/authority/department filled in."""
    parts = corpus.participants.copy()
    parts = parts[parts["role"].astype(str) != "facilitator"]
    tr = corpus.transcripts.set_index("transcript_id")
    for col in ("method", "authority", "department"):
        if col not in parts:
            parts[col] = None
        if len(tr):
            from_tr = parts["transcript_id"].map(tr[col])
            parts[col] = parts[col].where(parts[col].notna(), from_tr)
    return parts.reset_index(drop=True)


def strongest_theme(quotes: pd.DataFrame, codings: pd.DataFrame) -> pd.Series:
    """True for quote rows whose theme is their turn's best code (ties all count).

    A case vignette under a theme should be about that theme, not a long turn
    that touches it in passing while its main point is another theme. The
    best code is the one the report trusts most (:func:`~outcomes_qual.analysis.quotes.best_themes`):
    a theme a person made or accepted before one no one has reviewed, then the
    most confident; rejected codings, and unreviewed suggestions under a theme
    a person rejected on the turn, do not count.

    Examples
    --------
    >>> q = pd.DataFrame({"segment_id": ["a", "a", "b"], "code": ["resistance", "time", "time"]})
    >>> cod = pd.DataFrame({"segment_id": ["a", "a", "b"], "code": ["resistance", "time/caseloads", "time"],
    ...                     "confidence": [0.3, 0.9, None]})
    >>> strongest_theme(q, cod).tolist()
    [False, True, True]
    """
    if not len(quotes):
        return pd.Series(dtype=bool)
    best = set(best_themes(trusted_codings(codings)).itertuples(index=False, name=None))
    keys = zip(quotes["segment_id"].astype(str), quotes["code"].astype(str), strict=True)
    return pd.Series([k in best for k in keys], index=quotes.index, dtype=bool)


def _drop_private(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in PRIVATE_COLUMNS if c in frame.columns])


def build_tables(corpus, codings: pd.DataFrame, codebook, *, k: int = 3, topics=None) -> dict[str, pd.DataFrame]:
    """Every table of the report, by name (the sheet and CSV names).

    Parameters
    ----------
    corpus : Corpus
        Already pseudonymised (and aliased) if it should be.
    codings : pandas.DataFrame
    codebook : Codebook or None
    k : int, default 3
        Exemplar quotes per theme x role.
    topics : TopicResult, optional
        Adds ``topics``, ``topic_by_role`` and ``topic_by_authority``.

    Returns
    -------
    dict of str to pandas.DataFrame
        For a consultation (segments with ``question``), the quote tables
        carry each quote's ``question`` after its ``segment_id``.
    """
    parts = analysed_participants(corpus)
    tables: dict[str, pd.DataFrame] = {}
    tables["participants_by_method_role"] = participant_breakdown(parts, rows="method", cols="role")
    tables["participants_by_authority_role"] = participant_breakdown(parts, rows="authority", cols="role")
    if parts["department"].dropna().nunique() > 1:
        tables["participants_by_department"] = participant_breakdown(parts, rows="method", cols="role", by="department")
    tables["role_by_theme"] = role_by_theme(corpus, codings, codebook=codebook)
    tables["role_by_theme_participants"] = role_by_theme(corpus, codings, unit="participants", codebook=codebook)
    tables["role_by_theme_groups"] = role_by_theme(corpus, codings, unit="groups", codebook=codebook)
    tables["role_by_code"] = role_by_theme(corpus, codings, level="code", codebook=codebook)
    test = role_theme_test(corpus, codings, codebook=codebook)
    tables["role_theme_test"] = test.cells
    tables["role_theme_test_summary"] = test.summary()
    tables["theme_summary"] = theme_summary(corpus, codings, codebook=codebook)
    tables["exemplar_quotes"] = exemplar_quotes(corpus, codings, k=k, codebook=codebook)
    # a vignette is a longer turn whose best code is its theme (best_only), checked again on the way out
    vignettes = exemplar_quotes(corpus, codings, k=k + 2, codebook=codebook, min_chars=260, max_chars=750, best_only=True)
    tables["vignette_candidates"] = vignettes[strongest_theme(vignettes, codings)].reset_index(drop=True)
    tables["authority_comparison"] = authority_comparison(corpus, codings, codebook=codebook)
    tables["theme_cooccurrence"] = theme_cooccurrence(corpus, codings, codebook=codebook)
    if codebook is not None:
        try:
            from ..codebook import codebook_table

            tables["codebook"] = codebook_table(codebook)
        except ImportError:  # pragma: no cover - older codebook package
            tables["codebook"] = codebook.to_frame()
    if topics is not None:
        for name in ("topics", "topic_by_role", "topic_by_authority"):
            frame = getattr(topics, name, None)
            if isinstance(frame, pd.DataFrame):
                if name != "topics" and not isinstance(frame.index, pd.RangeIndex):
                    frame = frame.reset_index()
                tables[name] = frame
    if "question" in corpus.segments.columns:  # consultation answers: say which question each quote answers
        question_of = corpus.segments.set_index("segment_id")["question"]
        question_of = question_of[~question_of.index.duplicated()]
        for name in ("exemplar_quotes", "vignette_candidates"):
            frame = tables[name]
            if "segment_id" in frame.columns and "question" not in frame.columns:
                frame = frame.copy()
                frame.insert(list(frame.columns).index("segment_id") + 1, "question", frame["segment_id"].map(question_of))
                tables[name] = frame
    return {name: _drop_private(frame) for name, frame in tables.items()}

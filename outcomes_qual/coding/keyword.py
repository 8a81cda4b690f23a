"""Keyword coder: word-boundary matching of codebook keywords and phrases.

Keywords and turns are tokenised on word boundaries and lightly stemmed, so
``family`` matches ``families`` and ``takes time`` matches ``taking time``,
but ``form`` never matches ``information``. A keyword written in capitals
(``IT``, ``GP``, ``NHS``) matches only in capitals, so the pronoun "it" is
not the IT system. A theme matches its own keywords and its sub-codes'.

Each matched term adds a weight to its code's score: longer phrases weigh
more, and a term listed under several themes weighs less (it tells the
themes apart less). The score becomes a probability ``1 - exp(-score)``.

With ``df_damping=(low, high)``, a term that occurs in more than ``low`` of
the turns given to ``fit`` counts for less, down to nothing at ``high``:
in a study of outcomes-focused practice nearly every turn says "outcome",
and a word everybody uses tells the themes apart no better than chance.
The ensemble coder uses this; the keyword coder alone does not by default.

Examples
--------
>>> from outcomes_qual.codebook import Code, Codebook
>>> import pandas as pd
>>> cb = Codebook("demo", (
...     Code("systems_barriers", "Systems", "Systems.", keywords=("forms", "IT system")),
...     Code("time", "Time", "Time.", keywords=("takes time", "deadline")),
... ))
>>> seg = pd.DataFrame({"segment_id": ["a", "b", "c"],
...                     "text": ["The form and the IT system again.", "It is taking time, it is.", "Lovely weather."]})
>>> KeywordCoder(codebook=cb).fit(seg).predict(seg)[["segment_id", "code", "evidence"]]
  segment_id              code                    evidence
0          a  systems_barriers  keywords: forms; IT system
1          b              time        keywords: takes time
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict

import numpy as np
import pandas as pd

from ..embeddings._text import stem
from ._base import DEFAULT_CODER, BaseCoder

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['\u2019][A-Za-z]+)?")


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """Raw tokens (case kept) and their lower-case stems."""
    raw = _WORD.findall(text.replace("\u2019", "'"))
    return raw, [stem(t.lower()) for t in raw]


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper() and word.isalpha()


class KeywordCoder(BaseCoder):
    """Code turns by the codebook's keywords and phrases.

    Parameters
    ----------
    codebook : Codebook or path
    threshold : float, default 0.5
        Probability a code needs to be assigned (0.5 is one unshared single word).
    top1_threshold : float or None, default None
        Also assign the best theme when it reaches this probability.
    df_damping : tuple of float or None, default None
        ``(low, high)`` shares of the fitted turns: a term found in more than
        ``low`` of them weighs less, linearly down to 0 at ``high``. Needs at
        least ``min_df_units`` turns in ``fit``; otherwise no damping.
    min_df_units : int, default 30
    include_facilitator : bool, default False
    coder : str, default "outcomes_qual"
        Value of the ``coder`` column.

    Attributes
    ----------
    codebook_ : Codebook
    codes_ : list of str
    terms_ : dict
        Per code key, the list of ``(keyword, weight)`` it matches.
    term_damping_ : dict
        Term id to its weight factor (only terms damped below 1; empty without damping).
    method_ : str
        ``"keyword"``.
    """

    def __init__(
        self,
        *,
        codebook,
        threshold=0.5,
        top1_threshold=None,
        df_damping=None,
        min_df_units=30,
        include_facilitator=False,
        coder=DEFAULT_CODER,
    ):
        self.codebook = codebook
        self.threshold = threshold
        self.top1_threshold = top1_threshold
        self.df_damping = df_damping
        self.min_df_units = min_df_units
        self.include_facilitator = include_facilitator
        self.coder = coder

    def fit(self, segments=None, codings=None) -> "KeywordCoder":
        """Compile the codebook's keywords (``segments`` and ``codings`` are not needed)."""
        cb = self._fit_codebook()
        # which keywords each code matches: its own and its descendants'
        own = {c.key: list(dict.fromkeys(c.keywords)) for c in cb}
        matched: dict[str, list[str]] = {}
        for c in cb:
            terms = []
            for other in cb:
                if other.key == c.key or other.key.startswith(c.key + "/"):
                    terms.extend(own[other.key])
            matched[c.key] = list(dict.fromkeys(terms))

        # specificity: in how many themes a (normalised) term appears
        def norm(term: str) -> tuple[bool, tuple[str, ...]]:
            raw, stems = _tokens(term)
            if len(raw) == 1 and _is_acronym(raw[0]):
                return True, (raw[0],)
            return False, tuple(stems)

        themes_with: dict[tuple, set[str]] = defaultdict(set)
        for key in self.themes_:
            for term in matched[key]:
                themes_with[norm(term)].add(key)
        self.terms_ = {}
        index: dict[tuple[bool, str], list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self._term_list: list[tuple[str, tuple[bool, tuple[str, ...]]]] = []
        term_id: dict[tuple, int] = {}
        for key in self.codes_:
            entries = []
            for term in matched[key]:
                n = norm(term)
                if not n[1]:
                    continue
                weight = (1.0 + 0.5 * (len(n[1]) - 1)) / max(1, len(themes_with.get(n, {key.split("/")[0]})))
                entries.append((term, weight))
                if n not in term_id:
                    term_id[n] = len(self._term_list)
                    self._term_list.append((term, n))
                    index[(n[0], n[1][0])].append((n[1], term_id[n]))
            self.terms_[key] = entries
        self._index = dict(index)
        # per code: term id -> (display term, weight)
        self._code_terms = []
        for key in self.codes_:
            d: dict[int, tuple[str, float]] = {}
            for term, weight in self.terms_[key]:
                d.setdefault(term_id[norm(term)], (term, weight))
            self._code_terms.append(d)
        self.term_damping_ = self._damping(segments)
        self.method_ = "keyword"
        return self

    def _damping(self, segments) -> dict[int, float]:
        """Weight factors for terms found in a large share of the fitted turns."""
        if self.df_damping is None or segments is None:
            return {}
        low, high = (float(v) for v in self.df_damping)
        if not 0 <= low < high <= 1:
            raise ValueError(f"df_damping: expected (low, high) with 0 <= low < high <= 1, got {self.df_damping!r}")
        texts = self._check_input(segments)["text"].tolist()
        if len(texts) < int(self.min_df_units):
            return {}
        df: dict[int, int] = defaultdict(int)
        for text in texts:
            for tid in self._match(text):
                df[tid] += 1
        factors = {}
        for tid, n in df.items():
            share = n / len(texts)
            if share > low:
                factors[tid] = max(0.0, 1.0 - (share - low) / (high - low))
        return factors

    def _match(self, text: str) -> set[int]:
        raw, stems = _tokens(text)
        found: set[int] = set()
        n = len(raw)
        for i in range(n):
            for case_sensitive, first in ((False, stems[i]), (True, raw[i])):
                for toks, tid in self._index.get((case_sensitive, first), ()):
                    seq = raw if case_sensitive else stems
                    if tuple(seq[i : i + len(toks)]) == toks:
                        found.add(tid)
        return found

    def match_terms(self, segments) -> pd.DataFrame:
        """Scores and matched keywords per code: a long table for inspection.

        Returns
        -------
        pandas.DataFrame
            Columns ``segment_id, code, score, terms``; one row per (segment, code) with a match.
        """
        seg = self._check_input(segments)
        score, terms = self._raw(seg)
        rows = [
            (sid, self.codes_[j], float(score[i, j]), "; ".join(terms[i][j]))
            for i, sid in enumerate(seg["segment_id"])
            for j in np.flatnonzero(score[i])
        ]
        return pd.DataFrame(rows, columns=["segment_id", "code", "score", "terms"])

    def _raw(self, seg: pd.DataFrame):
        score = np.zeros((len(seg), len(self.codes_)))
        terms: list[dict[int, list[str]]] = []
        damp = getattr(self, "term_damping_", {})
        for i, text in enumerate(seg["text"]):
            found = self._match(text)
            per: dict[int, list[str]] = {}
            if found:
                for j, code_terms in enumerate(self._code_terms):
                    hits = [(t, v) for t, v in code_terms.items() if t in found]
                    if hits:
                        score[i, j] = sum(w * damp.get(t, 1.0) for t, (_, w) in hits)
                        per[j] = [term for _, (term, _) in hits]
            terms.append(per)
        return score, terms

    def _scores(self, seg: pd.DataFrame):
        score, terms = self._raw(seg)
        proba = 1.0 - np.exp(-score)
        index = self._code_index()
        return proba, lambda i, key: keyword_evidence(terms[i].get(index[key]))


def keyword_evidence(hits) -> str:
    """Evidence naming the keywords that fired (``""`` when none did).

    Examples
    --------
    >>> keyword_evidence(["forms", "IT system"]), keyword_evidence(None)
    ('keywords: forms; IT system', '')
    """
    return "keywords: " + "; ".join(hits) if hits else ""


def keyword_probability(score: float) -> float:
    """The probability a keyword score maps to: ``1 - exp(-score)``.

    Examples
    --------
    >>> round(keyword_probability(1.0), 3)
    0.632
    """
    return 1.0 - math.exp(-score)

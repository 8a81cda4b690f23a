"""Tokenising and a light English stemmer shared by the LSA backend and the coders.

The stemmer strips plural, ``-ing``, ``-ed`` and ``-ly`` endings and a final
``e`` so that inflections of one word meet (``families``/``family``,
``changing``/``changed``/``change``). It is deliberately conservative: it
does not strip ``-er`` or ``-ment`` (``manager`` and ``management`` stay
apart from ``manage``).

Examples
--------
>>> [stem(w) for w in ["families", "family", "changing", "changed", "change", "stopped", "panels"]]
['family', 'family', 'chang', 'chang', 'chang', 'stop', 'panel']
>>> stem_tokens("The panels weren't helping families")
['panel', 'weren', 'help', 'family']
"""

from __future__ import annotations

import re
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:['\u2019][a-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")
_KEEP = frozenset(
    {
        "this",
        "was",
        "has",
        "is",
        "us",
        "its",
        "bus",
        "gas",
        "yes",
        "news",
        "less",
        "process",
        "access",
        "focus",
        "status",
        "bias",
        "thus",
        "crisis",
        "basis",
        "analysis",
        "series",
    }
)

_LY_BASES = ("al", "ful", "ous", "ive", "ent", "ant", "ct", "ck", "ate", "ear", "ain")

#: Stop words removed before stemming (scikit-learn's English list).
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (apostrophe endings kept, e.g. ``don't``).

    Examples
    --------
    >>> tokenize("Don't rush; IT-systems")
    ["don't", 'rush', 'it', 'systems']
    """
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the light stem of one lower-case ``word``."""
    w = word.lower()
    for pos in ("'s", "'"):
        if w.endswith(pos):
            w = w[: -len(pos)]
    w = w.split("'")[0] if "'" in w else w
    if len(w) <= 3 or w in _KEEP:
        return w
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        if w.endswith(suffix):
            base = w[: -len(suffix)]
            if suffix == "ly" and (len(base) < 4 or not base.endswith(_LY_BASES)):
                break
            if len(base) >= 3 and _VOWEL.search(base):
                w = base
                if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz" and w[-1] not in "aeiou":
                    w = w[:-1]
                if suffix == "ied" or (suffix == "ed" and w.endswith("i")):
                    w = w[:-1] + "y"
            break
    if w.endswith("ied"):
        w = w[:-3] + "y"
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]
    return w


def stem_tokens(text: str, *, stop_words: bool = True) -> list[str]:
    """Tokenise ``text``, drop stop words (by default) and stem the rest."""
    toks = tokenize(text)
    if stop_words:
        toks = [t for t in toks if t not in STOP_WORDS and t.split("'")[0] not in STOP_WORDS]
    return [stem(t) for t in toks if len(t) > 1]

"""Words that describe topics: a phrase analyser, c-TF-IDF and readable labels.

Both topic backends describe their topics the same way, so the light path and
the BERTopic path give the same kind of table:

* :func:`analyse` splits a turn into words and phrases of up to three words.
  A phrase may hold a stop word inside ("working from home") but must not
  start or end with one, and never holds conversational filler ("you know",
  "um", "yeah").
* :func:`class_tfidf` weighs each term per topic with the class-based TF-IDF
  of BERTopic (Grootendorst 2022): term frequency within the topic,
  normalised to sum to one, times ``log(1 + A / f)`` where ``A`` is the mean
  number of terms per topic and ``f`` the term's frequency over all topics.
* :func:`top_terms` picks the best terms, preferring a phrase to the single
  words it contains, and :func:`make_label` joins the first three.

Examples
--------
>>> analyse("Um, working from home, you know, is just hard.")
['working', 'home', 'hard', 'working from home']
>>> is_substantive("Yeah, I agree with that.")
False
>>> make_label(["working from home", "hot desking", "office", "laptop"])
'working from home / hot desking / office'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

#: Conversational filler and hedges that carry no topic: dropped from words and phrases.
FILLER_WORDS: frozenset[str] = frozenset(
    """
    um umm uh uhh er erm ah oh eh hmm mm mhm yeah yep yes yeh no nope ok okay right
    like just really actually basically literally obviously probably maybe definitely
    sort kind bit lot lots thing things stuff way know mean think thought guess suppose
    say said saying says tell told talk talking talked get gets got getting gonna wanna
    gotta going go goes went come comes coming came make makes making made want wanted
    need needs needed look looking see seen good great fine sure well quite pretty
    also still even much many one two three something anything everything nothing
    someone anyone everyone everybody somebody yourself
    i'm i've i'd i'll you're you've you'd we're we've we'd we'll they're they've
    they'd it's that's there's what's don't didn't doesn't isn't wasn't aren't
    can't couldn't wouldn't shouldn't won't haven't hasn't let's
    he's she's who's here's where's
    honestly truly totally absolutely exactly certainly really agree agreed
    big little better best bad worse new old different same whole real able
    feel feels felt put puts let used use using does doing did done having
    ask asked asking keep keeps kept start started try tried trying
    time's
    sorry pardon thanks thank cheers please hello hiya hi bye anyway anyhow aye och wee mind round
    """.split()
)

#: Every word dropped from topic words: scikit-learn's English list plus filler.
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | FILLER_WORDS

_TOKEN = re.compile(r"[a-z][a-z'\u2019-]*[a-z]|[a-z]")

#: Bracketed transcriber notes and pseudonyms ("[laughs]", "(inaudible)", "[Child 1]").
_BRACKETED = re.compile(r"\[[^\]]{0,40}\]|\([^)]{0,20}\)")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (apostrophes kept inside words).

    Bracketed notes and pseudonyms ("[laughs]", "[Child 1]", "(inaudible)")
    are dropped: they say nothing about the topic.

    Examples
    --------
    >>> tokenize("Don't panic: 3 hot-desks! [laughs]")
    ["don't", 'panic', 'hot-desks']
    """
    text = _BRACKETED.sub(" ", text)
    return [t.replace("\u2019", "'") for t in _TOKEN.findall(text.lower())]


def content_words(text: str) -> list[str]:
    """Tokens of ``text`` that are neither stop words nor filler, nor one letter.

    Examples
    --------
    >>> content_words("Yeah, the agency staff just keep leaving.")
    ['agency', 'staff', 'leaving']
    """
    return [t for t in tokenize(text) if t not in STOP_WORDS and len(t) > 1]


def is_substantive(text: str, *, min_content_words: int = 3) -> bool:
    """True when ``text`` has at least ``min_content_words`` content words.

    Very short turns and filler ("Yeah, exactly.", "Mm, I agree") say too little
    to place in a topic.

    Examples
    --------
    >>> is_substantive("Panels keep sending plans back for more detail.")
    True
    >>> is_substantive("Exactly, yes.")
    False
    """
    return len(content_words(text)) >= min_content_words


def analyse(text: str, *, max_n: int = 3) -> list[str]:
    """Words and phrases (up to ``max_n`` words) of ``text`` for topic description.

    Single words are content words. A phrase is a run of tokens that starts
    and ends with a content word, has no filler inside, and for three-word
    phrases may have one stop word in the middle ("working from home").

    Examples
    --------
    >>> analyse("The agency staff turnover is terrible")
    ['agency', 'staff', 'turnover', 'terrible', 'agency staff', 'staff turnover', 'turnover is terrible']
    """
    toks = tokenize(text)
    content = [t not in STOP_WORDS and len(t) > 1 for t in toks]
    filler = [t in FILLER_WORDS for t in toks]
    out = [t for t, c in zip(toks, content, strict=True) if c]
    for n in range(2, max_n + 1):
        for i in range(len(toks) - n + 1):
            if not (content[i] and content[i + n - 1]):
                continue
            inner = range(i + 1, i + n - 1)
            if any(filler[j] for j in inner):
                continue
            if n == 3 and content[i + 1]:
                continue  # three words only as "X of Y", "working from home"
            out.append(" ".join(toks[i : i + n]))
    return out


def make_vectorizer(n_documents: int) -> CountVectorizer:
    """A :class:`~sklearn.feature_extraction.text.CountVectorizer` using :func:`analyse`.

    Terms seen in only one turn are dropped once there are 30 or more turns.
    """
    return CountVectorizer(analyzer=analyse, min_df=2 if n_documents >= 30 else 1)


def class_tfidf(counts: sparse.spmatrix | np.ndarray) -> np.ndarray:
    """Class-based TF-IDF of a (classes x terms) count matrix.

    ``tf`` is each row normalised to sum to one; ``idf = log(1 + A / f)`` with
    ``A`` the mean number of term occurrences per class (an integer, as in
    BERTopic) and ``f`` the term's total count.

    Examples
    --------
    >>> class_tfidf(np.array([[2, 0, 1], [0, 3, 1]])).round(3)
    array([[0.611, 0.   , 0.305],
           [0.   , 0.52 , 0.229]])
    """
    x = sparse.csr_matrix(counts, dtype=float)
    df = np.asarray(x.sum(axis=0)).ravel()
    avg = int(np.asarray(x.sum(axis=1)).ravel().mean()) if x.shape[0] else 0
    with np.errstate(divide="ignore"):
        idf = np.log(avg / np.where(df > 0, df, np.inf) + 1)
    rows = np.asarray(x.sum(axis=1)).ravel()
    rows[rows == 0] = 1
    tf = sparse.diags(1 / rows) @ x
    return np.asarray((tf @ sparse.diags(idf)).todense())


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


def top_terms(terms: Sequence[str], scores: np.ndarray, *, n: int = 10, phrase_ratio: float = 0.6) -> list[str]:
    """The ``n`` best-scoring terms, a phrase replacing the words it contains.

    A phrase takes the place of an already chosen word it contains when its
    score is at least ``phrase_ratio`` times that word's; words inside a chosen
    phrase are skipped.

    Examples
    --------
    >>> top_terms(["agency", "staff", "agency staff", "panel"], np.array([0.9, 0.5, 0.6, 0.3]), n=3)
    ['agency staff', 'panel']
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    chosen: list[str] = []
    best: dict[str, float] = {}
    for idx in order:
        score = float(scores[idx])
        if score <= 0:
            break
        term = terms[idx]
        if any(_contains(c, term) for c in chosen):
            continue
        inside = [c for c in chosen if _contains(term, c)]
        if inside:
            if score < phrase_ratio * max(best[c] for c in inside):
                continue
            at = chosen.index(inside[0])
            chosen = [c for c in chosen if c not in inside]
            chosen.insert(min(at, len(chosen)), term)
        else:
            if len(chosen) >= n:
                continue
            chosen.append(term)
        best[term] = score
    return chosen[:n]


def make_label(words: Iterable[str], *, n: int = 3) -> str:
    """A readable label: the first ``n`` terms joined by ``" / "``.

    Examples
    --------
    >>> make_label(["agency staff", "turnover", "new faces", "handover"])
    'agency staff / turnover / new faces'
    >>> make_label([])
    '(no words)'
    """
    words = list(words)[:n]
    return " / ".join(words) if words else "(no words)"


def topic_terms(texts: Sequence[str], labels: Sequence[int] | np.ndarray, *, n: int = 10) -> dict[int, list[str]]:
    """Top terms per topic label by c-TF-IDF over all topics together.

    Parameters
    ----------
    texts : sequence of str
    labels : sequence of int
        Topic of each text; every distinct value (including -1) is a class.
    n : int
        Terms per topic.

    Returns
    -------
    dict of int to list of str

    Examples
    --------
    >>> texts = ["agency staff leave", "agency staff turnover again",
    ...          "panel forms again", "panel forms paperwork"]
    >>> topic_terms(texts, [0, 0, 1, 1], n=2)
    {0: ['agency staff', 'leave'], 1: ['panel forms', 'paperwork']}
    """
    lab = np.asarray(labels)
    classes = sorted(set(lab.tolist()))
    if not len(texts):
        return {c: [] for c in classes}
    docs = [" \n ".join(texts[i] for i in np.flatnonzero(lab == c).tolist()) for c in classes]
    try:
        per_doc = CountVectorizer(analyzer=analyse, min_df=1)
        df = np.asarray((per_doc.fit_transform(texts) > 0).sum(axis=0)).ravel()
    except ValueError:  # no term in any text
        return {c: [] for c in classes}
    min_df = 2 if len(texts) >= 30 else 1
    vocab = [t for t, f in zip(per_doc.get_feature_names_out(), df, strict=True) if f >= min_df and (" " not in t or f >= 2)]
    if not vocab:
        return {c: [] for c in classes}
    vec = CountVectorizer(analyzer=analyse, vocabulary=vocab)
    counts = vec.transform(docs)
    scores = class_tfidf(counts)
    terms = vec.get_feature_names_out().tolist()
    return {c: top_terms(terms, scores[i], n=n) for i, c in enumerate(classes)}

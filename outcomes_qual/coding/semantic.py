"""Semantic (zero-shot) coder: similarity to each code's description in an embedding space.

Each code is described by several short texts taken from the codebook: its
label with its definition, each inclusion criterion, each example statement
and its keywords; a theme also owns its sub-codes' texts. A turn's raw score
for a code is the mean of its ``top_k`` highest cosine similarities to those
texts.

Raw similarities are not comparable across codes (a broad theme is close to
everything), so each code's score is calibrated against a null
distribution: the scores that the codebook's texts *about other themes* get
for that code. The calibrated score is a z-score, turned into a probability
with a logistic curve centred at ``z_threshold``. A turn gets every theme
whose probability reaches ``threshold``, and its best theme when that reaches
``top1_threshold``.

Backends come from :func:`outcomes_qual.embeddings.get_embedder`; the light
``lsa`` backend is fitted on the turns given to ``fit`` plus the codebook's texts.

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("demo", (
...     Code("systems_barriers", "Systems", "Forms, IT systems and paperwork.",
...          examples=("The IT system and the forms take all day.", "Recording on the database is slow.")),
...     Code("time", "Time", "Not enough time; caseloads and deadlines.",
...          examples=("I never have enough time with families.", "Deadlines and caseloads leave no time.")),
... ))
>>> seg = pd.DataFrame({"segment_id": ["s1", "s2"],
...                     "text": ["The forms on the system are slow.", "No time, the caseloads are huge."]})
>>> coder = SemanticCoder(codebook=cb, backend="lsa").fit(seg)
>>> coder.predict(seg)[["segment_id", "code"]].values.tolist()
[['s1', 'systems_barriers'], ['s2', 'time']]
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from ..embeddings import get_embedder, resolve_backend
from ._base import DEFAULT_CODER, CalibratedCoder

logger = logging.getLogger(__name__)

#: Floor on a code's null standard deviation (cosine units), so a tiny or
#: sparse codebook does not blow calibrated scores up.
MIN_NULL_STD = 0.05

#: Kinds of codebook text that can describe a code (see :func:`codebook_items`).
ITEM_KINDS: tuple[str, ...] = ("definition", "include", "example", "keywords")


def codebook_items(codebook) -> pd.DataFrame:
    """The short texts that describe each code: one row per (code, text).

    Returns
    -------
    pandas.DataFrame
        Columns ``code, kind, text``.

    Examples
    --------
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> cb = Codebook("d", (Code("time", "Time", "Time pressure.", examples=("No time.",), keywords=("rush",)),))
    >>> codebook_items(cb).values.tolist()
    [['time', 'definition', 'Time: Time pressure.'], ['time', 'example', 'No time.'], ['time', 'keywords', 'Time: rush']]
    """
    rows = []
    for c in codebook:
        rows.append((c.key, "definition", f"{c.label}: {c.definition}"))
        rows.extend((c.key, "include", f"{c.label}: {x}") for x in c.include)
        rows.extend((c.key, "example", x) for x in c.examples)
        if c.keywords:
            rows.append((c.key, "keywords", f"{c.label}: " + ", ".join(c.keywords)))
    return pd.DataFrame(rows, columns=["code", "kind", "text"])


def exclusion_items(codebook) -> pd.DataFrame:
    """The codebook's exclusion criteria, each with the code it sends the text to (when it names one).

    An exclusion criterion describes talk that is *not* its code; when it
    names another code of the codebook (by key, or by label as a whole
    phrase; the longest name wins), that talk belongs there instead. The
    default coder's head learns from these texts as examples of the named
    code (or of no code), so that talk a criterion excludes is not given the
    code it was excluded from.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (the code the criterion belongs to), ``refers_to``
        (the code it names, or ``""``), ``text``.

    Examples
    --------
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> cb = Codebook("d", (Code("time", "Time", "Time pressure.", exclude=("Forms and IT (code systems)", "Dates in passing")),
    ...                     Code("systems", "Systems barriers", "Forms and IT.")))
    >>> exclusion_items(cb).values.tolist()
    [['time', 'systems', 'Forms and IT (code systems)'], ['time', '', 'Dates in passing']]
    """
    names = []
    for c in codebook:
        names.append((c.key.lower(), c.key))
        if c.label and len(c.label.strip()) > 2:
            names.append((c.label.strip().lower(), c.key))
    names.sort(key=lambda n: -len(n[0]))
    rows = []
    for c in codebook:
        for text in c.exclude:
            low, target = str(text).lower(), ""
            for name, key in names:
                if key == c.key:
                    continue
                if re.search(r"(?<![\w/])" + re.escape(name) + r"(?![\w/])", low):
                    target = key
                    break
            rows.append((c.key, target, str(text)))
    return pd.DataFrame(rows, columns=["code", "refers_to", "text"])


def _without_pointer(text: str) -> str:
    """An exclusion criterion without its bracketed pointer to another code: ``"Forms (code systems)"`` -> ``"Forms"``."""
    out = re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*$", "", text).strip()
    return out or text


def _topk_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values in each row."""
    k = max(1, min(k, sims.shape[1]))
    if k == sims.shape[1]:
        return sims.mean(axis=1)
    part = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return part.mean(axis=1)


class SemanticCoder(CalibratedCoder):
    """Zero-shot coder: calibrated similarity to the codebook's definitions, criteria and examples.

    Parameters
    ----------
    codebook : Codebook or path
    backend : {"auto", "lsa", "sentence-transformers"}, default "auto"
    model_path : path-like, optional
        Local sentence-transformers model (see :func:`outcomes_qual.embeddings.get_embedder`).
    top_k : int, default 3
        Similarities averaged per code.
    item_kinds : tuple of str, default ("definition", "include", "example", "keywords")
        Which codebook texts describe a code (kinds of :func:`codebook_items`).
    z_threshold : float, default 2.0
        Calibrated score (standard deviations above the other-themes null) at
        which the probability is 0.5.
    top1_z : float or None, default 0.25
        Assign the turn's best theme when its calibrated score reaches this
        (``None``: never force).
    slope : float, default 1.5
        Steepness of the logistic curve from z-score to probability.
    threshold : float, default 0.5
    include_facilitator : bool, default False
    random_state : int, default 0
    coder : str, default "outcomes_qual"

    Attributes
    ----------
    codebook_, codes_, themes_
    embedder_ : Embedder
    backend_ : str
        The backend actually used.
    items_ : DataFrame
        The codebook texts (``code, kind, text``).
    item_vectors_ : ndarray
    null_mean_, null_std_ : ndarray
        Per-code calibration.
    method_ : str
        ``"semantic-lsa"`` or ``"semantic-sentence"``.
    """

    def __init__(
        self,
        *,
        codebook,
        backend="auto",
        model_path=None,
        top_k=3,
        item_kinds=ITEM_KINDS,
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
        self.top_k = top_k
        self.item_kinds = item_kinds
        self.z_threshold = z_threshold
        self.top1_z = top1_z
        self.slope = slope
        self.threshold = threshold
        self.include_facilitator = include_facilitator
        self.random_state = random_state
        self.coder = coder

    def fit(self, segments=None, codings=None) -> "SemanticCoder":
        """Embed the codebook and calibrate each code (``codings`` are not used).

        With the ``lsa`` backend the embedding space is learned from
        ``segments``' texts plus the codebook's texts.
        """
        cb = self._fit_codebook()
        self.backend_ = resolve_backend(self.backend, model_path=self.model_path)
        items = codebook_items(cb)
        unknown = sorted(set(self.item_kinds) - set(ITEM_KINDS))
        if unknown or not len(self.item_kinds):
            raise ValueError(f"item_kinds: expected a non-empty subset of {ITEM_KINDS}, got {tuple(self.item_kinds)!r}")
        self.items_ = items[items["kind"].isin(list(self.item_kinds))].reset_index(drop=True)
        item_texts = self.items_["text"].tolist()
        self.embedder_ = get_embedder(self.backend_, model_path=self.model_path, random_state=self.random_state)
        if self.backend_ == "lsa":
            corpus = [] if segments is None else self._check_input(segments)["text"].tolist()
            self.embedder_.fit(corpus + item_texts)
        else:
            self.embedder_.fit(None)
        self.item_vectors_ = self.embedder_.transform(item_texts)
        item_codes = self.items_["code"].to_numpy()
        item_theme = np.array([c.split("/", 1)[0] for c in item_codes])
        self._pools = []
        for key in self.codes_:
            self._pools.append(np.flatnonzero([(c == key or c.startswith(key + "/")) for c in item_codes]))
        # null: each code's score for the texts of other themes
        sims = self.item_vectors_ @ self.item_vectors_.T
        means, stds = [], []
        for key, pool in zip(self.codes_, self._pools, strict=True):
            theme = key.split("/", 1)[0]
            if "/" in key:
                others = np.flatnonzero([(c != key and not c.startswith(key + "/")) and c != theme for c in item_codes])
            else:
                others = np.flatnonzero(item_theme != theme)
            if len(pool) == 0 or len(others) < 2:
                means.append(0.0)
                stds.append(1.0)
                continue
            null = _topk_mean(sims[np.ix_(others, pool)], self.top_k)
            means.append(float(null.mean()))
            stds.append(float(max(null.std(ddof=1), MIN_NULL_STD)))
        self.null_mean_ = np.array(means)
        self.null_std_ = np.array(stds)
        self.method_ = "semantic-lsa" if self.backend_ == "lsa" else "semantic-sentence"
        return self

    def _embed(self, seg: pd.DataFrame) -> np.ndarray:
        """The turns' vectors in the fitted embedding space."""
        return self.embedder_.transform(seg["text"].tolist())

    def _z(self, seg: pd.DataFrame, vectors: np.ndarray | None = None):
        """Calibrated z-scores (segments x codes) and the turn x codebook-text similarities.

        ``vectors``: the turns' vectors when already computed (:meth:`_embed`).
        """
        if vectors is None:
            vectors = self._embed(seg)
        sims = vectors @ self.item_vectors_.T if len(seg) else np.zeros((0, len(self.items_)))
        raw = np.zeros((len(seg), len(self.codes_)))
        for j, pool in enumerate(self._pools):
            if len(pool):
                raw[:, j] = _topk_mean(sims[:, pool], self.top_k)
        z = (raw - self.null_mean_) / self.null_std_
        # empty turns carry no evidence
        if len(seg):
            no_words = ~seg["text"].str.contains(r"[^\W_]", regex=True).to_numpy(dtype=bool)
            empty = (np.abs(vectors).sum(axis=1) < 1e-9) | no_words
            z[empty] = -10.0
        return z, sims

    def _nearest(self, sims: np.ndarray, i: int, j: int) -> str:
        """Evidence for code ``j`` in turn ``i``: the code's codebook text nearest to the turn."""
        pool = self._pools[j]
        if not len(pool):
            return ""
        best = pool[int(np.argmax(sims[i, pool]))]
        kind, text = self.items_["kind"].iat[best], self.items_["text"].iat[best]
        return f'nearest {kind}: "{text}" (similarity {sims[i, best]:.2f})'

    def _scores(self, seg: pd.DataFrame):
        z, sims = self._z(seg)
        index = self._code_index()
        return self._proba(z), lambda i, key: self._nearest(sims, i, index[key])

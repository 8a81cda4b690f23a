"""Which turns to code next: the ones whose coding would teach the coder most.

The workflow this serves: the machine suggests codes, a person codes a small
sample, the machine learns from it (``autocode(..., train=codings)``) and
codes the rest. :func:`suggest_next` picks that sample. ``"uncertainty"``
takes the turns closest to a decision boundary of the ensemble's rank rule
(the best theme near the floor, or a second theme near the margin);
``"diversity"`` takes turns far, in the embedding space, from everything
already coded (greedy k-centre); ``"mixed"`` (the default) ranks by
uncertainty but skips turns too close to one already chosen, so a batch does
not spend ten codings on ten near-copies of one doubt.

Examples
--------
>>> import pandas as pd
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("d", (
...     Code("time", "Time", "Not enough time.", keywords=("no time", "deadline")),
...     Code("partners", "Partners", "Other agencies.", keywords=("GP", "school")),
... ))
>>> seg = pd.DataFrame({"segment_id": list("abcd"), "text": [
...     "No time at all, the deadline again.", "The GP and the school.",
...     "The school had no time for us.", "A quiet week."]})
>>> picks = suggest_next(seg, cb, n=2, backend="lsa")
>>> list(picks.columns)
['rank', 'segment_id', 'uncertainty', 'reason']
>>> len(picks), picks["segment_id"].is_unique
(2, True)
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ._base import as_codebook, as_segments

logger = logging.getLogger(__name__)

#: Columns of :func:`suggest_next`, declared once.
SUGGEST_COLUMNS: tuple[str, ...] = ("rank", "segment_id", "uncertainty", "reason")

#: Values of ``suggest_next(strategy=...)``.
STRATEGIES: tuple[str, ...] = ("mixed", "uncertainty", "diversity")


def boundary_distance(z: np.ndarray, *, floor: float, margin: float) -> np.ndarray:
    """How far each turn's theme scores lie from the rank rule's boundaries (small: unsure).

    For every theme the boundary is the floor for the best theme and
    ``max(floor, best - margin)`` for the others; a turn's distance is the
    smallest over its themes.

    Examples
    --------
    >>> boundary_distance(np.array([[2.0, 1.6], [3.0, -1.0]]), floor=0.5, margin=0.5).round(2).tolist()
    [0.1, 2.5]
    """
    z = np.asarray(z, dtype=float)
    if z.size == 0:
        return np.zeros(len(z))
    best = z.max(axis=1, keepdims=True)
    bound = np.maximum(float(floor), best - float(margin))
    dist = np.abs(z - bound)
    is_best = z == best
    dist[is_best] = np.abs(z[is_best] - float(floor))
    return dist.min(axis=1)


def suggest_next(
    segments,
    codebook=None,
    *,
    coder=None,
    coded=None,
    n: int = 10,
    strategy: str = "mixed",
    backend: str = "auto",
    model_path=None,
    min_distance: float = 0.15,
    random_state: int = 0,
) -> pd.DataFrame:
    """Rank the uncoded turns whose human coding would teach the coder most.

    Parameters
    ----------
    segments : DataFrame or Corpus
        All the turns (coded and not).
    codebook : Codebook or path, optional
        Needed unless ``coder`` is given.
    coder : fitted EnsembleCoder, optional
        Default: an :class:`~outcomes_qual.coding.EnsembleCoder` fitted on
        ``segments`` (and on ``coded`` when given).
    coded : DataFrame, optional
        Codings people have made (``segment_id``, ``code``); their turns are
        not suggested again and, for ``"diversity"``, pull the choice away.
    n : int, default 10
    strategy : {"mixed", "uncertainty", "diversity"}, default "mixed"
    backend, model_path
        Embedding backend of the default coder.
    min_distance : float, default 0.15
        With ``"mixed"``: cosine distance under which a turn counts as a
        near-copy of one already chosen and is passed over.
    random_state : int, default 0
        Breaks exact ties.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUGGEST_COLUMNS`: ``rank`` from 1, ``uncertainty``
        (the boundary distance; smaller is less sure) and ``reason``.
    """
    from .ensemble import EnsembleCoder

    if strategy not in STRATEGIES:
        raise ValueError(f"strategy: expected one of {STRATEGIES}, got {strategy!r}")
    if int(n) < 1:
        raise ValueError(f"n: expected a positive number of turns, got {n!r}")
    seg = as_segments(segments)
    done = set() if coded is None else set(coded["segment_id"].astype(str))
    if coder is None:
        if codebook is None:
            raise ValueError("codebook: needed when no fitted coder is given, got None")
        coder = EnsembleCoder(codebook=as_codebook(codebook), backend=backend, model_path=model_path, random_state=random_state)
        coded_units = seg[seg["segment_id"].isin(done)]
        coder.fit(seg, coded if coded is not None and len(coded_units) else None)
    z = coder.decision_function(seg)
    themes = list(coder.themes_)
    # the default coder gives every codable turn its best theme (no floor) and adds themes within its margin
    dist = boundary_distance(z[themes].to_numpy(), floor=-np.inf, margin=coder.settings_["margin"])
    vectors = coder.semantic_._embed(seg)
    rng = np.random.default_rng(random_state)
    jitter = rng.random(len(seg)) * 1e-9
    open_idx = [i for i, sid in enumerate(seg["segment_id"]) if sid not in done]
    chosen: list[int] = []
    reasons: list[str] = []
    anchors = [i for i, sid in enumerate(seg["segment_id"]) if sid in done]
    if strategy == "diversity":
        for _ in range(min(int(n), len(open_idx))):
            ref = anchors + chosen
            if ref:
                far = 1.0 - (vectors[open_idx] @ vectors[ref].T).max(axis=1)
            else:
                far = -dist[open_idx]  # nothing coded yet: start from the least sure turn
            pick = open_idx[int(np.argmax(far + jitter[open_idx]))]
            chosen.append(pick)
            reasons.append("far from the turns already coded" if ref else "least sure turn")
            open_idx.remove(pick)
    else:
        order = sorted(open_idx, key=lambda i: dist[i] + jitter[i])
        for i in order:
            if len(chosen) >= int(n):
                break
            if strategy == "mixed" and chosen and (1.0 - (vectors[chosen] @ vectors[i])).min() < float(min_distance):
                continue
            chosen.append(i)
            reasons.append("close to a decision boundary")
    out = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1),
            "segment_id": seg["segment_id"].to_numpy()[chosen] if chosen else [],
            "uncertainty": dist[chosen] if chosen else [],
            "reason": reasons,
        },
        columns=list(SUGGEST_COLUMNS),
    )
    logger.info("suggest_next (%s): %d of %d uncoded turns", strategy, len(out), len(seg) - len(done))
    return out

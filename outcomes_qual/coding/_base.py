"""Shared machinery of the coders: inputs, the codebook, decisions and the codings table.

Every coder is a scikit-learn estimator with

- ``fit(segments, codings=None) -> self``,
- ``predict_proba(segments) -> DataFrame`` (index ``segment_id``, one column
  per code key, values in [0, 1]),
- ``predict(segments) -> DataFrame`` with :data:`outcomes_qual.schema.CODING_COLUMNS`.

``segments`` is a DataFrame with ``segment_id`` (or ``id``) and ``text``
columns (``role`` optional), or a :class:`~outcomes_qual.corpus.Corpus`.
Facilitator turns are skipped unless ``include_facilitator=True``.

Decisions follow one rule for all coders: a theme is assigned when its
probability reaches ``threshold``; the turn's best theme is also assigned when
it reaches ``top1_threshold`` (so a turn on topic gets at least its best
theme). Each code's probability is its own (a theme's score already draws on
its sub-codes' keywords and texts); a sub-code is emitted only under an
assigned theme, when its own probability reaches ``threshold``. A theme row is written for every assigned
theme and a sub-code row for every sub-code that fires.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .. import schema
from ..codebook import Codebook, load_codebook
from ..corpus import Corpus

logger = logging.getLogger(__name__)

#: Default ``coder`` column value for machine codings.
DEFAULT_CODER = "outcomes_qual"


def as_codebook(codebook) -> Codebook:
    """Return ``codebook`` as a :class:`Codebook` (a path is loaded and validated)."""
    if isinstance(codebook, Codebook):
        return codebook
    if isinstance(codebook, (str, os.PathLike)):
        return load_codebook(codebook)
    raise TypeError(f"codebook: expected a Codebook or a path to a YAML codebook, got {type(codebook).__name__}")


def as_segments(segments, *, include_facilitator: bool = False) -> pd.DataFrame:
    """Normalise coder input to a frame with ``segment_id``, ``text`` and ``role``.

    Parameters
    ----------
    segments : DataFrame or Corpus
        Needs ``segment_id`` (or ``id``) and ``text``.
    include_facilitator : bool, default False
        Keep turns whose role is ``facilitator``.

    Examples
    --------
    >>> import pandas as pd
    >>> as_segments(pd.DataFrame({"id": [1, 2], "text": ["a", None], "role": ["facilitator", "senior"]}))
      segment_id text    role
    0          2       senior
    """
    if isinstance(segments, Corpus):
        segments = segments.segments
    if not isinstance(segments, pd.DataFrame):
        raise TypeError(f"segments: expected a DataFrame with segment_id and text, or a Corpus; got {type(segments).__name__}")
    frame = segments
    if "segment_id" not in frame.columns and "id" in frame.columns:
        frame = frame.rename(columns={"id": "segment_id"})
    schema.check_columns(frame, ["segment_id", "text"], name="segments")
    out = pd.DataFrame(
        {
            "segment_id": frame["segment_id"].astype(str).to_numpy(),
            "text": frame["text"].fillna("").astype(str).to_numpy(),
            "role": frame["role"].fillna("unknown").astype(str).to_numpy() if "role" in frame.columns else "unknown",
        }
    )
    if not include_facilitator:
        out = out[out["role"] != "facilitator"].reset_index(drop=True)
    if not out["segment_id"].is_unique:
        dup = out.loc[out["segment_id"].duplicated(), "segment_id"].tolist()[:5]
        raise ValueError(f"segments: segment_id must be unique, got repeats {dup}")
    return out


def z_to_threshold(z, z_threshold, slope):
    """The probability a calibrated score ``z`` maps to (``None`` stays ``None``).

    The logistic curve ``1 / (1 + exp(-slope * (z - z_threshold)))``, as in
    :meth:`CalibratedCoder._proba`.

    Examples
    --------
    >>> z_to_threshold(2.0, 2.0, 1.5)
    0.5
    """
    if z is None:
        return None
    return float(_logistic(float(z), z_threshold, slope))


def _logistic(z, z_threshold, slope):
    return 1.0 / (1.0 + np.exp(-float(slope) * (z - float(z_threshold))))


def theme_labels(codings: pd.DataFrame, segment_ids, keys: list[str]) -> np.ndarray:
    """Binary matrix (segments x keys) from a codings table; sub-codes roll up to their themes.

    A key that is a theme is 1 when the segment has the theme or any of its
    sub-codes; a sub-code key is 1 when the segment has that sub-code.
    """
    schema.check_columns(codings, ["segment_id", "code"], name="codings")
    index = {sid: i for i, sid in enumerate(map(str, segment_ids))}
    col = {k: j for j, k in enumerate(keys)}
    Y = np.zeros((len(index), len(keys)), dtype=int)
    for sid, code in zip(codings["segment_id"].astype(str), codings["code"].astype(str), strict=True):
        i = index.get(sid)
        if i is None:
            continue
        parts = code.split("/")
        for depth in range(1, len(parts) + 1):
            j = col.get("/".join(parts[:depth]))
            if j is not None:
                Y[i, j] = 1
    return Y


class BaseCoder(BaseEstimator):
    """Common ``predict`` logic; subclasses implement ``fit`` and ``_scores``.

    Subclasses set ``method_`` in ``fit`` and return from ``_scores`` a
    probability matrix (segments x ``codes_``) and a per-cell evidence function.
    """

    def _check_input(self, segments) -> pd.DataFrame:
        return as_segments(segments, include_facilitator=getattr(self, "include_facilitator", False))

    def _fit_codebook(self) -> Codebook:
        self.codebook_ = as_codebook(self.codebook)
        self.codes_ = self.codebook_.keys()
        self.themes_ = self.codebook_.theme_keys()
        return self.codebook_

    # subclasses: return (proba ndarray, evidence callable(i, key) -> str)
    def _scores(self, seg: pd.DataFrame):  # pragma: no cover - abstract
        raise NotImplementedError

    def _code_index(self) -> dict[str, int]:
        return {k: j for j, k in enumerate(self.codes_)}

    def _frame(self, seg: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
        """``values`` (segments x codes) indexed by ``segment_id``, one column per code key."""
        return pd.DataFrame(values, index=pd.Index(seg["segment_id"], name="segment_id"), columns=list(self.codes_))

    def predict_proba(self, segments) -> pd.DataFrame:
        """Probability of each code for each (non-facilitator) segment.

        Returns
        -------
        pandas.DataFrame
            Index ``segment_id``; one column per code key in codebook order.
        """
        check_is_fitted(self)
        seg = self._check_input(segments)
        proba, _ = self._scores(seg)
        return self._frame(seg, proba)

    def predict(self, segments) -> pd.DataFrame:
        """The codings table: one row per (segment, assigned code).

        Returns
        -------
        pandas.DataFrame
            Columns :data:`outcomes_qual.schema.MACHINE_CODING_COLUMNS`
            (the codings columns and ``uncertain``), sorted by segment order
            then codebook order.
        """
        check_is_fitted(self)
        seg = self._check_input(segments)
        proba, evidence = self._scores(seg)
        return self._decide(seg, proba, evidence)

    def _table(self, rows: list[tuple]) -> pd.DataFrame:
        """The codings table from ``(segment_id, code, coder, method, confidence, evidence)`` rows.

        Adds ``uncertain``: the confidence is below ``review_below`` (or the
        coder's ``threshold`` when it has no ``review_below``).
        """
        if not rows:
            return schema.empty_frame(schema.MACHINE_CODING_COLUMNS).astype({"uncertain": bool})
        out = pd.DataFrame(rows, columns=list(schema.CODING_COLUMNS))
        below = float(getattr(self, "review_below", getattr(self, "threshold", 0.5)))
        out["uncertain"] = out["confidence"].to_numpy(dtype=float) < below
        return out

    def _decide(self, seg: pd.DataFrame, proba: np.ndarray, evidence) -> pd.DataFrame:
        codes = list(self.codes_)
        theme_idx = [codes.index(t) for t in self.themes_]
        threshold = float(getattr(self, "threshold", 0.5))
        top1 = getattr(self, "top1_threshold", None)
        children: dict[str, list[int]] = {}
        for j, key in enumerate(codes):
            if "/" in key:
                children.setdefault(key.split("/", 1)[0], []).append(j)
        rows = []
        coder = getattr(self, "coder", DEFAULT_CODER)
        for i, sid in enumerate(seg["segment_id"]):
            p = proba[i]
            tp = p[theme_idx]
            assigned = {self.themes_[k] for k in np.flatnonzero(tp >= threshold)}
            if top1 is not None and len(tp) and tp.max() >= float(top1):
                assigned.add(self.themes_[int(tp.argmax())])
            for t, j in zip(self.themes_, theme_idx, strict=True):
                if t not in assigned:
                    continue
                rows.append((sid, t, coder, self.method_, float(p[j]), evidence(i, t)))
                for c in children.get(t, []):
                    if p[c] >= threshold:
                        rows.append((sid, codes[c], coder, self.method_, float(p[c]), evidence(i, codes[c])))
        return self._table(rows)


class CalibratedCoder(BaseCoder):
    """A coder whose scores are calibrated z-scores put through one logistic curve.

    Subclasses have the parameters ``z_threshold`` (the score at which the
    probability is 0.5), ``slope`` and ``top1_z``, and implement ``_z(seg)``
    returning the z-score matrix (segments x ``codes_``) first, then whatever
    their evidence needs; callers of ``_z`` check that the coder is fitted.
    """

    def _z(self, seg: pd.DataFrame):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def top1_threshold(self):
        """Probability matching ``top1_z`` (used by the shared decision rule)."""
        return z_to_threshold(self.top1_z, self.z_threshold, self.slope)

    def decision_function(self, segments) -> pd.DataFrame:
        """Calibrated scores (segments x codes) before the logistic curve."""
        seg = self._check_input(segments)
        check_is_fitted(self)
        z, *_ = self._z(seg)
        return self._frame(seg, z)

    def _proba(self, z: np.ndarray) -> np.ndarray:
        """Probabilities from calibrated scores: ``1 / (1 + exp(-slope * (z - z_threshold)))``."""
        return _logistic(z, self.z_threshold, self.slope)

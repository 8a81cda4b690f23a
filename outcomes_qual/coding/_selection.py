"""How the default coder chooses its settings: cross-validation on labelled turns, or a stated rule.

The ensemble's score for a code is::

    s = log-odds of the learned head + semantic_weight * z_semantic + keyword_weight * keyword_score

A turn gets its best theme, plus every other theme within ``margin`` of it.
These settings (and the regularisation ``C`` of the head, and the weight of
an evaluator's coded turns) are chosen by one rule that depends only on the
codebook and the labelled turns available, never on figures measured on one
codebook:

- **With labelled turns** (a training corpus and/or turns an evaluator coded,
  at least :data:`MIN_CV_TURNS` in at least two groups): grouped
  cross-validation. Each group (a corpus ``batch``, a transcript, or a fold
  of the evaluator's turns) is held out in turn; the head is fitted on the
  codebook's texts and the other groups and scores the held-out one. The
  setting with the best mean of top-1 accuracy and macro-F1 over the themes
  on the held-out turns wins (ties: the earlier, simpler setting of the
  grid). The confidence curve is a logistic regression of "the theme is
  right" on the held-out scores (Platt scaling).
- **With no labelled turn** (a codebook alone): equal weights on the parts the
  codebook can feed (the keyword part only when it has keywords), one theme
  per turn (``margin`` 0), and a confidence curve that is not calibrated (the
  report and ``validate`` say so until the evaluator has coded some turns).

Examples
--------
>>> import numpy as np
>>> S = np.array([[2.0, 1.8, -1.0], [0.1, 0.5, 0.4]])
>>> decide_themes(S, margin=0.3).astype(int).tolist()
[[1, 1, 0], [0, 1, 1]]
>>> decide_themes(S, margin=0.0).astype(int).tolist()
[[1, 0, 0], [0, 1, 0]]
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

#: Labelled turns needed (in at least two groups) before settings are cross-validated.
MIN_CV_TURNS = 20

#: Candidate settings: (semantic_weight, keyword_weight); the head's weight is 1.
WEIGHT_GRID: tuple[tuple[float, float], ...] = tuple(itertools.product((0.0, 0.25, 0.5, 1.0, 2.0), (0.0, 0.5, 1.0, 2.0)))

#: Candidate margins (in units of the combined score).
MARGIN_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)

#: Candidate regularisation strengths of the head.
C_GRID: tuple[float, ...] = (0.5, 2.0, 8.0)

#: Candidate weights of a turn an evaluator coded (a codebook text and a corpus turn weigh 1).
REVIEW_WEIGHT_GRID: tuple[float, ...] = (1.0, 3.0, 10.0)

#: Rule without labelled turns: (semantic_weight, keyword_weight when the codebook has keywords, margin).
RULE_SETTINGS = {"semantic_weight": 1.0, "keyword_weight": 1.0, "margin": 0.0}

#: Bootstrap resamples behind the standard error that an incumbent setting must be beaten by (:func:`select`).
N_BOOTSTRAP = 200

#: Standard errors by which a candidate must beat the settings in force (:func:`select`).
SE_MULTIPLE = 2.0

#: Confidence curve used when nothing is there to calibrate on (score 0 -> 0.5).
UNCALIBRATED_CURVE = (0.0, 1.0)


def decide_themes(S: np.ndarray, *, margin: float) -> np.ndarray:
    """Best theme of each row, and every other theme within ``margin`` of it.

    Parameters
    ----------
    S : ndarray of shape (n_turns, n_themes)
    margin : float

    Returns
    -------
    ndarray of bool
    """
    S = np.asarray(S, dtype=float)
    if S.shape[1] == 0 or S.shape[0] == 0:
        return np.zeros(S.shape, dtype=bool)
    best = S.max(axis=1, keepdims=True)
    out = S >= best - float(margin)
    return out


def top1(Y: np.ndarray, S: np.ndarray) -> float:
    """Share of turns with a gold theme whose best-scoring theme is one of them."""
    has = Y.sum(axis=1) > 0
    if not has.any():
        return float("nan")
    best = S[has].argmax(axis=1)
    return float(Y[has][np.arange(int(has.sum())), best].mean())


def macro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    """Mean F1 over the themes that have a gold turn."""
    f1 = []
    for j in range(Y.shape[1]):
        if not Y[:, j].any():
            continue
        tp = float((Y[:, j] & P[:, j]).sum())
        f1.append(2 * tp / (Y[:, j].sum() + P[:, j].sum()))
    return float(np.mean(f1)) if f1 else float("nan")


def objective(Y: np.ndarray, S: np.ndarray, margin: float) -> float:
    """Mean of top-1 and macro-F1 on the turns with a gold theme (what the settings are chosen by)."""
    has = Y.sum(axis=1) > 0
    Yh, Sh = Y[has].astype(bool), S[has]
    P = decide_themes(Sh, margin=margin)
    return 0.5 * (top1(Yh.astype(int), Sh) + macro_f1(Yh, P))


def fit_curve(scores: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """Platt scaling: ``(z_threshold, slope)`` of ``P(correct) = 1 / (1 + exp(-slope (s - z_threshold)))``."""
    scores = np.asarray(scores, dtype=float).ravel()
    correct = np.asarray(correct, dtype=int).ravel()
    if len(np.unique(correct)) < 2 or len(scores) < 10:
        return UNCALIBRATED_CURVE
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(scores[:, None], correct)
    slope = float(lr.coef_[0, 0])
    if slope <= 1e-6:
        return UNCALIBRATED_CURVE
    return float(-lr.intercept_[0] / slope), slope


@dataclass
class Choice:
    """What the selection chose, and how."""

    semantic_weight: float
    keyword_weight: float
    margin: float
    C: float
    review_weight: float
    theme_curve: tuple[float, float]
    code_curve: tuple[float, float]
    source: str
    cv: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "semantic_weight": self.semantic_weight,
            "keyword_weight": self.keyword_weight,
            "margin": self.margin,
            "C": self.C,
            "review_weight": self.review_weight,
            "z_threshold": self.theme_curve[0],
            "slope": self.theme_curve[1],
            "code_z_threshold": self.code_curve[0],
            "code_slope": self.code_curve[1],
            "source": self.source,
            **{f"cv_{k}": v for k, v in self.cv.items()},
        }


def rule_choice(*, has_keywords: bool, C: float, review_weight: float) -> Choice:
    """The settings used when there is no labelled turn to cross-validate on."""
    return Choice(
        semantic_weight=RULE_SETTINGS["semantic_weight"],
        keyword_weight=RULE_SETTINGS["keyword_weight"] if has_keywords else 0.0,
        margin=RULE_SETTINGS["margin"],
        C=C,
        review_weight=review_weight,
        theme_curve=UNCALIBRATED_CURVE,
        code_curve=UNCALIBRATED_CURVE,
        source="rule: no labelled turns (codebook only); confidence not calibrated",
    )


def select(
    oof: dict,
    Y: np.ndarray,
    z_sem: np.ndarray,
    kw: np.ndarray,
    theme_cols: np.ndarray,
    *,
    has_keywords: bool,
    source: str,
    sub_cols: dict | None = None,
    semantic_grid: tuple = (),
    keyword_grid: tuple = (),
    margin_grid: tuple = MARGIN_GRID,
    incumbent: tuple | None = None,
    random_state: int = 0,
) -> Choice:
    """Choose weights and margin from out-of-fold head log-odds.

    Parameters
    ----------
    oof : dict
        ``{(C, review_weight): log-odds (n_turns x n_codes)}`` held-out head scores.
    Y : ndarray (n_turns x n_codes)
        Gold labels (themes rolled up).
    z_sem, kw : ndarray (n_turns x n_codes)
        The zero-shot parts' scores for the same turns.
    theme_cols : ndarray of int
        Columns of the themes.
    has_keywords : bool
        Whether the keyword part can say anything (else its weight stays 0).
    source : str
        Said in :attr:`Choice.source`.
    sub_cols : dict, optional
        ``{theme column: array of its sub-code columns}``, for the sub-code confidence curve.
    semantic_grid, keyword_grid : tuple of float, optional
        Fixed values to try instead of :data:`WEIGHT_GRID`'s (a weight the user set).
    margin_grid : tuple of float
    incumbent : tuple, optional
        ``(C, review_weight, semantic_weight, keyword_weight, margin)`` in
        force before this choice (the codebook-only rule, or what the
        training corpus chose). It is kept unless the best candidate beats it
        on the held-out turns by more than :data:`SE_MULTIPLE` standard
        errors of the difference (bootstrap over the turns,
        :data:`N_BOOTSTRAP` resamples): on a few dozen coded turns most
        differences between settings are noise, and following noise costs
        agreement on the next transcript.
    random_state : int, default 0
        Seed of the bootstrap.
    """
    sem_values = semantic_grid or tuple(dict.fromkeys(a for a, _ in WEIGHT_GRID))
    kw_values = keyword_grid or (tuple(dict.fromkeys(b for _, b in WEIGHT_GRID)) if has_keywords else (0.0,))
    kw_grid = tuple(itertools.product(sem_values, kw_values))
    best: tuple = ()
    best_val = -np.inf
    Yt = Y[:, theme_cols]
    values: dict[tuple, float] = {}
    for (C, rw), lo in oof.items():
        for sw, kwt in kw_grid:
            S = lo + sw * z_sem + kwt * kw
            St = S[:, theme_cols]
            for m in margin_grid:
                val = values[(C, rw, sw, kwt, m)] = objective(Yt, St, m)
                if val > best_val + 1e-9:
                    best, best_val = (C, rw, sw, kwt, m), val
    kept = ""
    if incumbent is not None:
        incumbent = tuple(float(v) for v in incumbent)
        if incumbent in values and best != incumbent:
            gain, se = _gain(oof, Yt, z_sem[:, theme_cols], kw[:, theme_cols], theme_cols, best, incumbent, random_state)
            if gain <= SE_MULTIPLE * se:
                kept = (
                    f"; kept the settings in force (the best candidate's held-out gain {gain:.3f} is within "
                    f"{SE_MULTIPLE:g} standard errors, {se:.3f} each)"
                )
                best = incumbent
    C, rw, sw, kwt, m = best
    S = oof[(C, rw)] + sw * z_sem + kwt * kw
    St = S[:, theme_cols]
    has = Yt.sum(axis=1) > 0
    theme_curve = fit_curve(St[has], Yt[has])
    code_curve = theme_curve
    if sub_cols:
        s_sub, y_sub = [], []
        for tc, kids in sub_cols.items():
            rows = np.flatnonzero(Y[:, tc] > 0)
            if len(kids) and len(rows):
                s_sub.append(S[np.ix_(rows, kids)].ravel())
                y_sub.append(Y[np.ix_(rows, kids)].ravel())
        if s_sub:
            code_curve = fit_curve(np.concatenate(s_sub), np.concatenate(y_sub))
    P = decide_themes(St[has], margin=m)
    cv = {"turns": int(has.sum()), "top1": top1(Yt[has], St[has]), "macro_f1": macro_f1(Yt[has].astype(bool), P)}
    logger.info(
        "settings chosen by cross-validation (%s): semantic %.2f, keyword %.2f, margin %.2f, C %.1f, review weight %.1f; "
        "held-out top-1 %.2f, macro-F1 %.2f",
        source,
        sw,
        kwt,
        m,
        C,
        rw,
        cv["top1"],
        cv["macro_f1"],
    )
    return Choice(
        semantic_weight=sw,
        keyword_weight=kwt,
        margin=m,
        C=C,
        review_weight=rw,
        theme_curve=theme_curve,
        code_curve=code_curve,
        source=source + kept,
        cv=cv,
    )


def _gain(oof, Yt, z_t, kw_t, theme_cols, best, incumbent, random_state) -> tuple[float, float]:
    """Held-out objective of ``best`` minus ``incumbent``, and the bootstrap standard error of that difference."""

    def scores(c):
        C, rw, sw, kwt, m = c
        return oof[(C, rw)][:, theme_cols] + sw * z_t + kwt * kw_t, m

    (Sb, mb), (Si, mi) = scores(best), scores(incumbent)
    has = np.flatnonzero(Yt.sum(axis=1) > 0)
    gain = objective(Yt[has], Sb[has], mb) - objective(Yt[has], Si[has], mi)
    rng = np.random.default_rng(random_state)
    diffs = []
    for _ in range(N_BOOTSTRAP):
        b = rng.choice(has, size=len(has), replace=True)
        diffs.append(objective(Yt[b], Sb[b], mb) - objective(Yt[b], Si[b], mi))
    return float(gain), float(np.std(diffs, ddof=1))


def group_folds(groups: np.ndarray, *, n_folds: int = 5, random_state: int = 0) -> list[np.ndarray]:
    """Held-out index sets: one per group when there are 2 to ``n_folds`` x 2 groups, else ``n_folds`` folds of whole groups.

    Examples
    --------
    >>> [f.tolist() for f in group_folds(np.array(["a", "a", "b", "c"]))]
    [[0, 1], [2], [3]]
    """
    groups = np.asarray(groups).astype(str)
    uniq = list(dict.fromkeys(groups))
    if len(uniq) <= 2 * n_folds:
        return [np.flatnonzero(groups == g) for g in uniq]
    rng = np.random.default_rng(random_state)
    order = rng.permutation(len(uniq))
    fold_of = {uniq[g]: k % n_folds for k, g in enumerate(order)}
    ids = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(ids == k) for k in range(n_folds)]

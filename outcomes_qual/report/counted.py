"""Which codings a report counts as findings, and the sentence that says so.

A project holds codings in three states: decided (accepted suggestions and
codings people made by hand, both stored as ``accepted``), pending
(``suggested``: the auto-coder's proposals nobody has reviewed yet) and
``rejected``. :func:`count_codings` picks what the report counts:

- ``"decided"``: only what a person decided;
- ``"confident"`` (the default of ``outcomes-qual report --project``): the
  decided codings plus pending suggestions whose confidence is at or above
  the review threshold (0.5 by default: the auto-coders' ``review_below`` and
  the web app's review queue). Below it a suggestion is marked ``uncertain``
  and sent to review, so it is not yet a finding; a suggestion without a
  confidence is not counted either;
- ``"all"``: every coding that is not rejected, pending ones of any confidence.

Rejected codings never count. **A rejected theme removes the theme from the
counts for that turn**: when a person rejected a theme (a code without ``/``)
on a turn, pending suggestions of that theme or any of its sub-codes on the
same turn are left out too, even while they wait for review. Nothing in the
project is changed (the pending sub-codes stay in the review queue); codes a
person accepted or coded there still count.

Examples
--------
>>> import pandas as pd
>>> codings = pd.DataFrame({
...     "segment_id": ["a", "a", "b", "b", "c"],
...     "code": ["time", "partners", "partners", "partners/health", "time"],
...     "coder": ["bot", "bot", "bot", "bot", "ana"],
...     "status": ["accepted", "suggested", "rejected", "suggested", "accepted"],
...     "confidence": [0.9, 0.8, 0.7, 0.9, None]})
>>> kept, counted = count_codings(codings, "confident")
>>> kept[["segment_id", "code"]].values.tolist()
[['a', 'time'], ['a', 'partners'], ['c', 'time']]
>>> counted.n_counted, counted.n_decided, counted.n_pending_counted, counted.n_theme_rejected
(3, 2, 1, 1)
>>> count_codings(codings, "decided")[1].n_counted
2
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import InputError

#: The choices of ``outcomes-qual report --codings`` (with ``--project``).
SELECTIONS: tuple[str, ...] = ("decided", "confident", "all")

#: The default selection and review threshold.
DEFAULT_SELECTION: str = "confident"
DEFAULT_THRESHOLD: float = 0.5


@dataclass
class Counted:
    """What the findings count (see :func:`count_codings`)."""

    selection: str
    threshold: float
    n_counted: int = 0
    n_decided: int = 0
    n_pending_counted: int = 0
    n_pending_left_out: int = 0
    n_theme_rejected: int = 0
    n_rejected: int = 0
    min_confidence: float | None = None

    @property
    def share_reviewed(self) -> float:
        """Share of the counted codings a person decided (NaN when nothing is counted)."""
        return self.n_decided / self.n_counted if self.n_counted else float("nan")


def count_codings(
    codings: pd.DataFrame, selection: str = DEFAULT_SELECTION, *, threshold: float = DEFAULT_THRESHOLD
) -> tuple[pd.DataFrame, Counted]:
    """The codings the findings count, and what was counted (:class:`Counted`).

    Parameters
    ----------
    codings : DataFrame
        A project's codings (segment_id, code, status; confidence for
        ``"confident"``), every status.
    selection : {"decided", "confident", "all"}
    threshold : float, default 0.5
        With ``"confident"``: the lowest confidence of a pending suggestion that counts.

    Raises
    ------
    InputError
        An unknown ``selection``, a threshold outside [0, 1], or codings without a status.
    """
    if selection not in SELECTIONS:
        raise InputError(f"codings: expected one of {list(SELECTIONS)}, got {selection!r}")
    if not 0 <= float(threshold) <= 1:
        raise InputError(f"threshold: expected a confidence between 0 and 1, got {threshold}")
    if "status" not in codings.columns:
        raise InputError(f"codings: a status column is needed to choose {selection!r} codings, got {list(codings.columns)}")
    status = codings["status"].astype(object).fillna("accepted").astype(str)
    code = codings["code"].astype(str)
    sid = codings["segment_id"].astype(str)
    theme_rejected = (status == "rejected") & ~code.str.contains("/")
    rejected_themes = set(zip(sid[theme_rejected], code[theme_rejected], strict=True))
    pending = status == "suggested"
    theme_no = pending & pd.Series(
        [(s, c.split("/")[0]) in rejected_themes for s, c in zip(sid, code, strict=True)], index=codings.index, dtype=bool
    )
    confidence = pd.to_numeric(codings.get("confidence", pd.Series(index=codings.index, dtype=float)), errors="coerce")
    decided = status == "accepted"
    if selection == "decided":
        keep_pending = pd.Series(False, index=codings.index)
    elif selection == "confident":
        keep_pending = pending & ~theme_no & (confidence >= float(threshold))
    else:
        keep_pending = pending & ~theme_no
    keep = decided | keep_pending
    kept_conf = confidence[keep_pending].dropna()
    counted = Counted(
        selection=selection,
        threshold=float(threshold),
        n_counted=int(keep.sum()),
        n_decided=int(decided.sum()),
        n_pending_counted=int(keep_pending.sum()),
        n_pending_left_out=int((pending & ~keep_pending).sum()),
        n_theme_rejected=int(theme_no.sum()),
        n_rejected=int((status == "rejected").sum()),
        min_confidence=float(kept_conf.min()) if len(kept_conf) else None,
    )
    return codings[keep].reset_index(drop=True), counted


def counted_sentence(counted: Counted) -> str:
    """One plain sentence or two for the Summary and Methods: what the findings count and how much a person reviewed.

    Examples
    --------
    >>> counted_sentence(Counted("confident", 0.5, n_counted=10, n_decided=4, n_pending_counted=6,
    ...                          n_pending_left_out=3))  # doctest: +NORMALIZE_WHITESPACE
    'The findings count 10 codings: 4 (40%) decided by a person (suggestions they accepted and codes they gave
    themselves) and 6 suggestions of the automated coding that no one has reviewed yet, each with a confidence
    of at least 0.50; 3 less confident unreviewed suggestions and every rejected coding are left out.'
    """
    pct = f" ({100 * counted.share_reviewed:.0f}%)" if counted.n_counted else ""
    who = f"{counted.n_decided}{pct} decided by a person (suggestions they accepted and codes they gave themselves)"
    many = counted.n_theme_rejected != 1
    theme = (
        (
            f" {counted.n_theme_rejected} unreviewed suggestion{'s' if many else ''} under a theme a person "
            f"rejected on the same turn {'are' if many else 'is'} left out as well."
        )
        if counted.n_theme_rejected
        else ""
    )
    if counted.selection == "decided":
        return (
            f"The findings count only what a person decided: {counted.n_counted} codings (suggestions they "
            f"accepted and codes they gave themselves); {counted.n_pending_left_out} suggestions of the "
            "automated coding that no one has reviewed yet, and every rejected coding, are left out."
        )
    if counted.selection == "confident":
        return (
            f"The findings count {counted.n_counted} codings: {who} and {counted.n_pending_counted} suggestions "
            "of the automated coding that no one has reviewed yet, each with a confidence of at least "
            f"{counted.threshold:.2f}; {counted.n_pending_left_out - counted.n_theme_rejected} less confident "
            "unreviewed suggestions and "
            "every rejected coding are left out." + theme
        )
    low = f" down to a confidence of {counted.min_confidence:.2f}" if counted.min_confidence is not None else ""
    return (
        f"The findings count {counted.n_counted} codings: {who} and {counted.n_pending_counted} suggestions of "
        f"the automated coding that no one has reviewed yet, of any confidence{low}; rejected codings are left "
        "out." + theme
    )

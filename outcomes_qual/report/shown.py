"""Which quotes and case vignettes the Word report shows under each theme, and how many a person reviewed.

The candidates come from :func:`~outcomes_qual.analysis.exemplar_quotes`
(reviewed codings first, then the most confident unreviewed suggestions) and
the ``vignette_candidates`` table (turns whose best code is the theme). Under
each theme the report shows each role's best quote, then further quotes up to
``quotes_per_role`` per role and ``max_quotes`` in all (reviewed ones first
when the limit bites), then one case vignette (reviewed first, then by rank,
confidence, length and segment id). A turn is never shown twice in the report.

Examples
--------
>>> quotes = pd.DataFrame({"code": "time", "role": ["practitioner", "practitioner", "senior"], "rank": [1, 2, 1],
...     "segment_id": ["a", "b", "c"], "reviewed": [True, False, False]})
>>> vignettes = pd.DataFrame({"code": "time", "role": "senior", "rank": [1, 2], "segment_id": ["c", "d"],
...     "confidence": [0.9, 0.8], "n_chars": 300, "reviewed": False})
>>> shown = choose_shown(quotes, vignettes, ["time"], ["practitioner", "senior"], quotes_per_role=1)
>>> [q["segment_id"] for q in shown["time"].quotes], shown["time"].vignette["segment_id"]
(['a', 'c'], 'd')
>>> theme_note(shown["time"])  # doctest: +NORMALIZE_WHITESPACE
"Of the 3 quotes shown under this theme (the case vignette included), 1 comes from a coding a person made or
accepted and 2 from the automated coding's most confident suggestions that no one has reviewed yet."
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ThemeQuotes:
    """The quote rows shown under one theme (in order) and its case vignette row, if any."""

    quotes: list[pd.Series] = field(default_factory=list)
    vignette: pd.Series | None = None

    def rows(self) -> list[pd.Series]:
        """Every row shown: the quotes, then the vignette."""
        return self.quotes + ([self.vignette] if self.vignette is not None else [])

    @property
    def n_shown(self) -> int:
        """Quotes shown, the vignette included."""
        return len(self.rows())

    @property
    def n_reviewed(self) -> int:
        """Of those, the ones whose coding a person made or accepted."""
        return sum(bool(r.get("reviewed", False)) for r in self.rows())


def _is_reviewed(row: pd.Series) -> bool:
    return bool(row.get("reviewed", False))


def choose_shown(
    quotes: pd.DataFrame,
    vignettes: pd.DataFrame,
    themes: Iterable[str],
    role_order: Sequence[str],
    *,
    quotes_per_role: int = 2,
    max_quotes: int = 6,
) -> dict[str, ThemeQuotes]:
    """The quotes and vignette shown under each of ``themes``, in the report's order.

    Parameters
    ----------
    quotes : DataFrame
        The ``exemplar_quotes`` table (``code, role, rank, segment_id``; ``reviewed`` when known).
    vignettes : DataFrame
        The ``vignette_candidates`` table (also ``confidence`` and ``n_chars``).
    themes : iterable of str
        The themes that have a section, in report order (earlier themes claim turns first).
    role_order : sequence of str
        Roles in the order the report lists them; other roles follow in the order given by the quotes.
    quotes_per_role, max_quotes : int
        At most ``quotes_per_role`` quotes per role and ``max_quotes`` per theme beyond each role's first.

    Returns
    -------
    dict of str to ThemeQuotes
    """
    used: set[str] = set()
    out: dict[str, ThemeQuotes] = {}
    for theme in themes:
        shown = ThemeQuotes()
        q = quotes[quotes["code"] == theme]
        if len(q):
            roles_here = [r for r in dict.fromkeys(role_order) if r in set(q["role"])]
            roles_here += [r for r in dict.fromkeys(q["role"]) if r not in roles_here]
            for rank in range(1, quotes_per_role + 1):
                taken = {str(x["segment_id"]) for x in shown.quotes}
                hits: list[pd.Series] = []
                for role in roles_here:
                    hit = q[(q["role"] == role) & (q["rank"] >= rank) & ~q["segment_id"].astype(str).isin(used | taken)]
                    if len(hit):
                        hits.append(hit.iloc[0])
                if rank > 1:  # beyond each role's first quote the limit may bite: reviewed ones first
                    hits.sort(key=lambda x: not _is_reviewed(x))
                for row in hits:
                    if rank == 1 or len(shown.quotes) < max_quotes:
                        shown.quotes.append(row)
            shown.quotes.sort(key=lambda x: (roles_here.index(x["role"]), x["rank"]))
            used.update(str(x["segment_id"]) for x in shown.quotes)
        v = vignettes[(vignettes["code"] == theme) & ~vignettes["segment_id"].astype(str).isin(used)]
        if len(v):
            v = v.assign(
                _unreviewed=~v["reviewed"].astype(bool) if "reviewed" in v else True,
                _conf=pd.to_numeric(v["confidence"], errors="coerce").fillna(-1.0),
                _sid=v["segment_id"].astype(str),
            )
            v = v.sort_values(
                ["_unreviewed", "rank", "_conf", "n_chars", "_sid"],
                ascending=[True, True, False, False, True],
                kind="stable",
            )
            shown.vignette = v.iloc[0].drop(["_unreviewed", "_conf", "_sid"])
            used.add(str(shown.vignette["segment_id"]))
        out[theme] = shown
    return out


def _verb(n: int) -> str:
    return "comes" if n == 1 else "come"


def theme_note(shown: ThemeQuotes) -> str:
    """The sentence under a theme saying how many of its quotes come from codings a person made or accepted.

    Examples
    --------
    >>> row = pd.Series({"reviewed": True})
    >>> theme_note(ThemeQuotes([row, row]))
    'All 2 quotes shown under this theme come from codings a person made or accepted.'
    >>> theme_note(ThemeQuotes([], pd.Series({"reviewed": False})))  # doctest: +NORMALIZE_WHITESPACE
    "The one quote shown under this theme (the case vignette) comes from the automated coding's most confident
    suggestions; no one has reviewed it yet."
    """
    n, r = shown.n_shown, shown.n_reviewed
    if not n:
        return ""
    if n == 1:
        what = "The one quote shown under this theme" + (" (the case vignette)" if shown.vignette is not None else "")
        if r:
            return f"{what} comes from a coding a person made or accepted."
        return f"{what} comes from the automated coding's most confident suggestions; no one has reviewed it yet."
    vig = " (the case vignette included)" if shown.vignette is not None else ""
    if r == n:
        return f"All {n} quotes shown under this theme{vig} come from codings a person made or accepted."
    if r == 0:
        return (
            f"None of the {n} quotes shown under this theme{vig} comes from a coding a person made or accepted: "
            "they are the automated coding's most confident suggestions that no one has reviewed yet."
        )
    reviewed = f"{r} {_verb(r)} from {'a coding' if r == 1 else 'codings'} a person made or accepted"
    return (
        f"Of the {n} quotes shown under this theme{vig}, {reviewed} and {n - r} from the automated coding's "
        "most confident suggestions that no one has reviewed yet."
    )


def methods_note(shown: dict[str, ThemeQuotes]) -> str:
    """The methods' sentences on how quotes were drawn and how many shown come from reviewed codings.

    Examples
    --------
    >>> row, machine = pd.Series({"reviewed": True}), pd.Series({"reviewed": False})
    >>> methods_note({"time": ThemeQuotes([row, machine]), "partners": ThemeQuotes([row])}).split("; ")[1]
    'a case vignette is a turn whose strongest code is its theme. 2 of the 3 quotes shown come from reviewed codings.'
    """
    rule = (
        "Quotes and case vignettes were drawn first from codings a person made or accepted, then from the "
        "automated coding's most confident unreviewed suggestions, never from a rejected coding; a case vignette is "
        "a turn whose strongest code is its theme."
    )
    n = sum(s.n_shown for s in shown.values())
    r = sum(s.n_reviewed for s in shown.values())
    if not n:
        return rule
    if r == n:
        count = (
            f"All {n} quotes shown come from reviewed codings." if n > 1 else "The one quote shown comes from a reviewed coding."
        )
    elif r == 0:
        count = (
            f"None of the {n} quotes shown comes from a reviewed coding."
            if n > 1
            else "The one quote shown comes from an unreviewed suggestion."
        )
    else:
        count = f"{r} of the {n} quotes shown {_verb(r)} from {'a reviewed coding' if r == 1 else 'reviewed codings'}."
    return f"{rule} {count}"

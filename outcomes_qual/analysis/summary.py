"""Theme summary: reach of each theme in groups, participants and turns, in words.

Examples
--------
>>> import pandas as pd
>>> segments = pd.DataFrame({
...     "segment_id": ["a:1", "a:2", "b:1", "b:2"], "transcript_id": ["a", "a", "b", "b"],
...     "participant_id": ["p1", "p2", "p3", "p4"], "role": ["senior", "practitioner", "senior", "practitioner"],
...     "method": "focus_group"})
>>> codings = pd.DataFrame({"segment_id": ["a:1", "b:2"], "code": ["time", "time/caseloads"]})
>>> theme_summary(segments, codings).loc[0, "description"]
'raised in both focus groups by 2 participants (2 turns), by practitioners and seniors alike'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._columns import THEME_SUMMARY_COLUMNS
from ._common import analysed, coded_pairs, listed_codes, order_roles, role_plural, role_ranks, segment_frame

logger = logging.getLogger(__name__)

_METHOD_PLURALS = {
    "focus_group": ("focus group", "focus groups"),
    "interview": ("interview", "interviews"),
    "meeting": ("meeting", "meetings"),
    "phone": ("phone conversation", "phone conversations"),
    "other": ("other transcript", "other transcripts"),
}

#: The top role must raise a theme this many times as often (per turn) as the next to be named.
DOMINANCE = 1.25


def _reach(k: int, n: int, method: str) -> str:
    one, many = _METHOD_PLURALS.get(method, (method.replace("_", " "), method.replace("_", " ") + "s"))
    if n == 1:
        return f"the {one}" if k == 1 else f"not the {one}"
    if k == n:
        return f"both {many}" if n == 2 else f"all {n} {many}"
    return f"{k} of {n} {many}"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def describe_reach(by_method: dict[str, tuple[int, int]]) -> str:
    """Words for how many transcripts of each method raised a theme.

    Examples
    --------
    >>> describe_reach({"focus_group": (6, 6), "interview": (1, 4)})
    'all 6 focus groups and 1 of 4 interviews'
    >>> describe_reach({"other": (2, 2)})  # no method known: plain transcripts, not "other" ones
    'both transcripts'
    """
    only_other = [m for m, (_k, n) in by_method.items() if n] == ["other"]
    parts = [_reach(k, n, "transcript" if only_other else m) for m, (k, n) in by_method.items() if n]
    shown = [p for p, (k, n) in zip(parts, [v for v in by_method.values() if v[1]], strict=True) if k]
    return _join(shown or parts)


def theme_summary(
    segments,
    codings: pd.DataFrame,
    *,
    codebook=None,
    roles: Sequence[str] | None = None,
    include_facilitator: bool = False,
    coder: str | Sequence[str] | None = None,
    min_role_participants: int = 3,
) -> pd.DataFrame:
    """Per theme: groups, participants and turns that raised it, and who most.

    Parameters
    ----------
    segments : Corpus or pandas.DataFrame
        Segments; a ``method`` column (from a Corpus or the frame) lets the
        description say "focus groups" and "interviews".
    codings : pandas.DataFrame
        Codings (sub-codes roll up to themes).
    codebook : Codebook, optional
        Theme order and labels; themes nobody raised get a row of zeros.
    roles, include_facilitator, coder
        As in :func:`~outcomes_qual.analysis.role_by_theme`.
    min_role_participants : int, default 3
        Roles with fewer people are listed but not named as the top role
        (unless no role has that many).

    Returns
    -------
    pandas.DataFrame
        Columns ``theme, label, n_groups, n_transcripts, n_participants,
        n_turns, share_turns, roles, top_role, description``. ``n_groups``
        counts focus groups (``method == "focus_group"``); ``n_transcripts``
        every transcript. ``roles`` lists the roles that raised the theme,
        highest rate (share of that role's turns) first; ``top_role`` is named
        only when its rate is at least 1.25 times the next role's, comparing
        roles with at least ``min_role_participants`` people (so two mentors
        cannot outweigh a dozen practitioners by chance).

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["1", "2", "3"], "transcript_id": ["i1", "i1", "i2"],
    ...                     "participant_id": ["m", "m", "n"], "role": ["manager"] * 3, "method": "interview"})
    >>> cod = pd.DataFrame({"segment_id": ["1", "2"], "code": ["partners/health", "partners"]})
    >>> theme_summary(seg, cod)[["theme", "n_transcripts", "n_turns", "description"]].values.tolist()
    [['partners', 1, 2, 'raised in 1 of 2 interviews by 1 participant (2 turns), only by managers']]
    """
    seg = analysed(segment_frame(segments), include_facilitator=include_facilitator, roles=roles)
    pairs = coded_pairs(seg, codings, level="theme", coder=coder)
    theme_list = listed_codes(pairs, codebook, level="theme")
    methods = seg.drop_duplicates("transcript_id")["method"].fillna("other").astype(str)
    method_totals = methods.value_counts()
    method_order = [m for m in ("focus_group", "interview", "meeting", "phone", "other") if m in method_totals]
    method_order += sorted(m for m in method_totals.index if m not in method_order)
    ranks = role_ranks(seg)
    role_turns = seg.groupby("role")["segment_id"].nunique()
    role_people = seg.groupby("role")["participant_id"].nunique().to_dict()
    n_all = int(seg["segment_id"].nunique())
    rows = []
    for theme in theme_list:
        p = pairs[pairs["code"] == theme]
        label = codebook.label(theme) if codebook is not None else theme.replace("_", " ").capitalize()
        tr = p.drop_duplicates("transcript_id")
        by_method = {m: (int((tr["method"].fillna("other").astype(str) == m).sum()), int(method_totals[m])) for m in method_order}
        n_turns = int(p["segment_id"].nunique())
        n_people = int(p["participant_id"].nunique())
        all_rates = (p.groupby("role")["segment_id"].nunique() / role_turns).reindex(role_turns.index).fillna(0.0)
        raised_by = all_rates[all_rates > 0]
        role_names = order_roles(raised_by.index, ranks)
        role_names.sort(key=lambda r: -raised_by[r])
        eligible = all_rates[[r for r in all_rates.index if role_people.get(r, 0) >= min_role_participants]]
        if not len(eligible):
            eligible = all_rates
        eligible = eligible.sort_values(ascending=False, kind="stable")
        top = ""
        if len(raised_by) == 1:
            top = raised_by.index[0]
            who = f"only by {role_plural(top)}"
        elif len(eligible) >= 2 and eligible.iloc[0] > 0 and eligible.iloc[0] >= DOMINANCE * eligible.iloc[1]:
            top = eligible.index[0]
            who = f"most often by {role_plural(top)} ({100 * eligible.iloc[0]:.0f}% of their turns)"
        elif len(raised_by) >= 2:
            who = f"by {_join([role_plural(r) for r in role_names])} alike"
        else:
            who = ""
        if n_turns:
            desc = (
                f"raised in {describe_reach(by_method)} by {n_people} participant{'s' if n_people != 1 else ''} "
                f"({n_turns} turn{'s' if n_turns != 1 else ''}), {who}"
            )
        else:
            desc = "not raised"
        rows.append(
            {
                "theme": theme,
                "label": label,
                "n_groups": by_method.get("focus_group", (0, 0))[0],
                "n_transcripts": int(tr["transcript_id"].nunique()),
                "n_participants": n_people,
                "n_turns": n_turns,
                "share_turns": 100.0 * n_turns / n_all if n_all else np.nan,
                "roles": ", ".join(role_names),
                "top_role": top,
                "description": desc,
            }
        )
    return pd.DataFrame(rows, columns=list(THEME_SUMMARY_COLUMNS))

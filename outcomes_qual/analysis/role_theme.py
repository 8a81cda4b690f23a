"""Role x theme: who raised which theme, with a test of independence.

Examples
--------
>>> import pandas as pd
>>> segments = pd.DataFrame({
...     "segment_id": ["g:001", "g:002", "g:003", "g:004"],
...     "transcript_id": "g",
...     "participant_id": ["f", "a", "b", "b"],
...     "role": ["facilitator", "senior", "practitioner", "practitioner"],
... })
>>> codings = pd.DataFrame({"segment_id": ["g:002", "g:003", "g:004"],
...                         "code": ["time", "time/caseloads", "resistance"]})
>>> t = role_by_theme(segments, codings)
>>> t[t["code"] == "time"][["role", "n", "base", "percent"]].values.tolist()
[['practitioner', 1, 2, 50.0], ['senior', 1, 1, 100.0], ['all', 2, 3, 66.66666666666667]]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._columns import ROLE_THEME_COLUMNS, ROLE_THEME_TEST_COLUMNS
from ._common import analysed, coded_pairs, listed_codes, order_roles, role_ranks, segment_frame, unit_key
from .stats import ContingencyTest, contingency_test

logger = logging.getLogger(__name__)

#: Value of ``role`` for the row pooling every role.
ALL_ROLES = "all"


def role_by_theme(
    segments,
    codings: pd.DataFrame,
    *,
    unit: str = "segments",
    level: str = "theme",
    codebook=None,
    roles: Sequence[str] | None = None,
    include_facilitator: bool = False,
    coder: str | Sequence[str] | None = None,
    role_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Count, per code and role, the units that raised the code.

    Parameters
    ----------
    segments : Corpus or pandas.DataFrame
        Segments (segment_id, transcript_id, participant_id, role).
    codings : pandas.DataFrame
        Codings with at least segment_id and code (rejected ones are ignored).
    unit : {"segments", "participants", "groups"}, default "segments"
        What is counted: turns, distinct people who raised the code, or
        transcripts (groups/interviews) in which someone of the role raised it.
    level : {"theme", "code"}, default "theme"
        ``"theme"`` rolls sub-codes up to their theme; ``"code"`` lists every
        code key as well as the themes.
    codebook : Codebook, optional
        Orders the codes and adds rows (of zeros) for codes nobody raised.
    roles : sequence of str, optional
        Keep only these roles.
    include_facilitator : bool, default False
        Facilitator turns are excluded unless this is true.
    coder : str or list of str, optional
        Use only codings by these coders.
    role_order : sequence of str, optional
        The study's groups in the order to list them. By default a Corpus's
        roster order (its participants' ``role_order``), else natural order;
        built-in roles always come in built-in order (see
        :func:`~outcomes_qual.analysis._common.order_roles`).

    Returns
    -------
    pandas.DataFrame
        Columns ``code, level, role, unit, n, base, percent, share_of_code``:
        ``n`` units of the role raised the code out of ``base`` units of the
        role (``percent = 100 n / base``); ``share_of_code`` is the role's
        share of all units that raised the code. A row with ``role == "all"``
        follows each code's role rows.

    Examples
    --------
    >>> segments = pd.DataFrame({"segment_id": ["a", "b", "c"], "transcript_id": ["t1", "t1", "t2"],
    ...                          "participant_id": ["p", "p", "q"], "role": ["senior", "senior", "manager"]})
    >>> codings = pd.DataFrame({"segment_id": ["a", "b", "c"], "code": ["time", "time", "time"]})
    >>> role_by_theme(segments, codings, unit="participants")[["role", "n", "base", "share_of_code"]]
          role  n  base  share_of_code
    0   senior  1     1           50.0
    1  manager  1     1           50.0
    2      all  2     2          100.0
    """
    key = unit_key(unit)
    seg = analysed(segment_frame(segments), include_facilitator=include_facilitator, roles=roles)
    pairs = coded_pairs(seg, codings, level=level, coder=coder)
    ranks = {r: i for i, r in enumerate(role_order)} if role_order is not None else role_ranks(seg)
    role_list = order_roles(seg["role"].unique(), ranks)
    code_list = listed_codes(pairs, codebook, level=level)
    base = seg.groupby("role")[key].nunique().reindex(role_list).fillna(0).astype(int)
    base_all = int(seg[key].nunique())
    counts = pairs.groupby(["code", "role"])[key].nunique()
    counts_all = pairs.groupby("code")[key].nunique()
    rows = []
    for code in code_list:
        total = int(counts_all.get(code, 0))
        lvl = "theme" if "/" not in code else "code"
        for role in [*role_list, ALL_ROLES]:
            if role == ALL_ROLES:
                n, b = total, base_all
            else:
                n, b = int(counts.get((code, role), 0)), int(base[role])
            rows.append(
                {
                    "code": code,
                    "level": lvl,
                    "role": role,
                    "unit": unit,
                    "n": n,
                    "base": b,
                    "percent": 100.0 * n / b if b else np.nan,
                    "share_of_code": 100.0 * n / total if total else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=list(ROLE_THEME_COLUMNS))


def role_theme_matrix(table: pd.DataFrame, *, value: str = "percent", include_all: bool = False) -> pd.DataFrame:
    """Pivot a :func:`role_by_theme` table to codes x roles.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["time", "time", "time"], "level": "theme", "role": ["senior", "manager", "all"],
    ...                   "unit": "segments", "n": [1, 2, 3], "base": [2, 2, 4], "percent": [50.0, 100.0, 75.0],
    ...                   "share_of_code": [33.3, 66.7, 100.0]})
    >>> role_theme_matrix(t, value="n").values.tolist()
    [[1, 2]]
    """
    data = table if include_all else table[table["role"] != ALL_ROLES]
    codes = list(dict.fromkeys(data["code"]))
    roles = list(dict.fromkeys(data["role"]))
    return (
        data.pivot(index="code", columns="role", values=value)
        .reindex(index=codes, columns=roles)
        .rename_axis(index=None, columns=None)
    )


def role_theme_test(
    segments,
    codings: pd.DataFrame,
    *,
    unit: str = "segments",
    level: str = "theme",
    codebook=None,
    roles: Sequence[str] | None = None,
    include_facilitator: bool = False,
    coder: str | Sequence[str] | None = None,
    role_order: Sequence[str] | None = None,
    alpha: float = 0.05,
    min_expected: float = 5.0,
    n_resamples: int = 9999,
    random_state=0,
) -> ContingencyTest:
    """Test whether themes are raised independently of role.

    The codes x roles table of :func:`role_by_theme` counts (``unit`` as
    there; at ``level="code"`` only sub-codes, so no unit counts twice in a
    row pair) is tested with :func:`~outcomes_qual.analysis.stats.contingency_test`:
    Pearson's chi-square, or an exact test (Fisher for 2 x 2, Monte Carlo with
    a fixed seed otherwise) when an expected count is below ``min_expected``.
    Adjusted (standardised) residuals show which role over- or
    under-represents a theme. Note that one turn can carry several themes, so
    the cells are code applications rather than independent turns: read the
    p-value as descriptive.

    Returns
    -------
    ContingencyTest
        With ``cells``: one row per (code, role) with columns ``code, role,
        observed, expected, residual, adjusted_residual, direction``
        (``"over"``/``"under"`` beyond the two-sided ``alpha`` normal
        quantile, else ``""``).

    Examples
    --------
    >>> segments = pd.DataFrame({"segment_id": [f"s{i}" for i in range(8)], "transcript_id": "t",
    ...     "participant_id": list("abcdabcd"), "role": ["senior"] * 4 + ["practitioner"] * 4})
    >>> codings = pd.DataFrame({"segment_id": [f"s{i}" for i in range(8)],
    ...     "code": ["time"] * 3 + ["partners"] + ["partners"] * 3 + ["time"]})
    >>> res = role_theme_test(segments, codings)
    >>> res.test, round(res.p_value, 3)
    ('fisher_exact', 0.486)
    """
    from scipy.stats import norm

    table = role_by_theme(
        segments,
        codings,
        unit=unit,
        level=level,
        codebook=codebook,
        roles=roles,
        include_facilitator=include_facilitator,
        coder=coder,
        role_order=role_order,
    )
    if level == "code":
        table = table[table["level"] == "code"]
    observed = role_theme_matrix(table, value="n")
    res = contingency_test(observed, min_expected=min_expected, n_resamples=n_resamples, random_state=random_state)
    crit = norm.ppf(1 - alpha / 2)
    rows = []
    for code in res.observed.index:
        for role in res.observed.columns:
            adj = float(res.adjusted_residuals.loc[code, role])
            direction = "over" if adj > crit else "under" if adj < -crit else ""
            rows.append(
                {
                    "code": code,
                    "role": role,
                    "observed": int(res.observed.loc[code, role]),
                    "expected": float(res.expected.loc[code, role]),
                    "residual": float(res.residuals.loc[code, role]),
                    "adjusted_residual": adj,
                    "direction": direction if np.isfinite(adj) else "",
                }
            )
    res.cells = pd.DataFrame(rows, columns=list(ROLE_THEME_TEST_COLUMNS))
    return res

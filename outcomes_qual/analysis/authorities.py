"""Authority comparison: theme prevalence per authority with intervals and corrected tests.

Examples
--------
>>> import pandas as pd
>>> seg = pd.DataFrame({"segment_id": list("abcd"), "transcript_id": ["t1", "t1", "t2", "t2"],
...     "participant_id": list("pqrs"), "role": "practitioner", "authority": ["North", "North", "South", "South"]})
>>> cod = pd.DataFrame({"segment_id": ["a", "b", "c"], "code": "time"})
>>> authority_comparison(seg, cod)[["authority", "n", "base", "share", "test"]].values.tolist()
[['North', 2, 2, 1.0, 'fisher_exact'], ['South', 1, 2, 0.5, 'fisher_exact']]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._columns import AUTHORITY_COLUMNS
from ._common import analysed, coded_pairs, listed_codes, segment_frame, unit_key, wilson_interval
from .stats import adjust_pvalues, contingency_test

logger = logging.getLogger(__name__)

#: Label for segments whose authority is not known.
UNKNOWN_AUTHORITY = "(unknown)"


def authority_comparison(
    segments,
    codings: pd.DataFrame,
    *,
    unit: str = "participants",
    level: str = "theme",
    codebook=None,
    roles: Sequence[str] | None = None,
    include_facilitator: bool = False,
    coder: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    correction: str = "holm",
    alpha: float = 0.05,
    min_expected: float = 5.0,
    random_state=0,
) -> pd.DataFrame:
    """Share of each authority's participants who raised each theme, with tests.

    For each code, the authorities x (raised, not raised) table of units is
    tested with :func:`~outcomes_qual.analysis.stats.contingency_test`
    (chi-square, or Fisher / Monte Carlo exact when expected counts are
    small); p-values are corrected across codes (Holm by default, or
    Benjamini-Hochberg with ``correction="bh"``) and ``significant`` flags
    corrected p-values below ``alpha``.

    Parameters
    ----------
    segments : Corpus or pandas.DataFrame
        Needs an ``authority`` column (a Corpus supplies it).
    codings : pandas.DataFrame
    unit : {"participants", "segments", "groups"}, default "participants"
        The denominator: people (default), turns, or transcripts.
    level : {"theme", "code"}
    codebook : Codebook, optional
        Code order; codes nobody raised get rows of zeros.
    confidence : float, default 0.95
        Level of the Wilson score interval for each share.
    correction : {"holm", "bh"}
    alpha : float, default 0.05

    Returns
    -------
    pandas.DataFrame
        Columns ``code, authority, n, base, share, ci_low, ci_high, test,
        statistic, p_value, p_adjusted, significant``: shares are proportions
        (0-1); the test columns repeat on every row of a code.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": list("ab"), "transcript_id": ["t1", "t2"],
    ...     "participant_id": ["p", "q"], "role": "senior", "authority": ["N", "S"]})
    >>> t = authority_comparison(seg, pd.DataFrame({"segment_id": ["a"], "code": ["partners"]}))
    >>> t[["authority", "share", "ci_low"]].round(3).values.tolist()
    [['N', 1.0, 0.207], ['S', 0.0, 0.0]]
    """
    key = unit_key(unit)
    seg = analysed(segment_frame(segments), include_facilitator=include_facilitator, roles=roles)
    seg["authority"] = seg["authority"].astype(object).where(seg["authority"].notna(), UNKNOWN_AUTHORITY).astype(str)
    pairs = coded_pairs(seg, codings, level=level, coder=coder)
    authorities = sorted(seg["authority"].unique(), key=lambda a: (a == UNKNOWN_AUTHORITY, a))
    code_list = listed_codes(pairs, codebook, level=level)
    base = seg.groupby("authority")[key].nunique().reindex(authorities).fillna(0).astype(int)
    counts = pairs.groupby(["code", "authority"])[key].nunique()
    rows, tests = [], []
    for code in code_list:
        n = np.array([int(counts.get((code, a), 0)) for a in authorities])
        b = base.to_numpy()
        res = contingency_test(np.column_stack([n, b - n]), min_expected=min_expected, random_state=random_state)
        tests.append((res.test, res.statistic, res.p_value))
        lo, hi = wilson_interval(n, b, confidence=confidence)
        for i, a in enumerate(authorities):
            rows.append(
                {
                    "code": code,
                    "authority": a,
                    "n": int(n[i]),
                    "base": int(b[i]),
                    "share": n[i] / b[i] if b[i] else np.nan,
                    "ci_low": float(lo[i]),
                    "ci_high": float(hi[i]),
                }
            )
    out = pd.DataFrame(rows)
    if not len(out):
        return pd.DataFrame(columns=list(AUTHORITY_COLUMNS))
    p_adj = adjust_pvalues([t[2] for t in tests], method=correction)
    per_code = pd.DataFrame(
        {
            "code": code_list,
            "test": [t[0] for t in tests],
            "statistic": [t[1] for t in tests],
            "p_value": [t[2] for t in tests],
            "p_adjusted": p_adj,
        }
    )
    per_code["significant"] = per_code["p_adjusted"].fillna(1.0) < alpha
    out = out.merge(per_code, on="code", how="left")
    return out[list(AUTHORITY_COLUMNS)]

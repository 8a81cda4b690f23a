"""Theme co-occurrence: how often two themes are raised in the same turn.

Examples
--------
>>> import pandas as pd
>>> seg = pd.DataFrame({"segment_id": ["1", "2", "3"], "transcript_id": "t",
...                     "participant_id": "p", "role": "senior"})
>>> cod = pd.DataFrame({"segment_id": ["1", "1", "2", "3"],
...                     "code": ["time", "systems_barriers/paperwork_and_it", "time", "systems_barriers"]})
>>> theme_cooccurrence(seg, cod).values.tolist()
[['systems_barriers', 'systems_barriers', 2, 1.0], ['systems_barriers', 'time', 1, 0.3333333333333333], ['time',
'systems_barriers', 1, 0.3333333333333333], ['time', 'time', 2, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._columns import COOCCURRENCE_COLUMNS
from ._common import analysed, coded_pairs, listed_codes, segment_frame


def theme_cooccurrence(
    segments,
    codings: pd.DataFrame,
    *,
    level: str = "theme",
    codebook=None,
    roles: Sequence[str] | None = None,
    include_facilitator: bool = False,
    coder: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Count turns carrying both of each pair of themes.

    Parameters
    ----------
    segments : Corpus or pandas.DataFrame
    codings : pandas.DataFrame
    level : {"theme", "code"}
    codebook : Codebook, optional
        Order (and zero rows for themes nobody raised).
    roles, include_facilitator, coder
        As in :func:`~outcomes_qual.analysis.role_by_theme`.

    Returns
    -------
    pandas.DataFrame
        Columns ``code_a, code_b, n_turns, jaccard``: every ordered pair
        (symmetric; the diagonal holds each theme's own turn count), with the
        Jaccard index ``n(a and b) / n(a or b)``.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["1", "2"], "transcript_id": "t", "participant_id": "p", "role": "senior"})
    >>> cod = pd.DataFrame({"segment_id": ["1", "1", "2"], "code": ["time", "partners", "time"]})
    >>> t = theme_cooccurrence(seg, cod)
    >>> t[(t["code_a"] == "partners") & (t["code_b"] == "time")][["n_turns", "jaccard"]].values.tolist()
    [[1.0, 0.5]]
    """
    seg = analysed(segment_frame(segments), include_facilitator=include_facilitator, roles=roles)
    pairs = coded_pairs(seg, codings, level=level, coder=coder)
    code_list = listed_codes(pairs, codebook, level=level)
    ind = pd.crosstab(pairs["segment_id"], pairs["code"]).reindex(columns=code_list, fill_value=0).clip(upper=1)
    m = ind.to_numpy(dtype=int)
    both = m.T @ m
    single = np.diag(both)
    either = single[:, None] + single[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(either > 0, both / np.where(either > 0, either, 1), np.nan)
    rows = [
        {"code_a": a, "code_b": b, "n_turns": int(both[i, j]), "jaccard": float(jac[i, j])}
        for i, a in enumerate(code_list)
        for j, b in enumerate(code_list)
    ]
    return pd.DataFrame(rows, columns=list(COOCCURRENCE_COLUMNS))

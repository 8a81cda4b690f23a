"""Group x theme tables as Dask aggregations over the codings and segments Parquet.

:func:`group_by_theme` gives the table :func:`outcomes_qual.analysis.role_by_theme`
gives (same columns, rows, order and values), for any grouping column: ``role``
(respondent type in a consultation), ``question``, ``authority``, ... The
counts are computed partition by partition and summed: codings are rolled up
to their theme and de-duplicated per (segment, theme) inside each partition,
and with ``unit="participants"`` per (participant, theme, group), which is
exact because ingest keeps each respondent's (each transcript's) segments in
one partition. Only the small count tables reach the client.

:func:`nonresponse_table` is :func:`outcomes_qual.ingest.consultation.nonresponse_by_question`
computed from the respondents Parquet.

Examples
--------
>>> import pandas as pd, dask.dataframe as dd
>>> seg = pd.DataFrame({"segment_id": ["a", "b", "c"], "transcript_id": ["t1", "t1", "t2"],
...                     "participant_id": ["p", "p", "q"], "role": ["senior", "senior", "manager"]})
>>> cod = pd.DataFrame({"segment_id": ["a", "b", "c"], "code": ["time", "time/caseloads", "time"],
...                     "participant_id": ["p", "p", "q"], "role": ["senior", "senior", "manager"]})
>>> t = group_by_theme(dd.from_pandas(cod, npartitions=1), dd.from_pandas(seg, npartitions=1), by="role")
>>> t[["code", "role", "n", "base"]].values.tolist()
[['time', 'senior', 2, 2], ['time', 'manager', 1, 1], ['time', 'all', 3, 3]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcomes_qual.analysis._columns import ROLE_THEME_COLUMNS
from outcomes_qual.analysis._common import order_codes, order_roles, unit_key

#: Value of the grouping column for the row pooling every group (as in role_by_theme).
ALL = "all"


def _theme_pairs(part: pd.DataFrame, by: str, key: str) -> pd.DataFrame:
    if "status" in part:
        part = part[part["status"].fillna("") != "rejected"]
    themes = part["code"].astype(str).str.split("/", n=1).str[0]
    out = pd.DataFrame(
        {"code": themes.to_numpy(), by: part[by].fillna("unknown").astype(str).to_numpy(), key: part[key].astype(str).to_numpy()}
    )
    return out.drop_duplicates()


def _pair_counts(part: pd.DataFrame, by: str, key: str) -> pd.DataFrame:
    pairs = _theme_pairs(part, by, key)
    per_group = pairs.groupby(["code", by], sort=False).size().rename("n").reset_index()
    per_code = pairs[["code", key]].drop_duplicates().groupby("code", sort=False).size().rename("n").reset_index()
    per_code[by] = ALL
    return pd.concat([per_group, per_code[["code", by, "n"]]], ignore_index=True)


def _base_counts(part: pd.DataFrame, by: str, key: str, facilitator: bool) -> pd.DataFrame:
    seg = part
    if not facilitator:
        seg = seg[seg["role"].fillna("unknown").astype(str) != "facilitator"]
    frame = pd.DataFrame({by: seg[by].fillna("unknown").astype(str).to_numpy(), key: seg[key].astype(str).to_numpy()})
    frame = frame.drop_duplicates()
    out = frame.groupby(by, sort=False).size().rename("n").reset_index()
    total = pd.DataFrame({by: [ALL], "n": [frame[key].nunique()]})
    return pd.concat([out, total], ignore_index=True)


def group_by_theme(
    codings, segments, *, by: str = "role", unit: str = "segments", codebook=None, include_facilitator: bool = False
) -> pd.DataFrame:
    """Count, per theme and value of ``by``, the units that raised the theme (Dask aggregation).

    Parameters
    ----------
    codings : dask.dataframe.DataFrame
        Codings partitions with ``segment_id``, ``code``, the unit's id column and ``by``.
    segments : dask.dataframe.DataFrame
        Segments partitions (the bases): ``segment_id``, ``role``, ``by`` and the unit's id column.
    by : str, default "role"
    unit : {"segments", "participants", "groups"}
    codebook : Codebook, optional
        Orders the themes and adds rows of zeros for themes nobody raised.
    include_facilitator : bool, default False

    Returns
    -------
    pandas.DataFrame
        :data:`outcomes_qual.analysis.ROLE_THEME_COLUMNS` with ``role`` renamed to ``by``.
    """
    counts, bases = group_counts(codings, segments, by=by, unit=unit, include_facilitator=include_facilitator)
    import dask

    counts, bases = dask.compute(counts, bases)
    return group_table(counts, bases, by=by, unit=unit, codebook=codebook)


def group_counts(codings, segments, *, by: str, unit: str = "segments", include_facilitator: bool = False):
    """Lazy (counts per (theme, group), units per group) behind :func:`group_by_theme`; compute several at once."""
    key = unit_key(unit)
    if not include_facilitator:
        codings = codings[codings["role"].fillna("unknown") != "facilitator"]
    cmeta = pd.DataFrame({"code": pd.Series(dtype=object), by: pd.Series(dtype=object), "n": pd.Series(dtype="int64")})
    bmeta = pd.DataFrame({by: pd.Series(dtype=object), "n": pd.Series(dtype="int64")})
    counts = codings.map_partitions(_pair_counts, by, key, meta=cmeta).groupby(["code", by]).n.sum(split_out=1)
    cols = list(dict.fromkeys(["role", by, key]))
    bases = segments[cols].map_partitions(_base_counts, by, key, include_facilitator, meta=bmeta).groupby(by).n.sum(split_out=1)
    return counts, bases


def _many_pair_counts(part: pd.DataFrame, specs, include_facilitator: bool) -> pd.DataFrame:
    """Per (table, theme, group): units that raised the theme in this partition (integer-coded for speed).

    Same counts as :func:`_pair_counts` table by table.
    """
    if "status" in part:
        part = part[part["status"].fillna("") != "rejected"]
    if not include_facilitator:
        part = part[part["role"].fillna("unknown").astype(str) != "facilitator"]
    code_ids, codes = pd.factorize(part["code"].astype(str))
    theme_ids, themes = pd.factorize(pd.Index([str(c).split("/", 1)[0] for c in codes]))
    theme = theme_ids[code_ids].astype(np.int64) if len(code_ids) else np.zeros(0, dtype=np.int64)
    nt = max(len(themes), 1)
    frames = []
    for name, by, key in specs:
        unit_ids, _ = pd.factorize(part[key].astype(str))
        group_ids, groups = pd.factorize(part[by].fillna("unknown").astype(str))
        ng = max(len(groups), 1)
        triples = np.unique((unit_ids.astype(np.int64) * ng + group_ids) * nt + theme)
        cells, n = np.unique(triples % (ng * nt), return_counts=True)
        frame = pd.DataFrame(
            {
                "table": name,
                "code": np.asarray(themes)[cells % nt] if len(cells) else [],
                "group": np.asarray(groups)[cells // nt] if len(cells) else [],
                "n": n.astype(np.int64),
            }
        )
        per_code = np.unique(unit_ids.astype(np.int64) * nt + theme) % nt
        t, n_all = np.unique(per_code, return_counts=True)
        frames += [
            frame,
            pd.DataFrame(
                {"table": name, "code": np.asarray(themes)[t] if len(t) else [], "group": ALL, "n": n_all.astype(np.int64)}
            ),
        ]
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"table": object, "code": object, "group": object, "n": "int64"})


def _many_base_counts(part: pd.DataFrame, specs, include_facilitator: bool) -> pd.DataFrame:
    frames = []
    for name, by, key in specs:
        f = _base_counts(part, by, key, include_facilitator).rename(columns={by: "group"})
        f.insert(0, "table", name)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def many_group_counts(codings, segments, specs, *, include_facilitator: bool = False):
    """Lazy counts for several tables in one pass over each partition.

    ``specs`` is a list of ``(table name, by, unit)``; returns lazy
    (counts by (table, code, group), bases by (table, group)); split them with
    :func:`split_counts`.
    """
    specs = [(name, by, unit_key(unit)) for name, by, unit in specs]
    ccols = list(dict.fromkeys(["segment_id", "code", "role", *[b for _, b, _ in specs], *[k for _, _, k in specs]]))
    scols = list(dict.fromkeys(["role", *[b for _, b, _ in specs], *[k for _, _, k in specs]]))
    cmeta = pd.DataFrame(
        {
            "table": pd.Series(dtype=object),
            "code": pd.Series(dtype=object),
            "group": pd.Series(dtype=object),
            "n": pd.Series(dtype="int64"),
        }
    )
    bmeta = pd.DataFrame({"table": pd.Series(dtype=object), "group": pd.Series(dtype=object), "n": pd.Series(dtype="int64")})
    counts = codings[ccols].map_partitions(_many_pair_counts, specs, include_facilitator, meta=cmeta)
    bases = segments[scols].map_partitions(_many_base_counts, specs, include_facilitator, meta=bmeta)
    return counts.groupby(["table", "code", "group"]).n.sum(split_out=1), bases.groupby(["table", "group"]).n.sum(split_out=1)


def split_counts(counts: pd.Series, bases: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """The (counts, bases) of table ``name`` from :func:`many_group_counts`' computed results."""
    c = counts.xs(name, level="table") if name in counts.index.get_level_values("table") else counts.iloc[:0].droplevel("table")
    b = bases.xs(name, level="table") if name in bases.index.get_level_values("table") else bases.iloc[:0].droplevel("table")
    return c, b


def group_table(counts: pd.Series, bases: pd.Series, *, by: str, unit: str, codebook) -> pd.DataFrame:
    """The group x theme table from computed counts and bases (``ROLE_THEME_COLUMNS``, ``role`` renamed to ``by``)."""
    counts = counts.astype(int)
    bases = bases.astype(int)
    groups = order_roles([g for g in bases.index if g != ALL])
    codes = {c for c, _ in counts.index}
    if codebook is not None:
        codes |= set(codebook.theme_keys())
    rows = []
    base_all = int(bases.get(ALL, 0))
    for code in order_codes(codes, codebook):
        total = int(counts.get((code, ALL), 0))
        for g in [*groups, ALL]:
            n = int(counts.get((code, g), 0))
            b = base_all if g == ALL else int(bases.get(g, 0))
            rows.append(
                {
                    "code": code,
                    "level": "theme" if "/" not in code else "code",
                    "role": g,
                    "unit": unit,
                    "n": n,
                    "base": b,
                    "percent": 100.0 * n / b if b else np.nan,
                    "share_of_code": 100.0 * n / total if total else np.nan,
                }
            )
    table = pd.DataFrame(rows, columns=list(ROLE_THEME_COLUMNS))
    return table.rename(columns={"role": by}) if by != "role" else table


def _nonresponse_part(part: pd.DataFrame) -> pd.DataFrame:
    skipped = part["nonresponse"].fillna("").astype(str)
    non = skipped[skipped != ""].str.split("|").explode()
    return non.value_counts().rename("n").rename_axis("question").reset_index()


def nonresponse_counts(respondents, segments):
    """Lazy (non-responses per question, answers per question) behind :func:`nonresponse_table`."""
    meta = pd.DataFrame({"question": pd.Series(dtype=object), "n": pd.Series(dtype="int64")})
    non = respondents[["nonresponse"]].map_partitions(_nonresponse_part, meta=meta).groupby("question").n.sum(split_out=1)
    answered = (
        segments[["question"]]
        .map_partitions(
            lambda p: p["question"].astype(str).value_counts().rename("n").rename_axis("question").reset_index(), meta=meta
        )
        .groupby("question")
        .n.sum(split_out=1)
    )
    return non, answered


def nonresponse_table(non, answered=None, *, questions=None) -> pd.DataFrame:
    """Per question: respondents, answers coded, empty or non-response answers.

    Given Dask collections (respondents, segments) the counts are computed
    here; given the computed counts (pandas Series by question) they are tabled.
    Same columns and values as :func:`outcomes_qual.ingest.consultation.nonresponse_by_question`.
    """
    from outcomes_qual.ingest.consultation import NONRESPONSE_COLUMNS, _natural

    if hasattr(non, "dask"):
        import dask

        non, answered = dask.compute(*nonresponse_counts(non, answered))
    order = (
        list(questions)
        if questions is not None
        else sorted(set(map(str, answered.index)) | set(map(str, non.index)), key=_natural)
    )
    rows = []
    for q in order:
        a, n = int(answered.get(q, 0)), int(non.get(q, 0))
        rows.append(
            {
                "question": q,
                "n_respondents": a + n,
                "n_answered": a,
                "n_nonresponse": n,
                "share_nonresponse": n / (a + n) if a + n else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(NONRESPONSE_COLUMNS))

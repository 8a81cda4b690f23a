"""The fit sample of a Dask run: read Parquet parts, count rows, draw the stratified sample.

Both the coder (:mod:`.engine`) and the topic model (:mod:`.topics`) are
fitted once, on the client, on a sample of the segments; this module owns
that sample so that neither imports the other. The sample is the same one
:func:`.coder.stratified_sample` draws on one process (the smallest segment-id
hashes per stratum), computed from the partitions without holding the corpus.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .coder import allocate, segment_hash, stratified_sample


def count_rows(folder: Path) -> int:
    """Rows in a folder of Parquet parts, from the files' footers (nothing else is read)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(Path(folder).glob("*.parquet")))


def read_parts(folder: Path, columns=None):
    """A folder of Parquet parts as a Dask DataFrame (``columns`` only, when given)."""
    import dask.dataframe as dd

    return dd.read_parquet(os.fspath(folder), columns=columns, engine="pyarrow")


def fit_frame(seg_dir: Path, *, fit_max: int, by: str | None) -> pd.DataFrame:
    """Segments (segment_id, text, role) to fit on: all, in input order, up to ``fit_max``; else a stratified sample."""
    cols = ["segment_id", "text", "role"] + ([by] if by else [])
    ddf = read_parts(seg_dir, columns=cols)
    n = count_rows(seg_dir)
    if n <= fit_max:
        return ddf[["segment_id", "text", "role"]].compute().reset_index(drop=True)

    import dask

    # pass 1: stratum sizes; pass 2: per stratum the quota-th smallest segment-id hash, from each
    # partition's smallest hashes (integers only); pass 3: the rows under those thresholds, text and all.
    # The client holds hashes and the sample, never the corpus.
    if by:
        meta = pd.Series(dtype="int64", name="count")
        sizes = ddf[[by]].map_partitions(lambda p: p[by].fillna("").astype(str).value_counts(), meta=meta).compute()
        sizes = sizes.groupby(level=0).sum()
    else:
        sizes = pd.Series({"": n})
    quota = allocate(sizes, fit_max)
    hmeta = pd.DataFrame({"stratum": pd.Series(dtype=object), "h": pd.Series(dtype="uint64")})
    small = ddf[["segment_id", *([by] if by else [])]].map_partitions(_smallest_hashes, quota, by, meta=hmeta)
    (small,) = dask.compute(small)
    limits = {k: int(np.sort(g["h"].to_numpy())[quota[k] - 1]) for k, g in small.groupby("stratum") if quota.get(k, 0) > 0}
    cand = ddf.map_partitions(_under_limits, limits, by, meta=ddf._meta)
    (cand,) = dask.compute(cand)
    return stratified_sample(cand, fit_max, by=by)[["segment_id", "text", "role"]]


def _strata(part: pd.DataFrame, by: str | None) -> pd.Series:
    return part[by].fillna("").astype(str).reset_index(drop=True) if by else pd.Series([""] * len(part))


def _smallest_hashes(part: pd.DataFrame, quota: dict, by: str | None) -> pd.DataFrame:
    frame = pd.DataFrame({"stratum": _strata(part, by).astype(object), "h": segment_hash(part["segment_id"])})
    keep = [g.nsmallest(quota.get(k, 0), "h") for k, g in frame.groupby("stratum", sort=False) if quota.get(k, 0) > 0]
    return pd.concat(keep, ignore_index=True) if keep else frame.iloc[:0]


def _under_limits(part: pd.DataFrame, limits: dict, by: str | None) -> pd.DataFrame:
    h = segment_hash(part["segment_id"])
    strata = _strata(part, by).to_numpy()
    keep = np.zeros(len(part), dtype=bool)
    for k, limit in limits.items():  # uint64 throughout: a float would round the thresholds
        rows = strata == k
        keep[rows] = h[rows] <= np.uint64(limit)
    return part[keep]

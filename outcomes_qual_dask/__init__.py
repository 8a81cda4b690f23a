"""Consultations and transcripts at scale on Dask (dask.dataframe on dask.distributed).

The library (:mod:`outcomes_qual`) never imports this package; it needs the
``scale`` extra (``pip install outcomes_qual[scale]``: dask[dataframe],
distributed, pyarrow).

- :func:`autocode_at_scale`: ingest to Parquet partitions, fit the coder once,
  code partition by partition on a ``LocalCluster`` (``workers=N``), an
  existing cluster (``scheduler="tcp://HOST:8786"``) or a given ``client``,
  write the codings as partitioned Parquet and the role, question and
  authority x theme tables as Dask aggregations (:mod:`.engine`);
- :mod:`.partitions`: input to Parquet parts, outputs renamed into place when complete;
- :mod:`.coder`: fit once, a worker plugin installs the fitted coder once per worker;
- :mod:`.aggregations`: group x theme and non-response tables as Dask aggregations;
- :mod:`.topics`: topics fitted on a stratified sample, assigned partition by partition.

Results equal the single-process run's on the same input, whatever the partitioning.
"""

from ._deps import INSTALL_HINT, ScaleExtraMissing, require_scale
from .engine import ScaleResult, autocode_at_scale, read_codings, write_codings_file

__all__ = [
    "INSTALL_HINT",
    "ScaleExtraMissing",
    "ScaleResult",
    "autocode_at_scale",
    "read_codings",
    "require_scale",
    "write_codings_file",
]

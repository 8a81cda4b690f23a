"""The ``scale`` extra (dask[dataframe], distributed, pyarrow), imported lazily with a clear message.

Examples
--------
>>> INSTALL_HINT
'install outcomes_qual[scale] (dask[dataframe], distributed, pyarrow) for the Dask engine'
"""

from __future__ import annotations

INSTALL_HINT = "install outcomes_qual[scale] (dask[dataframe], distributed, pyarrow) for the Dask engine"


class ScaleExtraMissing(ImportError):
    """The ``scale`` extra is not installed."""


def require_scale() -> None:
    """Import dask.dataframe, distributed and pyarrow, or raise :class:`ScaleExtraMissing` saying what to install."""
    missing = []
    for name in ("dask.dataframe", "distributed", "pyarrow.parquet"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name.split(".")[0])
    if missing:
        raise ScaleExtraMissing(f"{', '.join(missing)} not installed: {INSTALL_HINT}")

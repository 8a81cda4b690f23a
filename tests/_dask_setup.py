"""What the Dask engine tests and the Dask fault tests both set up: the scale extra, one local cluster, sample data.

Importing this module skips the importing test module when the ``scale``
extra (dask, distributed, pyarrow) is missing.
"""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from _consultation import make_consultation  # noqa: F401  (re-exported for the tests)


def local_cluster():
    """Two worker processes of one thread, bound to 127.0.0.1, no dashboard, 2 GiB each (use as a context manager)."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, memory_limit="2GiB"
    )

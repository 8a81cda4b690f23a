"""Connect to Dask: a ``LocalCluster`` of N worker processes, or an existing scheduler.

Examples
--------
>>> describe_target(workers=2)
'a LocalCluster of 2 worker processes'
>>> describe_target(scheduler="tcp://10.0.0.5:8786")
'the Dask scheduler at tcp://10.0.0.5:8786'
"""

from __future__ import annotations

import contextlib
import logging

logger = logging.getLogger(__name__)


def describe_target(*, workers: int | None = None, scheduler: str | None = None) -> str:
    """Say in words where a run goes."""
    if scheduler:
        return f"the Dask scheduler at {scheduler}"
    return f"a LocalCluster of {workers} worker processes"


@contextlib.contextmanager
def dask_client(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
    threads_per_worker: int = 1,
    memory_limit: str | int = "4GiB",
    dashboard: bool = True,
):
    """Yield a ``distributed.Client``: the one given, one on ``scheduler``, or a new ``LocalCluster(workers)``.

    A cluster started here binds 127.0.0.1 only and is closed on exit; a
    given client or scheduler is left running.

    Parameters
    ----------
    workers : int, optional
        Worker processes of a new LocalCluster (one thread each by default).
    scheduler : str, optional
        Address of an existing scheduler, e.g. ``tcp://HOST:8786``.
    client : distributed.Client, optional
        Used as it is.
    memory_limit : str or int, default "4GiB"
        Per worker of a new LocalCluster: Dask spills, pauses and restarts a
        worker above it, which is what bounds memory.
    dashboard : bool, default True
        Serve the dashboard (on 127.0.0.1, a free port) for a new LocalCluster.

    Raises
    ------
    ValueError
        When none or several of ``workers``, ``scheduler`` and ``client`` are given, or ``workers < 1``.
    """
    given = [x is not None for x in (workers, scheduler, client)]
    if sum(given) != 1:
        raise ValueError(
            "give exactly one of workers=N, scheduler='tcp://HOST:8786' or client=Client, "
            f"got workers={workers!r}, scheduler={scheduler!r}, client={client!r}"
        )
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as c:
            logger.info("connected to %s (%d workers)", scheduler, len(c.scheduler_info().get("workers", {})))
            yield c
        return
    if workers is None or int(workers) < 1:  # never None here: exactly one of the three is given
        raise ValueError(f"workers: expected a whole number >= 1, got {workers!r}")
    with (
        LocalCluster(
            n_workers=int(workers),
            threads_per_worker=threads_per_worker,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0" if dashboard else None,
            memory_limit=memory_limit,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c

"""Dask clusters for the commands that can scale out (`archive`, `index`): a LocalCluster of N
worker processes with one thread each, or a client of an existing scheduler. Imported only when
--dask or --scheduler is given; `distributed` is the optional extra ``reviewbot[dask]``.
"""
from __future__ import annotations

import logging
import resource

import dask
from distributed import Client, LocalCluster


def start_client(scheduler: str | None, workers: int) -> tuple[Client, LocalCluster | None]:
    if scheduler:
        return Client(scheduler, timeout="30s"), None
    cluster = local_cluster(workers)
    return Client(cluster), cluster


def local_cluster(workers: int) -> LocalCluster:
    """``workers`` processes of one thread each. The dashboard is on a free port: two runs on one
    machine do not fight over 8787. Worker logs only at CRITICAL: a worker heartbeating into a
    scheduler that is shutting down logs an ERROR with a traceback on our stderr; what matters of a
    worker's failures reaches the driver as exceptions. The workers skip Dask's sampling profiler
    (a stack walk every 10 ms) and GIL monitor (every 1 ms): with a core per worker they take it
    from the reviews, and nobody reads those dashboard pages during a run. An existing cluster
    (--scheduler) keeps its own settings."""
    with dask.config.set({"distributed.worker.profile.enabled": False,
                          "distributed.admin.system-monitor.gil.enabled": False}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                            silence_logs=logging.CRITICAL)


def describe(scheduler: str | None, workers: int, client: Client) -> str:
    """The line printed on stderr when a run starts on Dask: where, and the dashboard's address."""
    where = f"scheduler {scheduler}" if scheduler else f"local cluster of {workers} worker{'s' if workers > 1 else ''}"
    return f"dask: {where}, dashboard {dashboard_text(client)}"


def dashboard_text(client: Client) -> str:
    try:
        import bokeh  # noqa: F401  (distributed serves its dashboard only with bokeh installed)
    except ImportError:
        return f"{client.dashboard_link} (not served: pip install bokeh)"
    return client.dashboard_link


def _own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_peak_mb(client: Client) -> float:
    """The largest peak resident memory among the workers (each process's own high-water mark)."""
    peaks = client.run(_own_peak_mb)
    return max(peaks.values(), default=0.0)


class ClientPool:
    """The two methods of concurrent.futures.Executor that index_tree uses, on a Dask client: each
    call is its own task (pure=False: batches are never deduplicated by hashing their contents)."""

    def __init__(self, client: Client):
        self.client = client
        self.workers = max(1, len(client.scheduler_info()["workers"]))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def __enter__(self) -> ClientPool:
        return self

    def __exit__(self, *exc) -> None:
        pass

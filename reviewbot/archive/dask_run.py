"""The archive on Dask: a LocalCluster of N worker processes, or an existing scheduler.

Each series is one task. A worker plugin injects the ReviewContext (configuration, rule pack,
tree path) and the worker's own parse cache file when the worker starts, and again when a worker
that died is restarted by its nanny; the task itself carries only the series. A worker that dies
mid-task costs nothing but time: the scheduler gives its tasks to another worker, and the driver
writes each series' line once, when its future completes.

Only a bounded window of tasks is in flight, so a year of a list never sits in the scheduler's
memory at once.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable

from distributed import Client, WorkerPlugin, as_completed

from reviewbot.archive.sources import ArchiveItem
from reviewbot.archive.store import ResultsStore
from reviewbot.archive.task import ReviewContext, review_item, worker_cache_path
from reviewbot.cluster import dashboard_text, describe, start_client
from reviewbot.gitcmd import one_thread_each

PLUGIN_NAME = "reviewbot-archive"
WINDOW_PER_WORKER = 4  # tasks in flight per worker: enough to keep each busy, few to lose

_WORKER_STATE: dict[str, object] = {}  # in a worker process: what the plugin injected


class ArchiveWorkerPlugin(WorkerPlugin):
    def __init__(self, ctx: ReviewContext, cache_root: str | None):
        self.ctx, self.cache_root = ctx, cache_root

    def setup(self, worker) -> None:
        root = self.cache_root or os.path.join(worker.local_directory, "reviewbot-cache")
        name = re.sub(r"[^\w.-]", "_", str(worker.name))
        _WORKER_STATE["ctx"] = self.ctx
        _WORKER_STATE["cache"] = worker_cache_path(root, f"worker-{name}") if self.ctx.use_cache else None


def review_on_worker(item: ArchiveItem) -> dict:
    ctx = _WORKER_STATE.get("ctx")
    if ctx is None:
        raise RuntimeError("the reviewbot worker plugin did not run on this worker")
    with one_thread_each():  # a worker is one core: git's own threads would take another worker's
        return review_item(item, ctx, _WORKER_STATE["cache"])


def run_on_dask(todo: list[ArchiveItem], ctx: ReviewContext, store: ResultsStore, stats, *,
                scheduler: str | None, workers: int, cache_root: str | None, progress,
                say: Callable[[str], None] | None = None,
                on_result: Callable[[dict, Client], None] | None = None) -> None:
    client, cluster = start_client(scheduler, workers)
    try:
        stats.dashboard = dashboard_text(client)
        if say:
            say(describe(scheduler, workers, client))
        client.register_plugin(ArchiveWorkerPlugin(ctx, cache_root), name=PLUGIN_NAME)
        window = WINDOW_PER_WORKER * max(1, len(client.scheduler_info()["workers"]) or workers)
        pending = iter(todo)
        subject_of: dict[str, str] = {}
        running = as_completed()

        def submit_next() -> None:
            item = next(pending, None)
            if item is not None:
                key = f"reviewbot-series-{item.key(ctx.ruleset)}"
                subject_of[key] = item.subject
                running.add(client.submit(review_on_worker, item, key=key))

        for _ in range(window):
            submit_next()
        done = 0
        for future in running:
            try:
                record = future.result()
            except Exception as exc:  # KilledWorker: the series took down workers again and again
                stats.lost.append(f"{subject_of.get(future.key, future.key)}: {type(exc).__name__}")
            else:
                if store.add(record):
                    stats.reviewed += 1
                if on_result:
                    on_result(record, client)
            future.release()
            done += 1
            progress.update(done)
            submit_next()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

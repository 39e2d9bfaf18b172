"""Run the review of every not-yet-done item: one after another in this process, or on Dask.

Both paths write the same lines: review_item() makes them, ResultsStore appends them as they come.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.archive.sources import ArchiveItem
from reviewbot.archive.store import ResultsStore
from reviewbot.archive.task import ReviewContext, review_item, worker_cache_path
from reviewbot.gitcmd import one_thread_each


@dataclass
class RunStats:
    total: int = 0  # series in the input
    already: int = 0  # done by an earlier run over the same DIR
    reviewed: int = 0  # lines written by this run
    lost: list[str] = field(default_factory=list)  # series no worker could finish (subjects)
    seconds: float = 0.0
    dashboard: str | None = None


class Progress:
    """``done/total, rate, ETA`` on stderr: rewritten in place on a terminal, a line every
    ``every`` seconds elsewhere (a cluster job's log)."""

    def __init__(self, total: int, stream=None, every: float = 30.0):
        self.total, self.stream, self.every = total, stream or sys.stderr, every
        self.start = self.last = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def line(self, done: int, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else None
        eta_text = "?" if eta is None else _duration(eta)
        return f"archive: {done}/{self.total} series, {rate:.2f}/s, ETA {eta_text}"

    def update(self, done: int) -> None:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + self.line(done, now) + "\x1b[K")
            self.stream.flush()
        elif now - self.last >= self.every:
            self.stream.write(self.line(done, now) + "\n")
            self.last = now

    def finish(self, done: int) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def pending_items(items: list[ArchiveItem], ctx: ReviewContext, store: ResultsStore) -> list[ArchiveItem]:
    """Items whose key no earlier run wrote, each key once."""
    seen = set(store.done)
    out = []
    for item in items:
        key = item.key(ctx.ruleset)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def run_archive(items: list[ArchiveItem], ctx: ReviewContext, out_dir: Path, *, use_dask: bool = False,
                scheduler: str | None = None, workers: int = 2, cache_dir: Path | None = None,
                progress: Progress | None = None, say: Callable[[str], None] | None = None,
                on_result: Callable[[dict, object], None] | None = None) -> RunStats:
    """Review what DIR has not done yet. ``cache_dir``: where the parse caches live (default
    DIR/cache; on an existing cluster each worker's own local directory)."""
    start = time.perf_counter()
    store = ResultsStore(out_dir)
    todo = pending_items(items, ctx, store)
    stats = RunStats(total=len(items), already=len(items) - len(todo))
    progress = progress or Progress(len(todo))
    try:
        if todo and (use_dask or scheduler):
            from reviewbot.archive.dask_run import run_on_dask

            root = cache_dir or (None if scheduler else out_dir / "cache")
            run_on_dask(todo, ctx, store, stats, scheduler=scheduler, workers=workers,
                        cache_root=str(root) if root else None, progress=progress, say=say, on_result=on_result)
        elif todo:
            cache = worker_cache_path(cache_dir or out_dir / "cache", "local") if ctx.use_cache else None
            with one_thread_each():  # as on the workers: the same reviews, whichever way they run
                for n, item in enumerate(todo, 1):
                    if store.add(review_item(item, ctx, cache)):
                        stats.reviewed += 1
                    progress.update(n)
        progress.finish(stats.reviewed)
    finally:
        store.close()
        stats.seconds = time.perf_counter() - start
    return stats

"""Index every C file of a tree into the parse cache, in parallel, and count what was recovered.

The review only parses the files a series or a grep points at; the index is optional and makes
later reviews of the same tree (and tree-wide analyses) start warm.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from reviewbot.c.cache import FactsCache, encode, fact_counts
from reviewbot.c.extract import extract
from reviewbot.c.fingerprint import function_bands
from reviewbot.c.tree import CatFile, GitTree, TreeSource

# Files per task sent to a worker: one round trip and one cache transaction per batch rather than per
# file; small enough that the progress bar and the two workers stay evenly fed.
BATCH = 64


@dataclass
class IndexStats:
    files: int = 0
    parsed: int = 0  # cache misses parsed in this run
    functions: int = 0
    calls: int = 0
    files_with_errors: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


_READERS: dict[str, CatFile] = {}  # per worker process: its own `git cat-file --batch`
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Worker initializer: a worker never outlives the index process (kill -9 or SIGTERM of it
    would otherwise leave the pool parsing, or idle, for ever). Linux tells the worker itself
    (PR_SET_PDEATHSIG); elsewhere, and as a fallback, a thread watches the parent's pid."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _extract_batch(repo: str | None, items: list[tuple[str, str, bytes | None]],
                   fingerprints: bool = True) -> list[tuple]:
    """In a worker: facts, encoded for the cache, their counts, and the fingerprint bands (None when
    not asked for). With ``repo``, the worker reads the blobs itself (the writer process neither
    reads nor ships them)."""
    out = []
    for path, blob, data in items:
        if data is None:
            reader = _READERS.get(repo) or _READERS.setdefault(repo, CatFile(repo))
            data = reader.read(blob)
        facts = extract(data, path)
        bands = (function_bands(data, facts.functions) if path.endswith(".c") else []) if fingerprints else None
        out.append((blob, encode(facts.to_row()), fact_counts(facts), bands))
    return out


def index_tree(tree: TreeSource, cache: FactsCache, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None, pool=None,
               fingerprints: bool = True) -> IndexStats:
    """``fingerprints``: also fill the near-copy index (fingerprint.py) that tree-wide near-duplicate
    search reads. ``pool``: where the batches run instead of a local process pool: anything with ``submit``
    returning futures (cluster.ClientPool for Dask workers, which then read the blobs of a git tree
    from their own copy at the same path). This process stays the one writer."""
    start = time.perf_counter()
    paths = [p for p in tree.files() if p.endswith((".c", ".h"))]
    stats = IndexStats(files=len(paths))
    jobs = getattr(pool, "workers", None) or jobs or os.cpu_count() or 1
    done = 0

    counted = cache.counts()  # one query: a warm run decodes nothing
    fingerprinted = cache.fingerprinted()
    repo = tree.repo_path if isinstance(tree, GitTree) else None

    def batches() -> Iterator[list[tuple[str, str, bytes | None]]]:
        """Files not cached yet, read lazily: only a few batches are held in memory at a time."""
        nonlocal done
        batch: list[tuple[str, str, bytes | None]] = []
        for path in paths:
            blob = tree.blob_id(path)
            counts = counted.get(blob) if blob else None
            if counts is not None and (not fingerprints or not path.endswith(".c") or blob in fingerprinted):
                _count(stats, counts)
                done += 1
                continue
            if blob is None:
                continue
            data = None if repo else tree.read(path)
            if repo or data is not None:
                batch.append((path, blob, data))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def collect(future) -> None:
        nonlocal done
        with cache.transaction():  # one commit per batch, not two per file
            for blob, encoded, counts, bands in future.result():
                cache.put_encoded(blob, encoded, counts)
                if bands is not None:
                    cache.put_fingerprints(blob, bands)
                _count(stats, counts)
                done += 1
                stats.parsed += 1
        if progress:
            progress(done, len(paths))

    if pool is None:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent, initargs=(os.getpid(),))
    with cache.bulk_fingerprints(), pool:
        pending: deque = deque()
        for batch in batches():
            pending.append(pool.submit(_extract_batch, repo, batch, fingerprints))
            if len(pending) >= 2 * jobs:
                collect(pending.popleft())
        while pending:
            collect(pending.popleft())
    if progress:
        progress(done, len(paths))
    stats.seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stats.peak_rss_mb = max(own, children) / 1024
    return stats


def _count(stats: IndexStats, counts: tuple[int, int, int]) -> None:
    functions, calls, errors = counts
    stats.functions += functions
    stats.calls += calls
    stats.files_with_errors += 1 if errors else 0

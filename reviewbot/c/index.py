"""Index every C file of a tree into the parse cache, in parallel, and count what was recovered.

The review only parses the files a series or a grep points at; the index is optional and makes
later reviews of the same tree (and tree-wide analyses) start warm.
"""
from __future__ import annotations

import ctypes
import multiprocessing
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
from typing import NamedTuple

from reviewbot.c.cache import FactsCache, encode, fact_counts
from reviewbot.c.extract import extract
from reviewbot.c.fingerprint import function_bands
from reviewbot.c.tree import CatFile, GitTree, OverlayTree, TreeSource

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


class _Span(NamedTuple):  # what fingerprint.function_bands reads of a function
    line: int
    body_start: int
    body_end: int


def _fingerprint_batch(repo: str | None, cache: FactsCache | str, items: list[tuple[str, str, bytes | None]]
                       ) -> list[tuple]:
    """The fingerprint bands of blobs whose facts are cached. No parse: the byte ranges of the
    function bodies are in the facts, so this costs reading the blob and hashing its tokens.
    ``cache``: the writer's own, or in a worker process the path of it (opened once per worker)."""
    if isinstance(cache, str):
        from pathlib import Path

        cache = _FP_READERS.get(cache) or _FP_READERS.setdefault(cache, FactsCache.reader(Path(cache)))
    out = []
    for _path, blob, data in items:
        spans = cache.function_spans(blob)
        if spans is None:
            continue
        if data is None:
            reader = _READERS.get(repo) or _READERS.setdefault(repo, CatFile(repo))
            data = reader.read(blob)
        out.append((blob, function_bands(data, [_Span(*s) for s in spans])))
    return out


_FP_READERS: dict[str, FactsCache] = {}


def fingerprint_blobs(tree: TreeSource, cache: FactsCache, paths: list[str], jobs: int | None = None,
                      progress: Callable[[int, int], None] | None = None) -> int:
    """Fill the near-copy index for ``paths`` (files whose facts are cached and whose blobs have no
    fingerprints yet), from the cached facts: how many blobs were fingerprinted."""
    if cache.db is None or not cache.writable or not paths:
        return 0
    repo = _git_repo(tree)
    items = []
    for path in paths:
        blob = tree.blob_id(path)
        if blob is None:
            continue
        from_git = repo is not None and (not isinstance(tree, OverlayTree) or path not in tree.changes)
        items.append((path, blob, None if from_git else tree.read(path)))
    batches = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
    jobs = jobs or os.cpu_count() or 1
    done = 0
    with cache.bulk_fingerprints():
        pool = None
        if len(batches) > 1 and jobs > 1 and not multiprocessing.current_process().daemon:
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent, initargs=(os.getpid(),))
            results = pool.map(_fingerprint_batch, [repo] * len(batches), [str(cache.path)] * len(batches), batches)
        else:  # few files, or inside a daemonic worker that may not start processes
            results = (_fingerprint_batch(repo, cache, b) for b in batches)
        try:
            for batch, result in zip(batches, results):
                with cache.transaction():
                    for blob, bands in result:
                        cache.put_fingerprints(blob, bands)
                done += len(batch)
                if progress:
                    progress(done, len(items))
        finally:
            if pool is not None:
                pool.shutdown()
    return len(items)


def _git_repo(tree: TreeSource) -> str | None:
    """The repository blobs can be read from by id: a git tree's, or the one under an overlay."""
    while isinstance(tree, OverlayTree):
        tree = tree.base
    return tree.repo_path if isinstance(tree, GitTree) else None


def index_tree(tree: TreeSource, cache: FactsCache, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None, pool=None,
               fingerprints: bool = False) -> IndexStats:
    """``fingerprints``: also fill the near-copy index (fingerprint.py) that tree-wide near-duplicate
    search reads (otherwise the first review that needs it fills it: ``ensure_fingerprints``); files
    whose facts are cached already are fingerprinted from those facts, without a parse. ``pool``:
    where the batches run instead of a local process pool: anything with ``submit`` returning futures
    (cluster.ClientPool for Dask workers, which then read the blobs of a git tree from their own copy
    at the same path). This process stays the one writer."""
    start = time.perf_counter()
    paths = [p for p in tree.files() if p.endswith((".c", ".h"))]
    stats = IndexStats(files=len(paths))
    jobs = getattr(pool, "workers", None) or jobs or os.cpu_count() or 1
    done = 0

    counted = cache.counts()  # one query: a warm run decodes nothing
    fingerprinted = cache.fingerprinted()
    repo = tree.repo_path if isinstance(tree, GitTree) else None
    fingerprint_later: list[str] = []  # parsed before: fingerprinted from their cached facts

    def batches() -> Iterator[list[tuple[str, str, bytes | None]]]:
        """Files not cached yet, read lazily: only a few batches are held in memory at a time."""
        nonlocal done
        batch: list[tuple[str, str, bytes | None]] = []
        for path in paths:
            blob = tree.blob_id(path)
            counts = counted.get(blob) if blob else None
            if counts is not None:
                _count(stats, counts)
                done += 1
                if fingerprints and path.endswith(".c") and blob not in fingerprinted:
                    fingerprint_later.append(path)
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
    if fingerprint_later:
        # on this machine, whatever ran the parse (a Dask pool's size is the cluster's); its own bar
        fingerprint_blobs(tree, cache, fingerprint_later, min(jobs, os.cpu_count() or 1), progress)
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


# A tree counts as indexed (so the near-copy index is worth completing) when the cache holds the
# facts of this share of its C files: a cache filled only by reviews holds a few hundred of them.
INDEXED_SHARE = 0.9


def ensure_fingerprints(tree: TreeSource, cache: FactsCache, blob_paths: dict[str, str],
                        say: Callable[[str], None] | None = None) -> int:
    """The lazy half of ``reviewbot index``: the first time near-duplicate search needs the
    near-copy index of an indexed tree, fingerprint the C files it lacks (from their cached facts;
    for Linux 6.1 about as long as the cold index itself, once; then only new blobs). ``blob_paths``
    (blob id -> a path) lists the tree's C files. How many files were fingerprinted."""
    if cache.db is None or not cache.writable or cache.facts_rows() < INDEXED_SHARE * len(blob_paths):
        return 0
    counted = cache.counts()
    patched = set(tree.changes) if isinstance(tree, OverlayTree) else set()  # new blobs by nature
    base = [b for b, p in blob_paths.items() if p not in patched]
    if not base or sum(1 for b in base if b in counted) < INDEXED_SHARE * len(base):
        return 0  # not an indexed tree: near-duplicate search keeps to files, directories and callees
    have = cache.fingerprinted()
    # the patch's own files are not the tree's: stored, they would crowd the index with every version
    # a review ever saw
    todo = [p for b, p in blob_paths.items() if p not in patched and b in counted and b not in have]
    if not todo:
        return 0
    if say is not None and len(todo) > BATCH:
        say(f"building the near-copy index of {len(todo)} files, once (`reviewbot index --fingerprints` "
            "does it up front)")
    return fingerprint_blobs(tree, cache, todo)

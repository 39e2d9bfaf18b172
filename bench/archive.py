#!/usr/bin/env python3
"""`reviewbot archive` sequentially and on a Dask LocalCluster of 1 and of 2 worker processes (one
thread each), on the same real input: Debian's patches for 6.1 as single-patch series (on
noise-base) plus the bundled series, against the whole Linux 6.1 tree.

Targets: 2 workers at least 1.7x faster than 1 worker; the Dask overhead per series (1 worker
against the sequential loop, cluster start-up left out and printed apart) under 10%.

Every run starts from the same warm parse cache (a warm-up pass fills it, then each worker gets
its own copy), so the runs do the same work; the figures are the review loop only.

    nice python bench/archive.py [LINUX_DIR] [--series DIR] [--limit N] [--base noise-base]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.linux_tree import default_path  # noqa: E402
from reviewbot.archive.runner import Progress, run_archive  # noqa: E402
from reviewbot.archive.sources import load_items  # noqa: E402
from reviewbot.archive.task import build_context  # noqa: E402
from reviewbot.cluster import local_cluster  # noqa: E402

BUNDLED = Path(__file__).resolve().parent.parent / "fixtures/series"


class _Quiet(Progress):
    def update(self, done: int) -> None:
        pass


def _mail_dir(series_dir: Path, limit: int | None, out: Path) -> Path:
    """One directory of patch mails (Debian's are single files without mbox "From " lines)."""
    out.mkdir()
    files = sorted(series_dir.glob("*.patch"))[:limit]
    files += sorted(BUNDLED.glob("*/*.patch"))
    for n, p in enumerate(files):
        shutil.copy(p, out / f"{n:04d}-{p.name}")
    return out


def _timed_run(items, ctx, out: Path, cache: Path, scheduler: str | None) -> tuple[float, float]:
    """Wall time of the run, and the time the reviews themselves took (summed over series, as each
    task measured it): the difference is what running them through Dask cost."""
    from reviewbot.archive.store import RESULTS, read_results

    start = time.perf_counter()
    stats = run_archive(items, ctx, out, scheduler=scheduler, cache_dir=cache, progress=_Quiet(len(items)))
    assert stats.reviewed == len(items) and not stats.lost, stats
    wall = time.perf_counter() - start
    return wall, sum(r["seconds"] for r in read_results(out / RESULTS))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("linux", nargs="?", default=str(default_path()))
    ap.add_argument("--series", default=str(Path(default_path()).parent / "noise-series"))
    ap.add_argument("--limit", type=int, default=None, help="only the first N Debian patches")
    ap.add_argument("--base", default="noise-base")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rb-bench-archive-"))
    mail = _mail_dir(Path(args.series), args.limit, work / "input")
    items = load_items(str(mail), args.linux)
    ctx = build_context(args.linux, base=args.base)
    print(f"{len(items)} series ({args.series} first {args.limit or 'all'} + bundled), tree {args.linux}")

    warm = work / "warm-cache"
    start = time.perf_counter()
    # in another process, so the measured sequential run starts as cold as a fresh worker process
    subprocess.run([sys.executable, "-m", "reviewbot", "archive", str(mail), "--tree", args.linux, "--base", args.base,
                    "-o", str(work / "warm-out"), "--cache-dir", str(warm)], capture_output=True, check=False)
    print(f"warm-up pass (fills the parse cache): {time.perf_counter() - start:.1f}s")

    def cache_copy(name: str, workers: list[str]) -> Path:
        target = work / name
        target.mkdir()
        for w in workers:
            shutil.copy(warm / "facts-local.sqlite3", target / f"facts-{w}.sqlite3")
        return target

    seq = _timed_run(items, ctx, work / "seq", cache_copy("c-seq", ["local"]), None)
    times = {}
    for n in (1, 2):
        start = time.perf_counter()
        cluster = local_cluster(n)  # as `archive --dask` starts it
        startup = time.perf_counter() - start
        try:
            caches = cache_copy(f"c-{n}", [f"worker-{i}" for i in range(n)])
            times[n] = _timed_run(items, ctx, work / f"dask{n}", caches, cluster.scheduler_address)
        finally:
            cluster.close()
        print(f"LocalCluster of {n} worker(s): start-up {startup:.1f}s (not counted below)")
    n = len(items)
    (seq, seq_review), (one, one_review), (two, _) = seq, times[1], times[2]
    print(f"sequential in-process:  {seq:7.1f}s  {seq / n * 1000:7.0f} ms/series "
          f"(reviews {seq_review / n * 1000:.0f} ms, loop and writing {(seq - seq_review) / n * 1000:.0f} ms)")
    print(f"Dask, 1 worker:         {one:7.1f}s  {one / n * 1000:7.0f} ms/series "
          f"(reviews {one_review / n * 1000:.0f} ms, Dask and writing {(one - one_review) / n * 1000:.0f} ms); "
          f"overhead {100 * (one / seq - 1):+.1f}% against sequential (target < 10%)")
    print(f"Dask, 2 workers:        {two:7.1f}s  {two / n * 1000:7.0f} ms/series; "
          f"speed-up {one / two:.2f}x against 1 worker (target >= 1.7x)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

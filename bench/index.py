#!/usr/bin/env python3
"""`reviewbot index` on the whole Linux 6.1 tree against the raw tree-sitter parse of the same files
with the same number of processes (target: at most 1.2x), then from the warm cache (target: < 5 s),
with peak memory. Also reports how many definitions and calls extraction recovered next to a
kernel-style scan (`git grep` of column-0 definitions).

    python bench/index.py [LINUX_DIR] [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.linux_tree import default_path  # noqa: E402


def _raw_parse(paths: list[str]) -> int:
    from reviewbot.c.parse import parse

    for p in paths:
        with open(p, "rb") as fh:
            parse(fh.read(), blank=False)
    return len(paths)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("linux", nargs="?", default=str(default_path()))
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    tree = args.linux
    files = subprocess.run(["git", "-C", tree, "ls-files", "*.c", "*.h"], capture_output=True, text=True).stdout.split()
    full = [os.path.join(tree, f) for f in files]
    chunks = [full[i:i + 64] for i in range(0, len(full), 64)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        sum(pool.map(_raw_parse, chunks))
    raw = time.perf_counter() - start
    env = dict(os.environ, REVIEWBOT_CACHE_DIR=tempfile.mkdtemp(prefix="rb-index-"))
    argv = [sys.executable, "-m", "reviewbot", "index", "--tree", tree, "--jobs", str(args.jobs)]
    start = time.perf_counter()
    cold = subprocess.run(argv, capture_output=True, text=True, env=env)
    cold_t = time.perf_counter() - start
    start = time.perf_counter()
    warm = subprocess.run(argv, capture_output=True, text=True, env=env)
    warm_t = time.perf_counter() - start
    defs = subprocess.run(["git", "-C", tree, "grep", "-c", "-E", r"^[a-zA-Z_][a-zA-Z0-9_ \*]*\b[a-z_][a-z0-9_]*\(",
                           "--", "*.c"], capture_output=True, text=True).stdout
    scan = sum(int(line.rsplit(":", 1)[1]) for line in defs.splitlines() if ":" in line)
    print(f"{len(files)} .c/.h files, {args.jobs} processes")
    print(f"raw tree-sitter parse:        {raw:7.1f}s")
    print(f"reviewbot index (cold):       {cold_t:7.1f}s  ratio {cold_t / raw:4.2f}x raw parse (target <= 1.2x)")
    print(f"reviewbot index (warm cache): {warm_t:7.1f}s  (target < 5 s)")
    print(f"  {cold.stdout.strip() or cold.stderr.strip()[-300:]}")
    print(f"  {warm.stdout.strip() or warm.stderr.strip()[-300:]}")
    m = re.search(r"(\d+) function definitions", cold.stdout)
    if m:
        print(f"definitions recovered: {m.group(1)}; column-0 'name(' lines git grep finds in .c files: {scan} "
              f"(an upper bound: prototypes and macros included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

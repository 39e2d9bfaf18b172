#!/usr/bin/env python3
"""Review of a 3-patch series changing an exported function's signature, against checkpatch.pl.

The series (fixtures/series/insert-pfn-mkwrite-v3) changes vmf_insert_mixed() and converts its
callers over three patches. reviewbot applies it to the whole Linux 6.1 tree in memory and checks
every call site after every patch; checkpatch.pl runs on the same three patches. Same run, same
machine; prints both times and the ratio (target: reviewbot at most 2x checkpatch).

    python bench/review.py [LINUX_DIR]
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.linux_tree import default_path  # noqa: E402

SERIES = REPO / "fixtures/series/insert-pfn-mkwrite-v3"


def main() -> int:
    tree = sys.argv[1] if len(sys.argv) > 1 else str(default_path())
    patches = sorted(p for p in SERIES.glob("v3-000[1-9]-*.patch"))
    start = time.perf_counter()
    subprocess.run(["perl", f"{tree}/scripts/checkpatch.pl", "--no-summary", "--terse", *map(str, patches)],
                   cwd=tree, capture_output=True)
    checkpatch = time.perf_counter() - start
    env = dict(os.environ, REVIEWBOT_CACHE_DIR=tempfile.mkdtemp(prefix="rb-bench-"))
    argv = [sys.executable, "-m", "reviewbot", "review", str(SERIES), "--tree", tree, "--base", "base",
            "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, text=True, env=env)
    warm = time.perf_counter() - start
    import json

    findings = json.loads(proc.stdout)["findings"] if proc.returncode == 0 else []
    print(f"checkpatch.pl on {len(patches)} patches:          {checkpatch:7.2f}s")
    print(f"reviewbot review, cold parse cache:   {cold:7.2f}s  ratio {cold / checkpatch:4.2f}x checkpatch")
    print(f"reviewbot review, warm parse cache:   {warm:7.2f}s  ratio {warm / checkpatch:4.2f}x checkpatch "
          f"(target <= 2x)")
    print(f"findings: {len(findings)} ({sum(f['rule'] == 'RB-API-CALLER' for f in findings)} call sites)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

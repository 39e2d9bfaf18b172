#!/usr/bin/env python3
"""`reviewbot callers` against `git grep -w` and Coccinelle's `spatch --use-gitgrep`, same run, same tree.

Prints each time, the ratio, and whether the call sites found are the same as spatch's.

    python bench/callers.py [LINUX_DIR] [--symbol vmf_insert_mixed]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.linux_tree import default_path  # noqa: E402

COCCI = """@r@
expression list args;
position p;
@@
{symbol}@p(args)

@script:python@
p << r.p;
@@
print("HIT %s:%s" % (p[0].file, p[0].line))
"""


def timed(argv, cwd, env=None):
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, proc


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("linux", nargs="?", default=str(default_path()))
    ap.add_argument("--symbol", default="vmf_insert_mixed")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tree, sym = args.linux, args.symbol
    env = dict(os.environ, REVIEWBOT_CACHE_DIR=tempfile.mkdtemp(prefix="rb-bench-"))
    grep_t = min(timed(["git", "grep", "-w", sym, "--", "*.c", "*.h"], tree)[0] for _ in range(args.runs))
    cold, proc = timed([sys.executable, "-m", "reviewbot", "callers", sym, "--tree", tree, "--format", "json"],
                       tree, env)
    warm = min(timed([sys.executable, "-m", "reviewbot", "callers", sym, "--tree", tree, "--format", "json"],
                     tree, env)[0] for _ in range(args.runs))
    ours = {(c["file"], c["line"]) for c in json.loads(proc.stdout)["calls"]}
    print(f"git grep -w {sym}:          {grep_t:7.3f}s")
    print(f"reviewbot callers (cold):   {cold:7.3f}s  ratio {cold / grep_t:5.1f}x git grep")
    print(f"reviewbot callers (warm):   {warm:7.3f}s  ratio {warm / grep_t:5.1f}x git grep  (target <= 1.5x)")
    print(f"call sites found: {len(ours)}")
    spatch = shutil.which("spatch")
    if spatch is None:
        print("spatch: not installed (apt-get install coccinelle) - no comparison")
        return 0
    with tempfile.NamedTemporaryFile("w", suffix=".cocci", delete=False) as fh:
        fh.write(COCCI.format(symbol=sym))
    sp_t, sp = timed([spatch, "--very-quiet", "--use-gitgrep", "--dir", ".", "--sp-file", fh.name], tree)
    theirs = {(m.group(1).removeprefix("./"), int(m.group(2))) for m in re.finditer(r"HIT (\S+):(\d+)", sp.stdout)}
    print(f"spatch --use-gitgrep:       {sp_t:7.3f}s  reviewbot warm is {warm / sp_t:5.2f}x spatch")
    print(f"same call sites as spatch: {ours == theirs} (reviewbot {len(ours)}, spatch {len(theirs)})")
    for missing in sorted(theirs - ours):
        print(f"  only spatch: {missing}")
    for extra in sorted(ours - theirs):
        print(f"  only reviewbot: {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Definitions recovered by reviewbot's extraction against Universal Ctags on the whole tree.

Every C function definition ctags finds in the .c/.h files (kind "function") is looked up among
the definitions extraction gives for the same file: by name, or by line where a defining macro
(SYSCALL_DEFINEn, BPF_CALL_n) makes ctags name the macro and reviewbot the function it defines.
Prints recall, what reviewbot finds that ctags does not, and the folders with most misses.
Needs `ctags` (Debian: universal-ctags); facts come from the parse cache (`reviewbot index` first
makes this fast).

    python bench/ctags.py [LINUX_DIR] [--jobs N] [--show N]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.linux_tree import default_path  # noqa: E402
from reviewbot.c.cache import FactsCache  # noqa: E402
from reviewbot.c.index import index_tree  # noqa: E402
from reviewbot.c.tree import GitTree  # noqa: E402

_DEFINING = {f"{m}{n}" for m in ("SYSCALL_DEFINE", "COMPAT_SYSCALL_DEFINE", "BPF_CALL_") for n in range(7)}


def ctags_functions(tree: str, files: list[str]) -> dict[str, dict[int, str]]:
    """path -> {line: name} of ctags' C function tags."""
    proc = subprocess.run(["ctags", "--output-format=json", "--fields=+nK", "--kinds-C=f", "--language-force=C",
                           "-L", "-", "-o", "-"], input="\n".join(files), capture_output=True, text=True, cwd=tree)
    out: dict[str, dict[int, str]] = {}
    for line in proc.stdout.splitlines():
        try:
            tag = json.loads(line)
        except json.JSONDecodeError:
            continue
        if tag.get("_type") == "tag" and tag.get("kind") == "function":
            out.setdefault(tag["path"], {})[tag["line"]] = tag["name"]
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("linux", nargs="?", default=str(default_path()))
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--show", type=int, default=15)
    args = ap.parse_args()
    if not shutil.which("ctags"):
        print("ctags not found (apt-get install universal-ctags)")
        return 2
    tree = GitTree(args.linux, "HEAD")
    if not tree._worktree_matches():
        print(f"{args.linux}: the checkout differs from HEAD; ctags reads the files on disk")
        return 2
    files = sorted(p for p in tree.files() if p.endswith((".c", ".h")))
    start = time.perf_counter()
    tags = ctags_functions(args.linux, files)
    ctags_t = time.perf_counter() - start
    cache = FactsCache()
    start = time.perf_counter()
    index_tree(tree, cache, args.jobs)
    index_t = time.perf_counter() - start
    total = found = ours_only = macro_like = 0
    misses: list[str] = []
    by_folder: Counter[str] = Counter()
    for path in files:
        facts = cache.facts(tree, path)
        ours = {f.name: f.line for f in facts.functions} if facts else {}
        lines = set(ours.values())
        theirs = tags.get(path, {})
        for line, name in theirs.items():
            total += 1
            if name in ours or line in lines:
                found += 1
            elif name.isupper() and name not in _DEFINING:  # "ATOMIC_OPS(add)": a macro call, not a definition
                macro_like += 1
            else:
                misses.append(f"{path}:{line} {name}")
                by_folder["/".join(path.split("/")[:2])] += 1
        their_names = set(theirs.values())
        their_lines = set(theirs)
        ours_only += sum(1 for name, line in ours.items() if name not in their_names and line not in their_lines)
    cache.close()
    print(f"{len(files)} .c/.h files; ctags {ctags_t:.0f}s, reviewbot index {index_t:.0f}s (warm if indexed before)")
    print(f"function definitions ctags finds: {total}; recovered by reviewbot: {found} ({found / max(total, 1):.2%})")
    print(f"  of the {total - found} others, {macro_like} are all-capitals macro invocations ctags takes for "
          f"definitions; recall on the rest: {found / max(total - macro_like, 1):.2%}")
    print(f"definitions reviewbot finds that ctags does not: {ours_only}")
    print("folders with most misses: " + ", ".join(f"{d} {n}" for d, n in by_folder.most_common(8)))
    for miss in misses[:args.show]:
        print(f"  missed {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

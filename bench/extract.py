#!/usr/bin/env python3
"""How well extraction survives kernel C: ERROR-node rate raw vs after macro blanking, and the
definitions a kernel-style line scan finds that extraction recovers (recall), per folder of 6.1.

    python bench/extract.py mm kernel fs/ext4 include/linux [--linux DIR]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.linux_tree import default_path  # noqa: E402
from reviewbot.c.extract import extract  # noqa: E402
from reviewbot.c.parse import _ANNOTATION_CALLS, count_errors, parse  # noqa: E402

# A definition in kernel style: name( at column 0 (after its type), parameters, ')' then '{' alone.
DEFINITION = re.compile(rb"^[A-Za-z_][\w \t\*]*?\b(\w+)\((?:[^;{}]|\n)*?\)\s*\n\{", re.MULTILINE)
NOT_NAMES = set(_ANNOTATION_CALLS) | {"if", "for", "while", "switch", "return", "sizeof", "__attribute",
                                      "__attribute__"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="*", default=["mm", "kernel", "fs/ext4", "include/linux"])
    ap.add_argument("--linux", default=str(default_path()))
    args = ap.parse_args()
    root = Path(args.linux)
    files = sorted(p for d in args.folders for p in (root / d).rglob("*.[ch]"))
    raw = blanked = found = recovered = size = 0
    misses = []
    start = time.perf_counter()
    for path in files:
        src = path.read_bytes()
        size += len(src)
        raw += bool(count_errors(parse(src, blank=False).root_node))
        blanked += bool(count_errors(parse(src).root_node))
        names = {fn.name for fn in extract(src, str(path)).functions}
        for m in DEFINITION.finditer(src):
            name = m.group(1).decode()
            if name in NOT_NAMES:
                continue
            found += 1
            if name in names:
                recovered += 1
            else:
                line = src.count(b"\n", 0, m.start()) + 1
                misses.append(f"{path.relative_to(root)}:{line} {name}")
    n = max(len(files), 1)
    print(f"{' '.join(args.folders)}: {len(files)} files, {size / 1e6:.1f} MB, {time.perf_counter() - start:.0f}s")
    print(f"files with ERROR nodes: raw {raw / n:.0%}, after blanking {blanked / n:.0%}")
    print(f"definitions found by a line scan: {found}; extracted: {recovered} ({recovered / max(found, 1):.2%})")
    for miss in misses[:15]:
        print(f"  missed {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Tree-wide near-copy lookup: recall and speed of the MinHash index against every function of 6.1.

Takes random functions of the indexed tree, makes a near copy of each the way a patch would (a
literal flipped, a local renamed, a line dropped), and asks the fingerprint index for candidates:
how often the original is among them, how many candidates come back, and how long a lookup takes
next to the number of functions indexed. Run `reviewbot index --tree LINUX` first.

    python bench/neardup.py [LINUX_DIR] [--samples 300]
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.linux_tree import default_path  # noqa: E402
from reviewbot.c import fingerprint  # noqa: E402
from reviewbot.c.cache import FactsCache  # noqa: E402
from reviewbot.c.tree import GitTree  # noqa: E402

EDITS = {
    "flip a literal": lambda body: re.sub(rb"\bfalse\b|\b0\b", b"1", body, count=1),
    "rename a local": lambda body: re.sub(rb"\b(ret|err|error|i|rc|val)\b", rb"\1_x", body),
    "drop a line": lambda body: b"\n".join(line for n, line in enumerate(body.split(b"\n")) if n != 2),
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("linux", nargs="?", default=str(default_path()))
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--samples", type=int, default=300)
    args = ap.parse_args()
    tree = GitTree(args.linux, args.rev)
    cache = FactsCache()
    indexed = cache.fingerprinted_blobs()
    if not indexed:
        print("no fingerprint index: run reviewbot index --tree", args.linux)
        return 2
    functions = cache.db.execute("SELECT COUNT(DISTINCT blob_id || ':' || line) FROM fp1").fetchone()[0]
    rng = random.Random(6)
    files = [p for p in tree.files() if p.endswith(".c")]
    results: dict[str, list[bool]] = {name: [] for name in EDITS}
    times: list[float] = []
    sizes: list[int] = []
    while len(times) < args.samples * len(EDITS):
        path = rng.choice(files)
        facts, data = cache.facts(tree, path), tree.read(path)
        if not facts or not facts.functions or data is None:
            continue
        fn = rng.choice(facts.functions)
        body = data[fn.body_start:fn.body_end]
        if len(fingerprint.normalised_tokens(body)) < 60:
            continue
        blob = tree.blob_id(path)
        for name, edit in EDITS.items():
            copy = edit(body)
            start = time.perf_counter()
            (sig,) = fingerprint.signatures([copy])
            matches = cache.fingerprint_matches(fingerprint.bands(sig)) if sig is not None else {}
            times.append(time.perf_counter() - start)
            sizes.append(len(matches))
            results[name].append((blob, fn.line) in matches)
    cache.close()
    print(f"index: {indexed} files, {functions} functions fingerprinted")
    for name, hits in results.items():
        print(f"  near copy by '{name}': original found {sum(hits)}/{len(hits)} ({sum(hits) / len(hits):.1%})")
    times.sort()
    print(f"lookup: median {statistics.median(times) * 1000:.1f} ms, 95th percentile "
          f"{times[int(len(times) * 0.95)] * 1000:.1f} ms; candidates returned: median {statistics.median(sizes):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""False-finding measure: review real, accepted kernel patches and print what reviewbot says.

Uses the range noise-base..noise-tip that ../shared/tools/make-noise-base.sh builds in the Linux
6.1 repository (Debian's kernel patches as 129 commits on 6.1). Every finding is printed with its
patch, so a person can judge it; the summary gives findings per rule and per 10 patches (target:
at most 1 wrong finding per 10 real patches).

    python bench/noise.py [LINUX_DIR] [--range noise-base..noise-tip]
    python bench/noise.py --mail ~/.cache/reviewbot/noise-series   # the same patches as mail files

As commits, Debian's patches have lost their DEP-3 headers (git mailinfo drops "Forwarded:",
"Bug-Debian:"), so RB0101 reports the missing Signed-off-by of patches Debian never sent
upstream; read as the .patch files they are, the DEP-3 headers tell reviewbot so.
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.linux_tree import default_path  # noqa: E402
from reviewbot.ingest.load import load_mail  # noqa: E402
from reviewbot.model import Series  # noqa: E402
from reviewbot.pipeline import ReviewOptions, review_input, review_series  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("linux", nargs="?", default=str(default_path()))
    ap.add_argument("--range", default="noise-base..noise-tip")
    ap.add_argument("--mail", help="review this directory of .patch mails (on --base) instead of the range")
    ap.add_argument("--base", default="noise-base")
    args = ap.parse_args()
    start = time.perf_counter()
    if args.mail:
        # Debian's series is a quilt stack: the patches apply in file order, each on the ones before
        data = load_mail(args.mail)
        patches = [p for g in data.groups for v in g.versions for p in v.patches]
        patches.sort(key=lambda p: p.message.source if p.message else "")
        patches = [replace(p, index=n, total=len(patches)) for n, p in enumerate(patches, 1)]
        series = Series(subject=f"{args.mail} (quilt order)", patches=patches, expected_total=len(patches))
        reviews = [review_series(series, args.linux, ReviewOptions(base=args.base))]
    else:
        reviews = review_input(args.range, args.linux, ReviewOptions())
    elapsed = time.perf_counter() - start
    findings = 0
    by_rule: collections.Counter[str] = collections.Counter()
    n = 0
    for review in reviews:
        by_rule.update(f.rule for f in review.findings)
        findings += len(review.findings)
        n += len(review.series.patches)
        subjects = {p.index: p.subject for p in review.series.patches}
        for f in review.findings:
            print(f"[{f.patch:>3}] {subjects.get(f.patch, '')[:60]}\n      {f.file}:{f.line}: {f.rule}: {f.message}")
        for s in review.skipped:
            print(f"skipped: {s.what}: {s.reason}")
    print(f"\n{n} patches reviewed in {elapsed:.1f}s ({elapsed / max(n, 1):.2f}s per patch)")
    print(f"{findings} findings, {10 * findings / max(n, 1):.2f} per 10 patches")
    for rule, count in by_rule.most_common():
        print(f"  {rule:<20} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How reviewbot's cost grows with what a stranger's mail can make large, and the limits a bot should set.

    python bench/limits.py [--quick]

For each dimension (thread depth, References per mail, messages per mailbox, files per patch,
hunks per file, hostile text in a header the typedef lookup of the call-site check reads) inputs
are generated at doubling sizes and run through the stage that reads them
(mail: read + thread + series, ``ingest.load.load_mail``; patches: ``c.apply.apply_series`` onto a
tree of generated kernel-shaped files, plus ``git patch-id`` and the file list). Printed per
dimension: CPU seconds and peak Python allocation (tracemalloc, a separate run) at each size, and
the growth ratio per doubling, whose reference is 2.0 (linear) measured in the same run. A ratio
above 2.6 at the largest sizes is flagged SUPERLINEAR and the script exits 1.

Then the limits: from the measured cost per byte / per patch line, the largest mail, patch and
thread a bot can take inside a time budget per message (default 10 s on this machine).
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from reviewbot.c.apply import apply_series
from reviewbot.c.tree import DirTree
from reviewbot.ingest.load import load_mail
from reviewbot.model import Patch

SUPERLINEAR = 2.6  # per doubling: 2.0 is linear, 2.6 is about n^1.4
BUDGET_SECONDS = 10.0  # what one incoming mail may cost a bot
FUNCTION = """
static int {name}(struct vm_area_struct *vma, unsigned long addr)
{{
\tstruct mm_struct *mm = vma->vm_mm;
\tint ret = 0;

\tmmap_assert_locked(mm);
\tif (addr >= vma->vm_end)
\t\treturn -EINVAL;
\tret = handle_mm_fault(vma, addr, FAULT_FLAG_WRITE, NULL);
\treturn ret;
}}
"""


def _mail(n: int, subject: str, msgid: str, parent: str | None, refs: list[str], body: str) -> str:
    head = [f"From reviewbot@localhost Mon Jul 24 11:06:{n % 60:02d} 2017",
            "From: Ross Zwisler <ross.zwisler@linux.intel.com>",
            "To: linux-mm@kvack.org", f"Subject: {subject}",
            f"Date: Mon, 24 Jul 2017 11:{(n // 60) % 60:02d}:{n % 60:02d} -0600", f"Message-ID: <{msgid}>"]
    if parent:
        head.append(f"In-Reply-To: <{parent}>")
    if refs:
        head.append("References: " + "\n ".join(f"<{r}>" for r in refs))
    return "\n".join(head) + "\n\n" + body + "\n"


def _patch_body(files: int, hunks: int) -> str:
    diff = []
    for f in range(files):
        diff += [f"diff --git a/mm/gen{f}.c b/mm/gen{f}.c", f"--- a/mm/gen{f}.c", f"+++ b/mm/gen{f}.c"]
        for h in range(hunks):
            start = h * 13 + 3
            diff += [f"@@ -{start},5 +{start},5 @@", " {", "-\tstruct mm_struct *mm = vma->vm_mm;",
                     "+\tstruct mm_struct *mm = READ_ONCE(vma->vm_mm);", " \tint ret = 0;", " ",
                     " \tmmap_assert_locked(mm);"]
    return ("mm: read vm_mm once\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n---\n"
            + "\n".join(diff) + "\n")


def thread_depth(n: int, where: Path) -> Callable[[], object]:
    """One patch and n replies, each answering the one before (References: root and parent)."""
    root = "patch-0@kvack.org"
    mails = [_mail(0, "[PATCH] mm: read vm_mm once", root, None, [], _patch_body(1, 1))]
    for k in range(1, n + 1):
        parent = root if k == 1 else f"reply-{k - 1}@kvack.org"
        mails.append(_mail(k, "Re: [PATCH] mm: read vm_mm once", f"reply-{k}@kvack.org", parent,
                           [root, parent] if parent != root else [root], f"> quoted\n\nreply number {k}\n"))
    return _mailbox(mails, where)


def references_length(n: int, where: Path) -> Callable[[], object]:
    """A patch and 20 replies, each with n References (ids of mails the mailbox does not hold)."""
    root = "patch-0@kvack.org"
    mails = [_mail(0, "[PATCH] mm: read vm_mm once", root, None, [], _patch_body(1, 1))]
    for k in range(1, 21):
        refs = [f"old-{k}-{i}@kvack.org" for i in range(n)] + [root]
        mails.append(_mail(k, "Re: [PATCH] mm: read vm_mm once", f"reply-{k}@kvack.org", root, refs, "Looks odd.\n"))
    return _mailbox(mails, where)


def messages_per_mailbox(n: int, where: Path) -> Callable[[], object]:
    """n one-patch series with their replies (half patches, half replies)."""
    mails = []
    for k in range(n // 2):
        pid = f"patch-{k}@kvack.org"
        mails.append(_mail(2 * k, f"[PATCH] mm: read vm_mm once in gen{k}", pid, None, [], _patch_body(1, 1)))
        mails.append(_mail(2 * k + 1, f"Re: [PATCH] mm: read vm_mm once in gen{k}", f"reply-{k}@kvack.org", pid,
                           [pid], "> quoted\n\nAcked-by: Jan Kara <jack@suse.cz>\n"))
    return _mailbox(mails, where)


def _mailbox(mails: list[str], where: Path) -> Callable[[], object]:
    path = where / "box.mbox"
    path.write_text("\n".join(mails))
    return lambda: load_mail(path)


def files_per_patch(n: int, where: Path) -> Callable[[], object]:
    return _patch_run(files=n, hunks=2, where=where)


def hunks_per_file(n: int, where: Path) -> Callable[[], object]:
    return _patch_run(files=1, hunks=n, where=where)


def _patch_run(files: int, hunks: int, where: Path) -> Callable[[], object]:
    tree = where / "tree"
    (tree / "mm").mkdir(parents=True, exist_ok=True)
    for f in range(files):
        (tree / f"mm/gen{f}.c").write_text("".join(FUNCTION.format(name=f"gen{f}_{h}") for h in range(hunks)))
    body = _patch_body(files, hunks)
    diff = body.split("\n---\n", 1)[1]
    (where / "patch.diff").write_text(diff)  # the input, as measure() counts it (the tree is not input)

    def run():
        patch = Patch(index=1, total=1, subject="mm: read vm_mm once", author="Ross Zwisler <r@x>",
                      commit_message="", diff_text=diff)
        (step,) = apply_series(DirTree(tree), [patch])
        assert step.applied, step.failed[:1]
        return patch.patch_id, patch.files
    return run


def typedef_header(n: int, where: Path) -> Callable[[], object]:
    """A header a patch brings: n times "typedef (" without a ";", naming get_block_t, beside the
    real typedef a uses-as-a-value check looks up (c.values.typedef_type)."""
    from reviewbot.c import values

    (where / "include/linux").mkdir(parents=True)
    (where / "include/linux/evil.h").write_text("typedef (" * n + " get_block_t\n")
    (where / "include/linux/fs.h").write_text("typedef int (get_block_t)(struct inode *inode, sector_t iblock,\n"
                                              "\t\t\tstruct buffer_head *bh_result, int create);\n")
    tree = DirTree(where)

    def run():
        values._TYPEDEFS.clear()  # its memo would answer the repeats
        return values.typedef_type("get_block_t", tree)
    return run


DIMENSIONS = [
    ("thread depth (replies in one chain)", thread_depth, 250),
    ("References per mail", references_length, 500),
    ("messages per mailbox", messages_per_mailbox, 250),
    ("files per patch", files_per_patch, 50),
    ("hunks per file", hunks_per_file, 100),
    ("'typedef (' in a header a typedef lookup reads", typedef_header, 4000),
]


def measure(make: Callable[[int, Path], Callable[[], object]], n: int) -> tuple[float, float, int]:
    """(CPU seconds, peak MB allocated, input bytes) of one run at size n (best of 3 for time)."""
    with tempfile.TemporaryDirectory() as tmp:
        run = make(n, Path(tmp))
        # the input: what a bot would be handed (mail, a diff), not the tree a patch applies to
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*")
                   if p.is_file() and "tree" not in p.relative_to(tmp).parts[:1])
        best = math.inf
        for _ in range(3):
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return best, peak, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three sizes instead of four")
    args = parser.parse_args()
    steps = 3 if args.quick else 4
    worst = 0.0
    per_byte: dict[str, float] = {}
    for title, make, base in DIMENSIONS:
        sizes = [base * 2 ** k for k in range(steps)]
        rows = [measure(make, n) for n in sizes]
        print(f"\n{title}")
        print(f"  {'n':>7} {'cpu s':>8} {'peak MB':>8} {'input KB':>9} {'time x':>7} {'mem x':>6}")
        for k, (n, (seconds, peak, size)) in enumerate(zip(sizes, rows)):
            t_ratio = seconds / rows[k - 1][0] if k and rows[k - 1][0] > 0 else float("nan")
            m_ratio = peak / rows[k - 1][1] if k and rows[k - 1][1] > 0 else float("nan")
            print(f"  {n:>7} {seconds:>8.3f} {peak:>8.1f} {size / 1024:>9.0f} {t_ratio:>7.2f} {m_ratio:>6.2f}")
        last_t = rows[-1][0] / rows[-2][0] if rows[-2][0] > 0 else 0.0
        last_m = rows[-1][1] / rows[-2][1] if rows[-2][1] > 0 else 0.0
        verdict = "SUPERLINEAR" if max(last_t, last_m) > SUPERLINEAR else "linear"
        print(f"  growth per doubling at the largest size: time {last_t:.2f}x, memory {last_m:.2f}x "
              f"(reference: linear = 2.00x): {verdict}")
        worst = max(worst, last_t, last_m)
        per_byte[title] = rows[-1][0] / rows[-1][2]
    mail_rate = max(per_byte["messages per mailbox"], per_byte["thread depth (replies in one chain)"],
                    per_byte["References per mail"])
    patch_rate = max(per_byte["files per patch"], per_byte["hunks per file"])
    print(f"\nlimits for a bot, for at most {BUDGET_SECONDS:.0f} s of CPU per input on this machine "
          "(measured costs above; set them below these):")
    print(f"  largest mailbox / thread read at once: {BUDGET_SECONDS / mail_rate / 1e6:.0f} MB "
          f"({1 / mail_rate / 1e6:.2f} MB per CPU second)")
    print(f"  largest patch (diff text: parsed, applied, patch-id): {BUDGET_SECONDS / patch_rate / 1e6:.0f} MB "
          f"({1 / patch_rate / 1e6:.2f} MB per CPU second)")
    print("  largest single mail: the smaller of the two; reviewbot itself refuses inputs over "
          "MAX_INPUT_BYTES (ingest/mailread.py)")
    return 1 if worst > SUPERLINEAR else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Real-history benchmark of the call-site check (RB-API-CALLER): precision and recall on commits
maintainers merged, each of which builds.

Takes a C project with mail-reviewed, kernel-style code and its full history (kdave/btrfs-progs
shares much of its code with fs/btrfs), finds the recent commits that change a function's
parameters (or remove / rename a function) and update its callers in other files, and reviews each:

- unchanged: every RB-API-CALLER there is a false error (the commit was merged and builds; with
  ``--build`` each reported file is compiled with ``gcc -fsyntax-only`` at that commit to say so);
- with one caller file's update removed: each call site of that file that no longer matches the
  new signature must be found (recall).

Each commit is reviewed twice, by this checkout's code and by a reference version of reviewbot
(``--reference REF``, default: main before the call-site rework), extracted with ``git archive``
into a temporary directory and run in a subprocess, so the time per series is compared in the
same run. Only the in-memory apply and the call-site check are timed (the part that changed).

    python bench/history.py ~/.cache/reviewbot/btrfs-progs [--scan 800] [--max 25] [--build]
    python bench/history.py ~/.cache/reviewbot/linux-6.1 --range noise-base..noise-tip

The repository is never fetched or modified here: get it yourself (git clone
https://github.com/kdave/btrfs-progs ~/.cache/reviewbot/btrfs-progs); absent, the bench says so
and exits 0.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import replace
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REFERENCE = "789d3c2"  # main just before the call-site rework (resolution against the tree after the patch)
DIFF_SPLIT = re.compile(r"^diff --git ", re.MULTILINE)


def _git(repo: str, *args: str, revs: list[str] | None = None, paths: list[str] | None = None) -> str:
    from reviewbot.gitcmd import run_git

    return run_git(repo, *args, revs=revs, paths=paths, text=True).stdout


def drop_file(diff_text: str, path: str) -> str:
    """The diff without the section of ``path``."""
    parts = DIFF_SPLIT.split(diff_text)
    kept = [parts[0]] + [p for p in parts[1:] if not p.startswith(f"a/{path} b/{path}\n")]
    return "diff --git ".join(kept)


# ---- worker: one review with whatever reviewbot is first on sys.path -------------------------------

def worker(repo: str, commit: str, drop: str | None) -> dict:
    from reviewbot.c.apply import apply_series
    from reviewbot.c.cache import FactsCache
    from reviewbot.c.callsites import verify_series
    from reviewbot.c.tree import GitTree
    from reviewbot.ingest.gitrange import series_from_git

    series = series_from_git(repo, f"{commit}^..{commit}")
    if drop:
        series.patches[:] = [replace(p, diff_text=drop_file(p.diff_text, drop)) for p in series.patches]
    tree = GitTree(repo, f"{commit}^")
    cache = FactsCache()
    start = time.perf_counter()
    steps = apply_series(tree, series.patches)
    findings, _ = verify_series(steps, cache)
    seconds = time.perf_counter() - start
    cache.close()
    tree.close()
    return {"seconds": seconds, "applied": all(s.applied for s in steps),
            "findings": [{"rule": f.rule, "severity": f.severity.value, "file": f.file, "line": f.line,
                          "patch": f.patch, "message": f.message} for f in findings]}


def run_worker(code: Path | None, repo: str, commit: str, drop: str | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code) if code else str(ROOT)
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", repo, commit]
    argv += ["--drop", drop] if drop else []
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout)


# ---- choosing the commits ---------------------------------------------------------------------------

def candidates(repo: str, scan: int, revision_range: str | None) -> list[str]:
    """Non-merge commits touching 3+ C files whose diff changes a declaration-looking line."""
    revs = [revision_range] if revision_range else ["HEAD"]
    out = _git(repo, "log", "--no-merges", f"-n{scan}", "--format=@%H", "--name-only", revs=revs,
               paths=["*.c", "*.h"])
    chosen = []
    for block in out.split("@")[1:]:
        sha, *files = [x for x in block.split("\n") if x]
        if len([f for f in files if f.endswith((".c", ".h"))]) >= 3:
            chosen.append(sha)
    return chosen


def signature_changes(repo: str, commit: str) -> list[tuple[object, list[str]]]:
    """(contract, caller files) for the functions ``commit`` re-signs, removes, renames or moves
    away from a file, with the other files whose calls of it the commit updates."""
    from reviewbot.c.apply import apply_series
    from reviewbot.c.callsites import contracts_of_step
    from reviewbot.c.tree import GitTree
    from reviewbot.ingest.gitrange import series_from_git

    series = series_from_git(repo, f"{commit}^..{commit}")
    tree = GitTree(repo, f"{commit}^")
    try:
        (step,) = apply_series(tree, series.patches)
        if not step.applied:
            return []
        found = []
        for contract in contracts_of_step(step, 1):
            if contract.old_static or contract.change.kind not in ("params", "removed", "renamed"):
                continue
            found.append((contract, caller_files(series.patches[0].diff_text, contract.name, contract.change.file)))
        # a commit that updates callers is a recall case; moves and removals without callers to update
        # are precision cases only (the most frequent false errors were moves)
        return sorted(found, key=lambda c: not c[1])
    finally:
        tree.close()


def caller_files(diff_text: str, name: str, defined_in: str) -> list[str]:
    """Files (not the definition's, not headers) whose removed lines call ``name``."""
    out = []
    call = re.compile(r"^-.*(?<![\w.>])" + re.escape(name) + r"\s*\(", re.MULTILINE)
    for section in DIFF_SPLIT.split(diff_text)[1:]:
        path = section.split("\n", 1)[0].split(" b/", 1)[-1]
        if path.endswith(".c") and path != defined_in and call.search(section):
            out.append(path)
    return sorted(out)


def broken_sites(repo: str, commit: str, path: str, contract) -> set[int]:
    """Lines of ``path`` (as before ``commit``) calling the function in a way the new signature
    does not accept, among the calls the commit changed."""
    from reviewbot.c.extract import extract

    diff = _git(repo, "show", "-U0", "--format=", revs=[commit], paths=[path])
    removed: set[int] = set()
    for m in re.finditer(r"^@@ -(\d+)(?:,(\d+))? ", diff, re.MULTILINE):
        start, count = int(m.group(1)), int(m.group(2) or 1)
        removed.update(range(start, start + count))
    data = _git(repo, "show", revs=[f"{commit}^:{path}"]).encode("utf-8", "surrogateescape")
    accepted = arities_after(repo, commit, contract.name)
    out = set()
    for c in extract(data, path).calls:
        if c.callee != contract.name or not any(c.line <= r <= c.line + 5 for r in removed):
            continue
        if not any(len(c.args) >= n if variadic else len(c.args) == n for n, variadic in accepted):
            out.add(c.line)
    return out


def arities_after(repo: str, commit: str, name: str) -> set[tuple[int, bool]]:
    """(parameters, variadic) of every non-static definition of ``name`` after ``commit``: a
    function moved elsewhere, not removed, still takes the calls it took."""
    from reviewbot.c.extract import extract
    from reviewbot.c.tree import GitTree

    found = set()
    tree = GitTree(repo, commit)
    for path in tree.grep_word(name):
        for fn in extract(tree.read(path) or b"", path).functions:
            if fn.name == name and (not fn.is_static or path.endswith(".h")):
                found.add((fn.sig.arity, fn.sig.variadic))
    tree.close()
    return found


def builds(repo: str, commit: str, path: str) -> str:
    """'builds' / 'fails: <first error>' for ``path`` at ``commit`` with gcc -fsyntax-only."""
    from reviewbot.c.tree import GitTree

    tree = GitTree(repo, commit)
    with tempfile.TemporaryDirectory() as tmp:
        for name in tree.files():  # the headers and the file (a snapshot may lack some big blobs)
            if name.endswith(".h") or name == path:
                out = Path(tmp, name)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tree.read(name) or b"")
        tree.close()
        Path(tmp, "config.h").touch()
        includes = ["-I.", "-Iinclude", "-Ikernel-lib", "-Ilibbtrfsutil", "-Iinclude/uapi"]
        proc = subprocess.run(["gcc", "-fsyntax-only", "-std=gnu11", "-D_GNU_SOURCE", "-DBTRFS_FLAT_INCLUDES",
                               *includes, path], cwd=tmp, capture_output=True, text=True)
        errors = [line for line in proc.stderr.splitlines() if " error: " in line]
        mine = [e for e in errors if "function" in e or "argument" in e]
        return f"fails: {mine[0]}" if mine else ("builds" if not errors else f"unsettled: {errors[0][:100]}")


class _Verdicts:
    """Whether a file compiles at a commit, asked once per file."""

    def __init__(self, repo: str, commit: str, build: bool):
        self.repo, self.commit, self.build, self.known = repo, commit, build, {}

    def __call__(self, path: str) -> str:
        if path not in self.known:
            self.known[path] = builds(self.repo, self.commit, path) if self.build else "not built"
        return self.known[path]


def _found(result: dict, path: str, expected: set[int]) -> set[int]:
    return {f["line"] for f in result.get("findings", []) if f["rule"] == "RB-API-CALLER"
            and f["file"] == path and f["line"] in expected}


def reference_code(ref: str, into: Path) -> Path:
    from reviewbot.gitcmd import run_git

    data = run_git(str(ROOT), "archive", "--format=tar", ref, "reviewbot").stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", nargs="?", default=str(Path.home() / ".cache/reviewbot/btrfs-progs"))
    ap.add_argument("--scan", type=int, default=800, help="newest non-merge commits to look through")
    ap.add_argument("--max", type=int, default=25, help="signature-changing commits to review")
    ap.add_argument("--range", help="look only in this revision range (e.g. noise-base..noise-tip)")
    ap.add_argument("--reference", default=REFERENCE, help="reviewbot revision to compare the time with")
    ap.add_argument("--build", action="store_true", help="compile files with a false error (gcc -fsyntax-only)")
    ap.add_argument("--worker", nargs=2, metavar=("REPO", "COMMIT"), help=argparse.SUPPRESS)
    ap.add_argument("--drop", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.drop)))
        return 0
    if not (Path(args.repo) / ".git").exists() and not (Path(args.repo) / "HEAD").is_file():
        print(f"skipped: {args.repo} is not a git repository (clone kdave/btrfs-progs there first)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        ref_code = reference_code(args.reference, Path(tmp))
        return bench(args, ref_code)


def bench(args, ref_code: Path) -> int:
    picked = []
    for sha in candidates(args.repo, args.scan, args.range):
        changes = signature_changes(args.repo, sha)
        if changes:
            picked.append((sha, changes))
        if len(picked) >= args.max:
            break
    print(f"{len(picked)} commits that change a signature, or remove or move a function "
          f"(of the newest {args.scan} non-merge commits)\n")
    totals = {"true": 0, "false": 0, "ref_false": 0, "sites": 0, "found": 0, "ref_found": 0, "t": 0.0, "ref_t": 0.0}
    header = f"{'commit':<12} {'function':<34} {'false errors':>12} {'recall':>12} {'time new/ref':>16}"
    print(header + "\n" + "-" * len(header))
    for sha, changes in picked:
        contract, callers = changes[0]
        new = run_worker(None, args.repo, sha, None)
        ref = run_worker(ref_code, args.repo, sha, None)
        if "error" in new or "error" in ref:
            print(f"{sha[:12]} {contract.name:<34} error: {new.get('error') or ref.get('error')}")
            continue
        verdict = _Verdicts(args.repo, sha, args.build)
        # an error in a file that does not compile at that commit is true (the commit broke it)
        reported = [f for f in new["findings"] if f["rule"] == "RB-API-CALLER"]
        false = [f for f in reported if not verdict(f["file"]).startswith("fails")]
        true = [f for f in reported if f not in false]
        ref_false = [f for f in ref["findings"] if f["rule"] == "RB-API-CALLER"
                     and not verdict(f["file"]).startswith("fails")]
        totals["true"] += len(true)
        drop, expected = (callers or [""])[0], set()
        for path in callers:  # the first caller file whose old calls the new signature rejects
            drop, expected = path, broken_sites(args.repo, sha, path, contract)
            if expected:
                break
        new_drop = run_worker(None, args.repo, sha, drop) if expected else {}
        ref_drop = run_worker(ref_code, args.repo, sha, drop) if expected else {}
        got, ref_got = _found(new_drop, drop, expected), _found(ref_drop, drop, expected)
        totals["false"] += len(false)
        totals["ref_false"] += len(ref_false)
        totals["sites"] += len(expected)
        totals["found"] += len(got)
        totals["ref_found"] += len(ref_got)
        totals["t"] += new["seconds"] + new_drop.get("seconds", 0)
        totals["ref_t"] += ref["seconds"] + ref_drop.get("seconds", 0)
        recall = f"{len(got)}/{len(expected)} (ref {len(ref_got)})" if expected else "n/a"
        timing = f"{new['seconds']:.2f}/{ref['seconds']:.2f}s"
        print(f"{sha[:12]} {contract.name[:34]:<34} {len(false):>5} (ref {len(ref_false):>3}) {recall:>12} "
              f"{timing:>16}")
        for f in false:
            print(f"    false: {f['file']}:{f['line']}: {f['message'][:150]} [{verdict(f['file'])}]")
        for f in true:
            print(f"    true (the commit does not build): {f['file']}:{f['line']}: {f['message'][:100]} "
                  f"[{verdict(f['file'])[:90]}]")
        for line in sorted(expected - got):
            print(f"    missed: {drop}:{line}")
    print("-" * len(header))
    ratio = totals["t"] / totals["ref_t"] if totals["ref_t"] else 0
    print(f"false RB-API-CALLER on accepted commits: {totals['false']} (reference: {totals['ref_false']}); "
          f"true ones, where gcc -fsyntax-only fails at that commit: {totals['true']}")
    print(f"removed call sites found: {totals['found']}/{totals['sites']} "
          f"({100 * totals['found'] / max(totals['sites'], 1):.0f}%; reference {totals['ref_found']})")
    print(f"apply + call-site check time: {totals['t']:.1f}s vs reference {totals['ref_t']:.1f}s ({ratio:.2f}x; "
          f"target <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

With ``--classes`` (for git.git: many functions moved between files, and ``#define old(a)
new(the_repository, a)`` compatibility macros), up to ``--max`` commits of each class are taken from
the newest ``--scan``, those whose change updates callers first, and the figures are given per class:
(a) a function moved to another file (or its file renamed), (b) a function renamed or re-signed
while the commit adds a compatibility macro of its old name, (c) a plain signature change with its
callers updated. With ``--build`` the sites a left-out caller update breaks are the ones gcc rejects
(the old caller file compiled in the tree after the commit), so a macro an #ifdef hides counts;
those gcc rejects only for an argument's type are listed, not counted (the check counts arguments).

Each commit is reviewed twice, by this checkout's code and by a reference version of reviewbot
(``--reference REF``, default: main before the call-site rework), extracted with ``git archive``
into a temporary directory and run in a subprocess, so the time per series is compared in the
same run. Only the in-memory apply and the call-site check are timed (the part that changed).

    python bench/history.py ~/.cache/reviewbot/btrfs-progs [--scan 800] [--max 25] [--build]
    python bench/history.py ~/.cache/reviewbot/linux-6.1 --range noise-base..noise-tip
    python bench/history.py ~/.cache/reviewbot/git --classes --scan 30000 --max 15 --build

The repository is never fetched or modified here: get it yourself (git clone
https://github.com/kdave/btrfs-progs ~/.cache/reviewbot/btrfs-progs, or https://github.com/git/git
~/.cache/reviewbot/git); absent, the bench says so and exits 0.
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
if "--worker" not in sys.argv:  # a worker imports the reviewbot its PYTHONPATH names (the reference's)
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
    findings = verify_series(steps, cache)[0]  # (findings, contracts), or with skips in older versions
    seconds = time.perf_counter() - start
    cache.close()
    tree.close()
    return {"seconds": seconds, "applied": all(s.applied for s in steps),
            "findings": [{"rule": f.rule, "severity": f.severity.value, "file": f.file, "line": f.line,
                          "patch": f.patch, "message": f.message} for f in findings]}


_CACHE_DIRS: dict[str, str] = {}  # one parse cache per code version, for this run only


def _cache_dir(code: Path | None) -> str:
    """Each version reads and writes its own parse cache in a temporary directory: not the user's, and
    the reference never reads facts the new code just stored (nor the other way round)."""
    key = str(code or ROOT)
    if key not in _CACHE_DIRS:
        import atexit
        import shutil

        _CACHE_DIRS[key] = tempfile.mkdtemp(prefix="rb-history-cache-")
        atexit.register(shutil.rmtree, _CACHE_DIRS[key], True)
    return _CACHE_DIRS[key]


def run_worker(code: Path | None, repo: str, commit: str, drop: str | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code) if code else str(ROOT)
    env["REVIEWBOT_CACHE_DIR"] = _cache_dir(code)
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


# ---- choosing commits by class (--classes): moves, compatibility macros, plain re-signs ------------------

CLASSES = {
    "move": "(a) a function moved to another file",
    "compat": "(b) renamed or re-signed, with a compatibility macro",
    "plain": "(c) signature changed, callers updated",
}
_DEF_LINE = re.compile(r"^([-+])(?!#)((?:[A-Za-z_]\w*[ \t*]+)+?)\**([A-Za-z_]\w*)[ \t]*\(([^=\n]*)$", re.MULTILINE)
_ADDED_DEFINE = re.compile(r"^\+[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[( \t]", re.MULTILINE)
_NOT_TYPES = {"return", "else", "case", "goto", "if", "while", "for", "switch", "do", "sizeof"}


def diff_hints(diff_text: str) -> set[str]:
    """The classes a commit's diff may belong to, read from its text alone (cheap: the precise
    class comes from the applied commit, see classify)."""
    defs: dict[str, dict[str, set[str]]] = {}  # name -> {"-": files, "+": files}
    callers_changed: dict[str, set[str]] = {}
    hints = set()
    for section in DIFF_SPLIT.split(diff_text)[1:]:
        path = section.split("\n", 1)[0].split(" b/", 1)[-1]
        if not path.endswith((".c", ".h")):
            continue
        if re.search(r"^rename from .*\.c$", section, re.MULTILINE):
            hints.add("move")
        for m in _DEF_LINE.finditer(section):
            words = m.group(2).split()
            if words and words[0] in _NOT_TYPES:
                continue
            defs.setdefault(m.group(3), {"-": set(), "+": set()})[m.group(1)].add(path)
        for m in _ADDED_DEFINE.finditer(section):
            callers_changed.setdefault("#define", set()).add(m.group(1))
        if path.endswith(".c"):
            for m in re.finditer(r"^-.*?(?<![\w.>])([A-Za-z_]\w*)\s*\(", section, re.MULTILINE):
                callers_changed.setdefault(m.group(1), set()).add(path)
    for name, sides in defs.items():
        gone, came = sides["-"], sides["+"]
        if not gone:
            continue
        if name in callers_changed.get("#define", set()):
            hints.add("compat")
        if any(p.endswith(".c") for p in came - gone) and any(p.endswith(".c") for p in gone - came):
            hints.add("move")
        if gone & came and callers_changed.get(name, set()) - gone:
            hints.add("plain")
    return hints


def scan_by_class(repo: str, scan: int, revision_range: str | None):
    """(commit, hinted classes) of the newest ``scan`` non-merge commits touching C files, newest first."""
    from reviewbot.gitcmd import popen_git

    revs = [revision_range] if revision_range else ["HEAD"]
    proc = popen_git(repo, "log", "--no-merges", "-p", "-M", f"-n{scan}", "--format=@@@commit %H",
                     revs=revs, paths=["*.c", "*.h"], stdout=subprocess.PIPE)
    sha, lines = None, []
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            if line.startswith("@@@commit "):
                if sha and (hints := diff_hints("".join(lines))):
                    yield sha, hints
                sha, lines = line.split()[1], []
            else:
                lines.append(line)
        if sha and (hints := diff_hints("".join(lines))):
            yield sha, hints
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def classify(repo: str, commit: str, changes: list[tuple[object, list[str]]]) -> tuple[str, int] | None:
    """The commit's class and the index in ``changes`` of the change that makes it so: a compatibility
    macro the commit adds for a function it changes; else a function gone from its file but defined
    in another after the commit; else a re-signed function whose callers the commit updates."""
    diff = _git(repo, "show", "-M", "--format=", revs=[commit])
    macros = {m.group(1) for m in _ADDED_DEFINE.finditer(diff)}
    for i, (contract, _) in enumerate(changes):
        if contract.name in macros:
            return "compat", i
    landed = _defined_by_diff(diff)
    for i, (contract, _) in enumerate(changes):
        if contract.change.kind not in ("removed", "renamed"):
            continue
        old = contract.change.file
        # the commit defines it in another file (or renames its file): a name many programs define
        # (cmd_main) is not "moved" because some other file has one
        into = {f for f, names in landed.items() if contract.name in names and f != old}
        into |= {f for f in landed.get(f"rename from {old}", set())}
        if into & set(definitions_after(repo, commit, contract.name)):
            return "move", i
    for i, (contract, callers) in enumerate(changes):
        if contract.change.kind == "params" and callers:
            return "plain", i
    return None


def _defined_by_diff(diff_text: str) -> dict[str, set[str]]:
    """path -> names the diff's added lines define there; "rename from OLD" -> {NEW} for renames."""
    out: dict[str, set[str]] = {}
    for section in DIFF_SPLIT.split(diff_text)[1:]:
        path = section.split("\n", 1)[0].split(" b/", 1)[-1]
        renamed = re.search(r"^rename from (.*)$", section, re.MULTILINE)
        if renamed:
            out.setdefault(f"rename from {renamed.group(1)}", set()).add(path)
        out.setdefault(path, set()).update(m.group(3) for m in _DEF_LINE.finditer(section) if m.group(1) == "+")
    return out


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
        head = section.split("\n", 1)[0]
        path = head.split(" b/", 1)[-1]
        if head != f"a/{path} b/{path}" or re.search(r"^new file mode", section, re.MULTILINE):
            continue  # renamed or new: its update cannot be left out alone
        if path.endswith(".c") and path != defined_in and call.search(section):
            out.append(path)
    return sorted(out)


def broken_sites(repo: str, commit: str, path: str, contract, build: bool = False) -> tuple[set[int], set[int]]:
    """Lines of ``path`` (as before ``commit``) calling the function in a way the tree after it does
    not accept, among the calls the commit changed, and (with ``build``) those gcc rejects only for an
    argument's type, which the call-site check does not judge. With ``build``, gcc says which: the old
    file is compiled in the tree after the commit (a compatibility macro may be hidden from it by an
    #ifdef); else each call is counted against the definitions and function-like macros of the name."""
    from reviewbot.c.extract import extract

    diff = _git(repo, "show", "-U0", "--format=", revs=[commit], paths=[path])
    removed: set[int] = set()
    for m in re.finditer(r"^@@ -(\d+)(?:,(\d+))? ", diff, re.MULTILINE):
        start, count = int(m.group(1)), int(m.group(2) or 1)
        removed.update(range(start, start + count))
    data = _git(repo, "show", revs=[f"{commit}^:{path}"]).encode("utf-8", "surrogateescape")
    calls = sorted(c.line for c in extract(data, path).calls
                   if c.callee == contract.name and any(c.line <= r <= c.line + 5 for r in removed))
    if build:
        return compiled_breaks(repo, commit, path, data, contract.name, calls)
    accepted = {a for arities in definitions_after(repo, commit, contract.name, macros=True).values()
                for a in arities}
    return {line for line, n in ((c.line, len(c.args)) for c in extract(data, path).calls if c.line in calls)
            if not any(n >= want if variadic else n == want for want, variadic in accepted)}, set()


# what gcc says of a call that the call-site check must find: it reaches nothing, or a different
# number of parameters (a function's or a macro's); an argument of another type is not counted
ARITY_ERRORS = ("too few arguments", "too many arguments", "implicit declaration", "undeclared",
                "requires", "passed")


def compiled_breaks(repo: str, commit: str, path: str, data: bytes, name: str,
                    calls: list[int]) -> tuple[set[int], set[int]]:
    """(calls gcc rejects for their count or because the name reaches nothing, calls it rejects for
    an argument's type) among ``calls`` (lines) of ``name`` in ``data`` standing for ``path`` in the
    tree after ``commit``."""
    _, errors = compile_file(repo, commit, path, data)
    counted, typed = set(), set()
    for line, message in errors:
        if not any(q + name + r in message for q, r in (("\u2018", "\u2019"), ("'", "'"), ('"', '"'))):
            continue
        at = [c for c in calls if c <= line]
        if at and line - at[-1] <= 5:
            (counted if any(e in message for e in ARITY_ERRORS) else typed).add(at[-1])
    return counted, typed - counted


def definitions_after(repo: str, commit: str, name: str, macros: bool = False) -> dict[str, set[tuple[int, bool]]]:
    """file -> (parameters, variadic) of every non-static definition of ``name`` after ``commit`` (and,
    with ``macros``, of its function-like macros in headers): a function moved elsewhere, not
    removed, still takes the calls it took."""
    from reviewbot.c.extract import extract
    from reviewbot.c.resolve import macros_named
    from reviewbot.c.tree import GitTree

    found: dict[str, set[tuple[int, bool]]] = {}
    tree = GitTree(repo, commit)
    for path in tree.grep_word(name):
        data = tree.read(path) or b""
        for fn in extract(data, path).functions:
            if fn.name == name and (not fn.is_static or path.endswith(".h")):
                found.setdefault(path, set()).add((fn.sig.arity, fn.sig.variadic))
        if macros and path.endswith(".h"):
            for macro in macros_named(name, path, data):
                if macro.params is not None:
                    found.setdefault(path, set()).add((len(macro.params), macro.variadic))
    tree.close()
    return found


def compile_flags(tree) -> list[str]:
    """gcc flags for one file of the project: git.git builds from its top folder with -I.; else
    btrfs-progs' (its kernel-lib/ and libbtrfsutil/ headers). An implicit declaration is an error,
    as in gcc 14 and git's DEVELOPER builds (the call reaches nothing)."""
    common = ["-fsyntax-only", "-std=gnu11", "-Werror=implicit-function-declaration"]
    if tree.blob_id("git-compat-util.h") is not None:
        return common + ["-I."]
    return common + ["-D_GNU_SOURCE", "-DBTRFS_FLAT_INCLUDES", "-I.", "-Iinclude", "-Ikernel-lib",
                     "-Ilibbtrfsutil", "-Iinclude/uapi"]


def compile_file(repo: str, commit: str, path: str, data: bytes | None = None) -> tuple[int, list[tuple[int, str]]]:
    """gcc's exit code and (line, error) for ``path`` at ``commit`` (or ``data`` in its place), with
    the headers of that commit (a snapshot may lack some big blobs)."""
    from reviewbot.c.tree import GitTree

    tree = GitTree(repo, commit)
    with tempfile.TemporaryDirectory() as tmp:
        for name in tree.files():
            if name.endswith(".h") or name == path:
                out = Path(tmp, name)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tree.read(name) or b"")
        if data is not None:
            Path(tmp, path).parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, path).write_bytes(data)
        flags = compile_flags(tree)
        tree.close()
        Path(tmp, "config.h").touch()
        proc = subprocess.run(["gcc", *flags, path], cwd=tmp, capture_output=True, text=True)
    errors = []
    for line in proc.stderr.splitlines():
        m = re.match(re.escape(path) + r":(\d+):\d+: error: (.*)", line)
        if m:
            errors.append((int(m.group(1)), m.group(2)))
        elif " error: " in line:
            errors.append((0, line))
    return proc.returncode, errors


def builds(repo: str, commit: str, path: str) -> str:
    """'builds' / 'fails: <first error>' for ``path`` at ``commit`` with gcc -fsyntax-only."""
    _, errors = compile_file(repo, commit, path)
    mine = [f"{path}:{line}: {e}" for line, e in errors if line and ("function" in e or "argument" in e)]
    return f"fails: {mine[0]}" if mine else ("builds" if not errors else f"unsettled: {errors[0][1][:100]}")


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
    ap.add_argument("--max", type=int, default=25, help="signature-changing commits to review (per class "
                                                        "with --classes)")
    ap.add_argument("--range", help="look only in this revision range (e.g. noise-base..noise-tip)")
    ap.add_argument("--reference", default=REFERENCE, help="reviewbot revision to compare the time with")
    ap.add_argument("--build", action="store_true", help="compile files with a false error (gcc -fsyntax-only)")
    ap.add_argument("--classes", action="store_true",
                    help="pick up to --max commits of each class: moves, compatibility macros, plain re-signs")
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


def pick(args) -> list[tuple[str, str | None, list]]:
    """(commit, class or None, changes) of the commits to review: the first ``--max`` that change a
    signature; with ``--classes``, up to ``--max`` of each class, the change that makes the class first."""
    picked: list[tuple[str, str | None, list]] = []
    if not args.classes:
        for sha in candidates(args.repo, args.scan, args.range):
            changes = signature_changes(args.repo, sha)
            if changes:
                picked.append((sha, None, changes))
            if len(picked) >= args.max:
                break
        return picked
    # commits whose change updates callers come first (they are the recall cases), newest first
    updating: dict[str, list] = {kind: [] for kind in CLASSES}
    others: dict[str, list] = {kind: [] for kind in CLASSES}
    for sha, hints in scan_by_class(args.repo, args.scan, args.range):
        if all(len(updating[h]) >= args.max for h in hints):
            continue
        changes = signature_changes(args.repo, sha)
        found = classify(args.repo, sha, changes) if changes else None
        if found is None:
            continue
        kind, i = found
        row = (sha, kind, [changes[i]] + changes[:i] + changes[i + 1:])
        (updating if changes[i][1] else others)[kind].append(row)
        if all(len(rows) >= args.max for rows in updating.values()):
            break
    for kind in CLASSES:
        picked += (updating[kind] + others[kind])[:args.max]
    return picked


def review(args, ref_code: Path, sha: str, changes: list, totals: dict) -> None:
    """Review one commit unchanged and with one caller file's update dropped; print its row and add
    its figures to ``totals``."""
    contract, callers = changes[0]
    new = run_worker(None, args.repo, sha, None)
    ref = run_worker(ref_code, args.repo, sha, None)
    if "error" in new or "error" in ref:
        print(f"{sha[:12]} {contract.name:<34} error: {new.get('error') or ref.get('error')}")
        return
    verdict = _Verdicts(args.repo, sha, args.build)
    # an error in a file that does not compile at that commit is true (the commit broke it)
    reported = [f for f in new["findings"] if f["rule"] == "RB-API-CALLER"]
    false = [f for f in reported if not verdict(f["file"]).startswith("fails")]
    true = [f for f in reported if f not in false]
    ref_false = [f for f in ref["findings"] if f["rule"] == "RB-API-CALLER"
                 and not verdict(f["file"]).startswith("fails")]
    drop, expected, typed = (callers or [""])[0], set(), set()
    for path in callers:  # the first caller file whose old calls the tree after the commit rejects
        drop, (expected, typed) = path, broken_sites(args.repo, sha, path, contract, args.build)
        if expected:
            break
    new_drop = run_worker(None, args.repo, sha, drop) if expected else {}
    ref_drop = run_worker(ref_code, args.repo, sha, drop) if expected else {}
    got, ref_got = _found(new_drop, drop, expected), _found(ref_drop, drop, expected)
    totals["commits"] += 1
    totals["true"] += len(true)
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
          f"{timing:>16}", flush=True)
    for f in false:
        print(f"    false: {f['file']}:{f['line']}: {f['message'][:150]} [{verdict(f['file'])}]")
    for f in true:
        print(f"    true (the commit does not build): {f['file']}:{f['line']}: {f['message'][:100]} "
              f"[{verdict(f['file'])[:90]}]")
    for line in sorted(expected - got):
        print(f"    missed: {drop}:{line}")
    for line in sorted(typed):
        totals["typed"] += 1
        print(f"    not counted: {drop}:{line}: gcc rejects an argument's type (the check counts arguments)")


def _summary(totals: dict, indent: str = "") -> None:
    ratio = totals["t"] / totals["ref_t"] if totals["ref_t"] else 0
    print(f"{indent}false RB-API-CALLER on accepted commits: {totals['false']} (reference: {totals['ref_false']}); "
          f"true ones, where gcc -fsyntax-only fails at that commit: {totals['true']}")
    print(f"{indent}removed call sites found: {totals['found']}/{totals['sites']} "
          f"({100 * totals['found'] / max(totals['sites'], 1):.0f}%; reference {totals['ref_found']})"
          + (f"; not counted: {totals['typed']} that gcc rejects only for an argument's type" if totals["typed"]
             else ""))
    print(f"{indent}apply + call-site check time: {totals['t']:.1f}s vs reference {totals['ref_t']:.1f}s "
          f"({ratio:.2f}x; target <= 2x)")


def bench(args, ref_code: Path) -> int:
    picked = pick(args)
    what = "per class" if args.classes else ""
    print(f"{len(picked)} commits that change a signature, or remove or move a function {what}"
          f"(of the newest {args.scan} non-merge commits)\n")
    zero = {"commits": 0, "typed": 0, "true": 0, "false": 0, "ref_false": 0, "sites": 0, "found": 0, "ref_found": 0,
            "t": 0.0, "ref_t": 0.0}
    totals = dict(zero)
    per_class = {kind: dict(zero) for kind in CLASSES}
    header = f"{'commit':<12} {'function':<34} {'false errors':>12} {'recall':>12} {'time new/ref':>16}"
    for kind in ([None] if not args.classes else list(CLASSES)):
        rows = [(sha, changes) for sha, k, changes in picked if k == kind]
        if kind is not None:
            print(f"\n{CLASSES[kind]}: {len(rows)} commits")
        print(header + "\n" + "-" * len(header))
        for sha, changes in rows:
            review(args, ref_code, sha, changes, per_class[kind] if kind else totals)
        if kind is not None:
            print("-" * len(header))
            _summary(per_class[kind], "  ")
            for key in totals:
                totals[key] += per_class[kind][key]
    print("-" * len(header) + ("\nall classes:" if args.classes else ""))
    _summary(totals)
    return 0


if __name__ == "__main__":
    sys.exit(main())

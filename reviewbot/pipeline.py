"""The review of one series against a tree: base, in-memory apply, call sites, rules, checkpatch.

INPUT is a mailbox / patch directory (read through ingest) or a git range inside the tree. The
user's tree is only read. The result is a model.Review for the report layer.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.c.apply import StepResult, apply_series
from reviewbot.c.base import find_base
from reviewbot.c.cache import FactsCache
from reviewbot.c.callsites import verify_series
from reviewbot.c.tree import GitTree, TreeSource, open_tree
from reviewbot.config import Config, load_config
from reviewbot.errors import GitError, InputError, ReviewbotError
from reviewbot.gitcmd import run_git
from reviewbot.ingest.gitrange import range_base, series_from_git
from reviewbot.ingest.load import load_mail
from reviewbot.ingest.series import fill_partial_reroll
from reviewbot.model import Finding, Review, Series, Severity, Skipped
from reviewbot.registry import Check

if TYPE_CHECKING:
    from reviewbot.rules.ruleset import RuleSet

APPLY = Check(
    id="RB-APPLY", severity=Severity.ERROR, scope="each patch",
    title="A patch that does not apply, with the hunk.",
    what="""Applies the series to its base in memory, patch by patch, as patch(1) and quilt do (a hunk may
        land at an offset, and up to two outer context lines may differ); a hunk that does not apply is
        reported with its header and the reason, and that patch is not analysed.""",
    why="""A series that does not apply to the tree it is meant for cannot be reviewed or merged; usually
        it was written against another branch, or the mailer damaged it.""",
    example="""
        patch 2 does not apply: @@ -125,7 +125,7 @@ no match for the hunk's context""",
    instead="""
        git rebase the series on the tree it is meant for, or pass --base with the commit it was written on""",
    fixtures=("apply",))


@dataclass
class ReviewOptions:
    base: str | None = None
    checkpatch: bool = False
    use_cache: bool = True
    config: Config | None = None
    progress: Callable[[str], None] | None = None  # told what is being done, for a status line
    cache_path: Path | None = None  # parse cache file (default: the user's cache directory)
    rule_set: RuleSet | None = None  # the rules and packs in force (default: build_rule_set(tree, config))


@dataclass
class Loaded:
    series: list[Series] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    range_base: str | None = None  # for git ranges: the commit the range starts from


def load_input(input_: str, tree: str) -> Loaded:
    """A mailbox path (or -) becomes the newest version of each series in it; ``A..B`` or a single
    revision that is not a file becomes the commits of that range in the tree."""
    if input_ != "-" and not Path(input_).exists():
        if not _is_git(tree):
            raise InputError(f"{input_}: no such file, and {tree} is not a git tree to read a range from")
        skipped: list[Skipped] = []
        series = series_from_git(tree, input_, skipped)
        return Loaded([series], skipped, range_base(tree, input_))
    data = load_mail(input_)
    found = [fill_partial_reroll(g) for g in data.groups]
    found = [s for s in found if s.patches and not s.is_pull_request]
    if not found:
        raise InputError(f"{input_}: no patches found ({len(data.messages)} messages read)")
    return Loaded(found, list(data.skipped))


def _is_git(tree: str) -> bool:
    p = Path(tree)
    return (p / ".git").exists() or ((p / "HEAD").is_file() and (p / "objects").is_dir())


def review_series(series: Series, tree_path: str, options: ReviewOptions | None = None,
                  range_base: str | None = None) -> Review:
    options = options or ReviewOptions()
    review = Review(series=series, tree=str(tree_path))
    tree: TreeSource
    if _is_git(tree_path):
        if range_base and not options.base:
            commit, how = range_base, "start of the range"
        else:
            commit, how = find_base(str(tree_path), series, options.base)
        tree = GitTree(tree_path, commit)
        review.base, review.base_source = commit, how
    else:
        if options.base:
            raise GitError(f"--base needs a git tree; {tree_path} is a plain directory")
        tree = open_tree(tree_path)
        review.base, review.base_source = str(tree_path), "directory"
    say = options.progress or (lambda _message: None)
    say(f"applying {len(series.patches)} patches to {review.base_source} base")
    steps = apply_series(tree, series.patches)
    review.line_shifts = {(step.patch.index, path): change.shifts
                          for step in steps for path, change in step.changed.items() if change.shifts}
    review.findings.extend(_apply_findings(steps))
    review.skipped.extend(_apply_skips(steps))
    config = options.config or load_config(tree_path)
    scoped = _rule_set(options, tree_path, config).for_tree(tree.read)
    cache = FactsCache(options.cache_path, enabled=options.use_cache)
    try:
        say("checking every call site of the changed APIs after every patch")
        findings: list[Finding] = []
        skipped: list[Skipped] = []
        findings.extend(guarded("RB-API-CALLER", None, skipped, lambda: verify_series(steps, cache)[0]))
        say("running the analyses")
        findings.extend(run_checks(steps, cache, skipped))
        say("running the rules")
        findings.extend(run_rule_pack(steps, tree, scoped.rules, skipped))
    finally:
        cache.close()
    review.findings.extend(findings)
    review.skipped.extend(skipped)  # what crashed
    if options.checkpatch:
        say("running checkpatch.pl")
        _run_checkpatch(review, steps, tree_path)
    review.findings = scoped.settings(review.findings)
    review.findings = config.apply(review.findings)
    review.snippets = _snippets(review.findings, steps, tree)
    review.findings.sort(key=lambda f: (f.patch or 0, f.file, f.line, f.rule))
    if isinstance(tree, GitTree):
        tree.close()
    return review


def _rule_set(options: ReviewOptions, tree_path: str, config: Config) -> RuleSet:
    """The rules and packs in force: the caller's (built once for many reviews), else built here
    the one way every path builds them."""
    if options.rule_set is not None:
        return options.rule_set
    from reviewbot.rules.ruleset import build_rule_set

    return build_rule_set(tree_path, config)


def guarded(name: str, patch: int | None, skipped: list[Skipped], run: Callable[[], list[Finding]]) -> list[Finding]:
    """``run()``'s findings; when it raises, a skipped entry "NAME crashed on patch N: ..." with the
    traceback in the run's log file (or "NAME not run on patch N: ..." for input it cannot read), and
    no findings, so one analysis failing on one patch never ends the review (pylint reports a crashed
    checker the same way)."""
    where = f" on patch {patch}" if patch is not None else ""
    try:
        return run()
    except ReviewbotError as exc:  # the input's fault (a diff a mailer broke), said once by RB-APPLY: no crash
        skipped.append(Skipped(name, f"not run{where}: {exc}", patch))
        return []
    except Exception as exc:
        from reviewbot import crashlog

        log = crashlog.record(exc, f"{name} crashed{where}")
        logged = f" (traceback in {log})" if log else ""
        skipped.append(Skipped(name, f"crashed{where}: {crashlog.one_line(exc)}{logged}", patch))
        return []


def _analysis_name(analysis) -> str:
    """The ids the analysis declares ("RB-DECL-NODEF/RB-DEF-NODECL"), else its module's name."""
    from reviewbot.registry import checks_of

    return "/".join(c.id for c in checks_of(analysis)) or analysis.__name__.rpartition(".")[2]


def run_checks(steps: list[StepResult], cache: FactsCache, skipped: list[Skipped] | None = None) -> list[Finding]:
    """The reviewer analyses of reviewbot/checks (each a module with check_step), patch by patch; one
    that raises is listed in ``skipped`` for that patch and the others go on."""
    from reviewbot.checks import ANALYSES

    skipped = skipped if skipped is not None else []
    found: list[Finding] = []
    for step in steps:
        if step.applied:
            for analysis in ANALYSES:
                found.extend(guarded(_analysis_name(analysis), step.patch.index, skipped,
                                     lambda analysis=analysis, step=step: analysis.check_step(step, cache)))
    return found


def run_rule_pack(steps: list[StepResult], tree: TreeSource, rules: list | None = None,
                  skipped: list[Skipped] | None = None) -> list[Finding]:
    """The declarative rules of rules/, on each patch (commit-message rules even when it did not apply); a
    rule that raises is listed in ``skipped`` for that patch and the others go on."""
    from reviewbot.rules.engine import RuleContext, load_rules, run_rules

    skipped = skipped if skipped is not None else []
    rules = load_rules() if rules is None else rules
    lookup = _commit_subjects(tree) if isinstance(tree, GitTree) and _has_history(tree) else None
    path_log = _path_log(tree) if isinstance(tree, GitTree) else None
    found: list[Finding] = []
    for step in steps:
        if step.applied:
            added = {path: change.added for path, change in step.changed.items() if change.after is not None}
            context = RuleContext(read_after=step.tree_after.read, commit_subject=lookup, added=added,
                                  path_log=path_log)
            run = rules
        else:
            context = RuleContext(commit_subject=lookup, path_log=path_log)
            run = [r for r in rules if r.scope == "commit-message"]
        for rule in run:  # one at a time, so a rule that raises costs only its own findings
            found.extend(guarded(rule.id, step.patch.index, skipped,
                                 lambda rule=rule, step=step, context=context: run_rules([rule], step.patch, context)))
    return found


# Fewer commits than this is an imported tarball with a few on top (bench/linux_tree.py commits 6.1 as
# one), whose log cannot say that a Fixes: commit does not exist.
HISTORY_MIN_COMMITS = 1000


def _has_history(tree: GitTree) -> bool:
    """Whether the tree carries real history: an imported tarball (one commit and a few on top) cannot
    say that a Fixes: commit does not exist."""
    proc = run_git(tree.repo_path, "rev-list", "--count", f"--max-count={HISTORY_MIN_COMMITS}", revs=[tree.commit],
                   check=False, text=True)
    return proc.returncode == 0 and proc.stdout.strip() == str(HISTORY_MIN_COMMITS)


# Recent commits of the touched files whose subjects show the subsystem's prefix habit (RB0104):
# enough to see a habit, few enough that one git log per patch stays cheap.
PATH_LOG_DEPTH = 30


def _path_log(tree: GitTree):
    """paths -> subjects of the last PATH_LOG_DEPTH commits of the base touching any of them."""
    def log(paths: list[str]) -> list[str]:
        # a path from a patch is never pathspec magic; one with a NUL byte (hostile mail) names nothing in git
        specs = [f":(literal){p}" for p in paths if "\0" not in p]
        if not specs:
            return []
        proc = run_git(tree.repo_path, "log", f"-n{PATH_LOG_DEPTH}", "--no-merges", "--format=%s",
                       revs=[tree.commit], paths=specs, check=False, text=True)
        return proc.stdout.splitlines() if proc.returncode == 0 else []
    return log


def _commit_subjects(tree: GitTree):
    def subject(sha: str) -> str | None:
        proc = run_git(tree.repo_path, "log", "-1", "--format=%s", revs=[f"{sha}^{{commit}}"], check=False, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else None
    return subject


SNIPPET_CONTEXT = 1  # lines around a finding in reports: the statement in view, short enough for a reply mail


def _snippets(findings: list[Finding], steps: list[StepResult], base: TreeSource) -> dict:
    """The code around each finding, from the tree as it stood after the finding's patch."""
    after = {s.patch.index: s.tree_after for s in steps}
    out: dict = {}
    texts: dict[tuple, list[str] | None] = {}
    for f in findings:
        if f.line <= 0 or f.file.startswith("("):
            continue
        tree = after.get(f.patch, base)
        key = (id(tree), f.file)
        if key not in texts:
            data = tree.read(f.file)
            texts[key] = data.decode("utf-8", "replace").split("\n") if data is not None else None
        lines = texts[key]
        if not lines or f.line > len(lines):
            continue
        lo, hi = max(1, f.line - SNIPPET_CONTEXT), min(len(lines), f.line + SNIPPET_CONTEXT)
        out[(f.patch, f.file, f.line)] = [(n, lines[n - 1]) for n in range(lo, hi + 1)]
    return out


def _apply_findings(steps: list[StepResult]) -> list[Finding]:
    out = []
    for step in steps:
        for failed in step.failed:
            line = 0
            if failed.hunk.startswith("@@ -"):
                line = int(failed.hunk[4:].split(",")[0].split(" ")[0])
            where = f"{failed.hunk} " if failed.hunk else ""
            out.append(APPLY.finding(failed.path or "(patch)", line,
                                     f"patch {step.patch.index} does not apply: {where}{failed.reason}",
                                     step.patch.index, "rebase the series on the tree it is meant for, or pass --base"))
    return out


def _apply_skips(steps: list[StepResult]) -> list[Skipped]:
    skips = [Skipped(f"patch {s.patch.index}/{s.patch.total}", "does not apply: not analysed", s.patch.index)
             for s in steps if not s.applied]
    skips += [Skipped(f"patch {s.patch.index}/{s.patch.total}: {path}", "binary file: not applied; the patch's "
                      "text files were", s.patch.index) for s in steps for path in s.binaries]
    return skips


def _run_checkpatch(review: Review, steps: list[StepResult], tree_path: str) -> None:
    from reviewbot.checks import checkpatch

    if checkpatch.find_script(tree_path) is None:
        review.skipped.append(Skipped("checkpatch", f"{tree_path} has no scripts/checkpatch.pl"))
        return
    from reviewbot.rules.engine import added_lines

    def one(step: StepResult) -> list[Finding]:
        result = checkpatch.run(tree_path, _as_mail(step.patch), step.patch.index)
        # checkpatch numbers lines as the patch states them; the hunks may have landed elsewhere
        stated = added_lines(step.patch) if step.patch.has_diff else {}
        for f in result.findings:
            change = step.changed.get(f.file)
            if change is not None and f.file in stated and len(stated[f.file]) == len(change.added):
                f.line = dict(zip(sorted(stated[f.file]), sorted(change.added))).get(f.line, f.line)
        review.skipped.extend(result.skipped)
        return result.findings

    found: list[Finding] = []
    for step in steps:
        found.extend(guarded("checkpatch", step.patch.index, review.skipped, lambda step=step: one(step)))
    review.findings.extend(checkpatch.dedupe(review.findings, found))


def _as_mail(patch) -> str:
    """The patch as checkpatch expects it: a commit message, '---', the diff."""
    return (f"From: {patch.author}\nSubject: [PATCH] {patch.subject}\n\n{patch.commit_message.rstrip()}\n"
            f"---\n{patch.diff_text}")


def review_input(input_: str, tree_path: str, options: ReviewOptions | None = None) -> list[Review]:
    if not Path(tree_path).exists():
        raise InputError(f"--tree {tree_path}: no such directory")
    loaded = load_input(input_, tree_path)
    reviews = [review_series(s, tree_path, options, loaded.range_base) for s in loaded.series]
    if reviews:
        reviews[0].skipped[:0] = loaded.skipped
    return reviews

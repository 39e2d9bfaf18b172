"""One series reviewed, wherever it runs: in the driver's process or on a Dask worker.

Everything a review reads besides the tree comes from the ReviewContext the driver builds once:
the configuration (read on the driver: a worker never looks at its own ~/.config), the rule set
as text (rules/ and every rule pack in force, built by reviewbot.rules.ruleset as `review` builds it:
a worker needs neither the checkout's rules/ folder nor the tree's or the user's packs), and where
the parse cache lives.
What comes back is a plain dict, one line of results.jsonl: no model objects cross the wire.
"""
from __future__ import annotations

import hashlib
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.archive.sources import ArchiveItem
from reviewbot.config import Config


@dataclass
class ReviewContext:
    tree: str
    config: Config
    rule_texts: dict[str, str]  # the rule set as data (RuleSet.texts): rules/ and the packs in force
    ruleset: str  # version of rules + configuration + reviewbot: part of every resume key
    use_cache: bool = True
    base: str | None = None  # mail series: the commit they apply to (default: found per series)
    _rule_set: object | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        # compiled rules hold tree-sitter queries, which do not pickle: each process loads its own
        return {**self.__dict__, "_rule_set": None}


def build_context(tree: str, use_cache: bool = True, base: str | None = None) -> ReviewContext:
    """On the driver: the configuration in force for ``tree`` and the rule set, as data."""
    from reviewbot import __version__
    from reviewbot.config import load_config
    from reviewbot.rules.ruleset import build_rule_set

    config = load_config(tree)
    if base is not None:
        base = _commit_of(tree, base)
    # a broken rule or pack stops the run here, with one line, not on every worker
    rule_set = build_rule_set(tree, config)
    digest = hashlib.sha256(f"reviewbot {__version__}\n".encode())
    digest.update(f"rules {rule_set.version}\n".encode())
    digest.update(repr((sorted(config.disabled), sorted((k, v.value) for k, v in config.severities.items()),
                        config.ignore_paths)).encode())
    digest.update(f"base {base}".encode())
    return ReviewContext(str(Path(tree).resolve()), config, rule_set.texts, digest.hexdigest()[:16], use_cache, base)


def _commit_of(tree: str, base: str) -> str:
    """--base as the commit it names now: a bad one stops the run with one line (not a "skipped" per
    series), and a branch that moves between two runs gives new resume keys, not stale results."""
    from reviewbot.errors import InputError
    from reviewbot.gitcmd import run_git

    proc = run_git(tree, "rev-parse", "--verify", "--quiet", revs=[f"{base}^{{commit}}"], check=False, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise InputError(f"--base {base!r}: not a commit of {tree}")
    return proc.stdout.strip()


def context_rule_set(ctx: ReviewContext):
    """The rule set of ``ctx``, loaded once per process from the injected text: in the driver's
    process too, so the sequential path and a worker run the same thing."""
    if ctx._rule_set is None:
        from reviewbot.rules.ruleset import rule_set_from_texts

        ctx._rule_set = rule_set_from_texts(ctx.rule_texts)
    return ctx._rule_set


def review_item(item: ArchiveItem, ctx: ReviewContext, cache_path: str | None) -> dict:
    """Review one series; an error in the review becomes a skipped entry of its line."""
    from reviewbot.errors import ReviewbotError

    start = time.perf_counter()
    findings: list[dict] = []
    skipped: list[dict] = []
    base = None
    status = "reviewed"
    if item.skip_reason:
        status = "skipped"
        skipped.append({"what": "series", "reason": item.skip_reason, "patch": None})
    else:
        try:
            data = _review(item, ctx, cache_path)
            findings, skipped, base = data["findings"], data["skipped"], data["base"]
        except ReviewbotError as exc:
            status = "skipped"
            skipped.append({"what": "series", "reason": str(exc), "patch": None})
        except Exception as exc:  # a bug: recorded with its place, the run goes on
            status = "error"
            where = traceback.extract_tb(exc.__traceback__)[-1]
            skipped.append({"what": "series", "reason": f"internal error: {type(exc).__name__}: {exc} "
                            f"({Path(where.filename).name}:{where.lineno})", "patch": None})
    return {
        "key": item.key(ctx.ruleset),
        "kind": item.kind,
        "subject": item.subject,
        "version": item.version,
        ("commits" if item.kind == "git" else "message_ids"): item.ids,
        **({"merge": item.merge} if item.merge else {}),
        "list": item.list_name,
        "date": item.date,
        "accepted": item.accepted,
        "status": status,
        "base": base,
        "findings": findings,
        "skipped": skipped,
        "files": {str(k): v for k, v in item.files.items()},
        "ruleset": ctx.ruleset,
        "seconds": round(time.perf_counter() - start, 3),
    }


def _review(item: ArchiveItem, ctx: ReviewContext, cache_path: str | None) -> dict:
    from reviewbot.pipeline import ReviewOptions, review_series
    from reviewbot.report.json_report import review_dict

    options = ReviewOptions(config=ctx.config, use_cache=ctx.use_cache and cache_path is not None,
                            cache_path=Path(cache_path) if cache_path else None, rule_set=context_rule_set(ctx))
    if item.kind == "git":
        from reviewbot.ingest.gitrange import series_from_git

        series = series_from_git(ctx.tree, f"{item.base}..{item.tip}")
        review = review_series(series, ctx.tree, options, range_base=item.base)
    else:
        options.base = ctx.base
        review = review_series(item.series, ctx.tree, options)
    return review_dict(review)


def worker_cache_path(root: str | os.PathLike, name: object) -> str:
    Path(root).mkdir(parents=True, exist_ok=True)
    return str(Path(root) / f"facts-{name}.sqlite3")

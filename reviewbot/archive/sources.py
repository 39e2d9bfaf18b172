"""What an archive run reviews: SRC -> one ArchiveItem per series.

- ``git:A..B``: every first-parent merge in A..B whose second parent brings a topic branch is one
  series: its base is the merge-base of the merge's parents, its patches the topic's own commits
  (merges inside the topic left out). The merges are accepted code by definition.
- ``maildir:PATH``, ``public-inbox:PATH``, ``mbox:PATH`` (ingest/inbox.py) or a plain mailbox path:
  the series found in the mail, the newest version of each (every version with ``all_versions``).

Each item carries what identifies it for a rerun (the patch-ids of its patches), where it came
from (Message-IDs or commit ids), its list, date and whether it was accepted, and what a worker
needs to rebuild it: a git item is two commit ids (the worker reads the commits from its own copy
of the tree), a mail item the Series itself.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from reviewbot.errors import InputError
from reviewbot.model import Series

MAIL_PREFIXES = ("maildir:", "public-inbox:", "mbox:")


@dataclass
class ArchiveItem:
    kind: str  # "git" or "mail"
    subject: str
    patch_ids: list[str]  # one per patch, in order: the identity of the series' content
    ids: list[str]  # Message-IDs (mail) or commit ids (git) of the patches
    list_name: str = ""
    date: str | None = None  # ISO 8601, UTC
    version: int = 1
    accepted: bool = False
    base: str | None = None  # git: the merge-base the topic starts from
    tip: str | None = None  # git: the topic's last commit
    merge: str | None = None  # git: the merge commit
    series: Series | None = None  # mail: what the worker reviews
    skip_reason: str | None = None  # recorded without a review (incomplete series, pull request)
    files: dict[int, list[str]] = field(default_factory=dict)  # patch index -> files it touches

    def key(self, ruleset: str) -> str:
        """Resume key: the same patches under the same rule set are the same work."""
        text = "\n".join([ruleset, *self.patch_ids])
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _git(repo: str, *args: str, input: str | None = None) -> str:
    from reviewbot.gitcmd import run_git

    return run_git(repo, *args, input=input, text=True).stdout


def parse_date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r}: give a date as YYYY-MM-DD") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _in_window(date: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    if date is None:
        return since is None and until is None
    return (since is None or date >= since) and (until is None or date < until)


def load_items(src: str, tree: str, since: str | None = None, until: str | None = None,
               all_versions: bool = False, progress=None) -> list[ArchiveItem]:
    lo, hi = parse_date(since, "--since"), parse_date(until, "--until")
    if src.startswith("git:"):
        return git_topics(tree, src[4:], lo, hi)
    return mail_series(src, lo, hi, all_versions, progress)


# ---- git histories ------------------------------------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{40}$")


def git_topics(tree: str, expr: str, since: datetime | None = None, until: datetime | None = None
               ) -> list[ArchiveItem]:
    from reviewbot.diffparse import patch_id

    if ".." not in expr or "..." in expr:
        raise InputError(f"git:{expr}: give a range A..B")
    if not (Path(tree) / ".git").exists() and not (Path(tree) / "objects").is_dir():
        raise InputError(f"git:{expr} needs --tree to be a git repository; {tree} is not one")
    out = _git(tree, "log", "--first-parent", "--merges", "--reverse", "--format=%H %P%x09%cI%x09%s",
               "--end-of-options", expr)
    items: list[ArchiveItem] = []
    for line in out.splitlines():
        shas, date_text, subject = line.split("\t", 2)
        merge, first, topic, *_ = shas.split()
        date = datetime.fromisoformat(date_text).astimezone(timezone.utc)
        if not _in_window(date, since, until):
            continue
        base = _git(tree, "merge-base", "--end-of-options", first, topic).strip()
        commits = _git(tree, "rev-list", "--reverse", "--no-merges", "--end-of-options",
                       f"{base}..{topic}").split()
        if not commits:
            continue
        items.append(ArchiveItem("git", subject, [], commits, list_name=Path(tree).resolve().name,
                                 date=date.isoformat(), accepted=True, base=base, tip=topic, merge=merge))
    # one diff-tree for every topic commit: the patch-ids of the resume keys
    wanted = list(dict.fromkeys(c for item in items for c in item.ids))
    diffs = _diffs(tree, wanted)
    for item in items:
        item.patch_ids = [patch_id(diffs.get(c, "")) if diffs.get(c, "").strip() else f"commit:{c}"
                          for c in item.ids]
        item.files = {n: _diff_files(diffs.get(c, "")) for n, c in enumerate(item.ids, 1)}
    return items


def _diffs(tree: str, commits: list[str]) -> dict[str, str]:
    if not commits:
        return {}
    out = _git(tree, "diff-tree", "--stdin", "-p", "-M", "--no-color", "--root", input="\n".join(commits) + "\n")
    diffs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines(keepends=True):
        if _SHA.match(line.rstrip("\n")):
            current = diffs.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line)
    return {sha: "".join(lines) for sha, lines in diffs.items()}


def _diff_files(diff: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in re.finditer(r"^\+\+\+ b/(\S+)", diff, re.M)))


# ---- mail ---------------------------------------------------------------------------------------

def mail_series(src: str, since: datetime | None = None, until: datetime | None = None,
                all_versions: bool = False, progress=None) -> list[ArchiveItem]:
    from reviewbot.ingest.series import fill_partial_reroll

    groups = _mail_groups(src, progress)
    items: list[ArchiveItem] = []
    for group in groups:
        versions = [v for v in group.versions if v.patches] if all_versions else [fill_partial_reroll(group)]
        for series in versions:
            if not series.patches:
                continue
            item = _mail_item(series, src)
            if _in_window(datetime.fromisoformat(item.date) if item.date else None, since, until):
                items.append(item)
    return items


def _mail_groups(src: str, progress=None):
    from reviewbot.ingest.load import load_mail

    if src.startswith(MAIL_PREFIXES):
        return _inbox_groups(src, progress)
    if not Path(src).exists():
        raise InputError(f"{src}: no such file or directory (or use git:A..B, maildir:, public-inbox:, mbox:)")
    return load_mail(src, progress).groups


def _inbox_groups(src: str, progress=None):
    """Every message of an inbox (ingest/inbox.py reads it from the start), threaded into series."""
    from reviewbot.ingest.changelog_cover import split_changelog_covers
    from reviewbot.ingest.inbox import open_inbox
    from reviewbot.ingest.mailread import parse_message
    from reviewbot.ingest.series import find_series_groups
    from reviewbot.ingest.thread import build_threads

    messages, seen = [], set()
    for n, item in enumerate(open_inbox(src).read_since(None), 1):
        if item.error is None:
            msg = parse_message(item.raw, item.origin)
            if msg.msgid not in seen:  # a maildir may offer a message twice
                seen.add(msg.msgid)
                messages.append(msg)
        if progress and n % 200 == 0:
            progress(n, None)
    messages = split_changelog_covers(messages)
    return find_series_groups(messages, build_threads(messages))


def _mail_item(series: Series, src: str) -> ArchiveItem:
    from reviewbot.diffparse import touched_files

    first = series.cover or (series.patches[0].message if series.patches else None)
    date = next((m.date for m in [first, *(p.message for p in series.patches)] if m is not None and m.date), None)
    ids = [p.message.msgid if p.message else f"patch {p.index}" for p in series.patches]
    skip = None
    if series.is_pull_request:
        skip = "pull request: nothing to apply"
    elif series.missing:
        skip = f"incomplete: patch{'es' if len(series.missing) > 1 else ''} " \
               f"{', '.join(map(str, series.missing))} of {series.expected_total} missing"
    shipped = replace(series, patches=[replace(p, _patchset=None) for p in series.patches])
    files = {}
    for p in series.patches:
        try:
            files[p.index] = touched_files(p.patchset) if p.has_diff else []
        except Exception:  # a diff unidiff cannot read: the review reports it, the report just has no files
            files[p.index] = []
    return ArchiveItem(
        "mail", series.subject, [p.patch_id or f"subject:{p.subject}" for p in series.patches], ids,
        list_name=list_name(first) if first else "", version=series.version, accepted=series.applied,
        date=date.astimezone(timezone.utc).isoformat() if date else None, series=shipped, skip_reason=skip,
        files=files)


def list_name(msg) -> str:
    """The mailing list a message went through: List-Id, else the first list-looking recipient."""
    for name, value in msg.headers:
        if name.lower() == "list-id":
            m = re.search(r"<([^>]+)>", value)
            return (m.group(1) if m else value).strip()
    for addr in [*msg.to, *msg.cc]:
        m = re.search(r"[\w.+-]+@(vger\.kernel\.org|lists\.[\w.-]+|[\w.-]*lists?[\w.-]*)", addr)
        if m:
            return m.group(0).lower()
    return ""

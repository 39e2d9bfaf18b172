"""The commit-message checks a rule can name as its ``condition`` (the only Python rules need).

Each takes the patch and the rule context and yields (line in the commit message, what is wrong);
line 0 means the message as a whole. Line 1 is the first line after the subject.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.utils import parseaddr

from reviewbot.model import Patch

_FIXES = re.compile(r'^(?P<sha>[0-9a-f]{12,40}) \("(?P<subject>.+)"\)$')
# Debian's DEP-3 patch headers: such patches are a distribution's, not upstream submissions.
_DEP3 = {"forwarded", "origin", "applied-upstream", "last-update", "description", "reviewed-by-debian"}
_SIGNOFF = re.compile(r"^Signed-off-by:\s*(.+)$", re.MULTILINE)


def _line_of(patch: Patch, needle: str) -> int:
    for n, line in enumerate(patch.commit_message.split("\n"), 1):
        if needle in line:
            return n
    return 0


def _is_dep3(patch: Patch) -> bool:
    headers = {k.lower() for k, _ in (patch.message.headers if patch.message else [])}
    body_fields = {line.split(":", 1)[0].lower() for line in patch.commit_message.split("\n") if ":" in line}
    fields = headers | body_fields
    return bool(fields & _DEP3) or any(f.startswith("bug-") for f in fields)


def author_signoff(patch: Patch, context) -> Iterator[tuple[int, str]]:
    if _is_dep3(patch):
        return
    # Every Signed-off-by counts, not only the last trailer block: backports add
    # "(cherry picked from commit ...)" and the backporter's sign-off in a paragraph of their own.
    signers = {parseaddr(value)[1].lower() for value in _SIGNOFF.findall(patch.commit_message)}
    if not signers:
        yield 0, "no Signed-off-by: line"
        return
    author_email = parseaddr(patch.author)[1].lower()
    if author_email and author_email not in signers:
        yield _line_of(patch, "Signed-off-by:"), f"the author {patch.author} does not sign off"


def fixes_tag(patch: Patch, context) -> Iterator[tuple[int, str]]:
    for t in patch.trailers:
        if t.name != "Fixes" or t.origin.value != "patch":
            continue
        line = _line_of(patch, f"Fixes: {t.value}") or _line_of(patch, "Fixes:")
        m = _FIXES.match(t.value.strip())
        if not m:
            yield line, f'"Fixes: {t.value}" is not of the form Fixes: <12+ hex digits> ("subject")'
            continue
        lookup = getattr(context, "commit_subject", None)
        if lookup is None:
            continue
        subject = lookup(m.group("sha"))
        if subject is None:
            yield line, f"Fixes: {m.group('sha')} is not a commit of this tree"
        elif subject.strip() != m.group("subject").strip():
            yield line, f'Fixes: {m.group("sha")} is "{subject.strip()}", not "{m.group("subject")}"'


def self_review(patch: Patch, context) -> Iterator[tuple[int, str]]:
    author_email = parseaddr(patch.author)[1].lower()
    for t in patch.trailers:
        if t.name in ("Reviewed-by", "Acked-by", "Tested-by") and t.email and t.email.lower() == author_email:
            yield _line_of(patch, f"{t.name}:"), f"{t.name}: {t.person} is the patch's own author"


# "net: dsa: mv88e6xxx: fix x" -> "net: dsa: mv88e6xxx"; a prefix is made of path-like words
_PREFIX = re.compile(r"^((?:[\w.+-]+(?:/[\w.+-]+)*: )+)")
_REVERT = re.compile(r'^Revert "(.+)"$')
_ARCH_HEADER = re.compile(r"^arch/[^/]+/include/")
SUBJECT_HISTORY_MIN = 5  # fewer prefixed commits on the touched files: too little to go by


def subject_prefix_of(subject: str) -> str | None:
    m = _REVERT.match(subject.strip())
    subject = m.group(1) if m else subject.strip()
    p = _PREFIX.match(subject)
    return p.group(1)[:-2] if p else None


def _first_word(prefix: str) -> str:
    """"mm/memory" -> "mm", "net: dsa: mv88e6xxx" -> "net": the subsystem the prefix starts with."""
    return prefix.split(": ")[0].split("/")[0].lower()


def _spans_subsystems(paths: list[str]) -> bool:
    """A patch across subsystems ("treewide:", "mm, fs:") picks its prefix freely: more than one
    folder two levels down (drivers/net, fs/ext4 -> fs/ext4 only), headers and docs not counted."""
    folders = {"/".join(p.split("/")[:2]) for p in paths
               if "/" in p and not p.startswith(("include/", "Documentation/")) and not _ARCH_HEADER.match(p)}
    return len(folders) > 1


def subject_prefix(patch: Patch, context) -> Iterator[tuple[int, str]]:
    """The subject's "subsystem:" prefix should be one the touched files' history uses: "mm:" or
    "mm/memory:" for mm/memory.c, not "memory:" or none at all. The first word of the prefix must
    be the first word of some prefix of the recent commits touching the same files."""
    log = getattr(context, "path_log", None)
    paths = sorted({pf.path for pf in patch.patchset}) if log is not None and patch.has_diff else []
    if not paths or patch.subject.lower().startswith(("merge ", "revert ")) or _spans_subsystems(paths):
        return
    prefixes = [p for p in (subject_prefix_of(s) for s in log(paths)) if p]
    if len(prefixes) < SUBJECT_HISTORY_MIN:
        return
    counts: dict[str, int] = {}
    for p in prefixes:
        counts[p] = counts.get(p, 0) + 1
    usual = ", ".join(f'"{p}:" ({n})' for p, n in sorted(counts.items(), key=lambda kv: -kv[1])[:3])
    where = paths[0] + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")
    mine = subject_prefix_of(patch.subject)
    if mine is None:
        yield 0, f"the subject has no subsystem prefix; git log of {where} uses {usual}"
        return
    if _first_word(mine) not in {_first_word(p) for p in prefixes}:
        yield 0, (f'subject prefix "{mine}:" is not one the history of {where} uses '
                  f'({usual} in the last {len(prefixes)})')


CONDITIONS: dict[str, Callable[[Patch, object], Iterator[tuple[int, str]]]] = {
    "author-signoff": author_signoff,
    "fixes-tag": fixes_tag,
    "self-review": self_review,
    "subject-prefix": subject_prefix,
}

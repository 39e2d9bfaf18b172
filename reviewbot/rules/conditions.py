"""The commit-message checks a rule can name as its ``condition`` (the only Python rules need).

Each takes the patch and the rule context and yields (line in the commit message, what is wrong);
line 0 means the message as a whole. Line 1 is the first line after the subject.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.utils import parseaddr, unquote

from reviewbot.model import Patch, Severity

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


_NAME_ADDR = re.compile(r"^(?P<name>.*?)\s*<(?P<addr>[^<>]*)>\s*$")
_COMMENT = re.compile(r"\([^()]*\)")
_SUBADDRESS = re.compile(r"^([^+@]+)\+[^@]*(@.*)$")


def person(value: str) -> tuple[str, str]:
    """(name, address) of "Name <addr>", the name unquoted and without comments, both compared
    as checkpatch compares them. A commit's author is written unquoted ("Lee, Chun-Yi <jlee@suse.com>"),
    which parseaddr reads as two addresses: the angle brackets are taken first."""
    m = _NAME_ADDR.match(value.strip())
    if m:
        name, addr = m.group("name"), m.group("addr")
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = unquote(name[1:-1])
    else:
        name, addr = parseaddr(value)
    name = " ".join(_COMMENT.sub(" ", name).split())
    return name, addr.strip().lower()


def _without_subaddress(addr: str) -> str:
    """RFC 5233: "joe+stable@example.com" is joe@example.com's."""
    m = _SUBADDRESS.match(addr)
    return m.group(1) + m.group(2) if m else addr


def author_signoff(patch: Patch, context) -> Iterator[tuple]:
    """checkpatch's NO_AUTHOR_SIGN_OFF / FROM_SIGN_OFF_MISMATCH: the author signs off, and under
    the From: name and address. The same name under another address (a work and a personal
    address) or the same address under another spelling of the name is the author signing off:
    a warning that says what differs, not "does not sign off"."""
    if _is_dep3(patch):
        return
    # Every Signed-off-by counts, not only the last trailer block: backports add
    # "(cherry picked from commit ...)" and the backporter's sign-off in a paragraph of their own.
    signoffs = [value.strip() for value in _SIGNOFF.findall(patch.commit_message)]
    if not signoffs:
        yield 0, "no Signed-off-by: line"
        return
    author_name, author_addr = person(patch.author)
    if not author_addr:
        return
    line = _line_of(patch, "Signed-off-by:")
    partial = None  # the closest sign-off: (rank, what differs, the sign-off as written)
    for value in signoffs:
        name, addr = person(value)
        same_name = bool(name) and name.casefold() == author_name.casefold()
        if addr == author_addr:
            if same_name or not name or not author_name:
                return
            candidate = (0, "name", value)
        elif same_name and _without_subaddress(addr) == _without_subaddress(author_addr):
            candidate = (1, "subaddress", value)
        elif same_name:
            candidate = (2, "address", value)
        else:
            continue
        if partial is None or candidate[0] < partial[0]:
            partial = candidate
    if partial is None:
        yield line, f"the author {patch.author} does not sign off"
        return
    _, what, value = partial
    line = _line_of(patch, value) or line
    yield line, (f"From:/Signed-off-by: email {what} mismatch: the author {patch.author} signs off as "
                 f"'{value}'"), Severity.WARNING


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


# A condition yields (line, message), or (line, message, severity) where one case of the rule is
# milder than the rule's own severity (RB0101: a sign-off under another address is a warning).
CONDITIONS: dict[str, Callable[[Patch, object], Iterator[tuple]]] = {
    "author-signoff": author_signoff,
    "fixes-tag": fixes_tag,
    "self-review": self_review,
    "subject-prefix": subject_prefix,
}

"""The in-memory model every layer shares: mail, series, patches, trailers, findings.

Plain dataclasses. Ingest (mail or git) builds them; analysis reads them and produces
Findings; report renders them. Nothing here knows about files, terminals or git.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # unidiff is only needed where diffs are parsed
    from unidiff import PatchSet


_OBFUSCATED = re.compile(r"@x{3,}(?:\.x+)*$|^x{3,}@", re.IGNORECASE)


@dataclass
class Message:
    """One mail, decoded. ``body`` is the text/plain content (or the best text we could find)."""

    msgid: str  # inside the angle brackets, case preserved
    from_name: str = ""
    from_email: str = ""
    date: datetime | None = None
    subject: str = ""
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    body: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # raw, in order
    to: list[str] = field(default_factory=list)  # "Name <addr>" as written
    cc: list[str] = field(default_factory=list)
    source: str = ""  # file (and position) it came from, for messages to the user
    defects: list[str] = field(default_factory=list)  # what was wrong but survivable

    @property
    def sender(self) -> str:
        if self.from_name and self.from_email:
            return f"{self.from_name} <{self.from_email}>"
        return self.from_email or self.from_name

    @property
    def parent_ids(self) -> list[str]:
        """Ids this message replies to, nearest first (In-Reply-To, then References backwards)."""
        ordered = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        # a dict keeps the order and makes this linear: a stranger's References can hold thousands of ids
        return list(dict.fromkeys(mid for mid in ordered if mid and mid != self.msgid))


def own_lines(body: str) -> list[str]:
    """The lines a mail's sender wrote: quotes dropped, stopped at the signature separator. A line
    between two quoted lines is the tail of a quoted line the sender's client wrapped
    ("> > > IMO, the mtime would be a" / "better" / "> > > choice"), not the sender's words."""
    lines = body.split("\n")
    quoted = [line.lstrip().startswith(">") for line in lines]
    out = []
    for n, line in enumerate(lines):
        if line.rstrip() in ("-- ", "--"):
            break
        wrapped = 0 < n < len(lines) - 1 and quoted[n - 1] and quoted[n + 1] and line.strip()
        if not quoted[n] and not wrapped:
            out.append(line)
    return out


@dataclass
class Thread:
    root: Message
    messages: list[Message] = field(default_factory=list)  # root first, each reply after its parent
    children: dict[str, list[str]] = field(default_factory=dict)  # msgid -> reply msgids

    def replies_to(self, msgid: str) -> list[Message]:
        by_id = {m.msgid: m for m in self.messages}
        return [by_id[c] for c in self.children.get(msgid, []) if c in by_id]


class TrailerOrigin(str, Enum):
    PATCH = "patch"  # written in the patch's own commit message
    REPLY = "reply"  # given in a reply to the patch
    COVER = "cover"  # given in a reply to (or on) the cover letter: applies to all patches


@dataclass
class Trailer:
    name: str  # canonical capitalisation, e.g. "Reviewed-by"
    value: str  # as written after the colon
    person: str = ""  # "Name <email>" when the value names a person
    email: str = ""
    source_msgid: str | None = None
    origin: TrailerOrigin = TrailerOrigin.PATCH
    extinfo: str | None = None  # trailing comment like "# v5.10+" or "[for the bogus part]"
    mismatch: str | None = None  # why it is flagged (person differs from the reply's From), else None

    @property
    def from_reply(self) -> bool:
        return self.origin is not TrailerOrigin.PATCH

    @property
    def is_person(self) -> bool:
        return bool(self.email)

    @property
    def address_hidden(self) -> bool:
        """Web archives hide addresses: "jack@xxxxxxx", "willy@xxxxxxxxxxxxx"."""
        return bool(_OBFUSCATED.search(self.email))

    def same_as(self, other: Trailer) -> bool:
        """The same trailer from the same person, also when an archive hid one of the addresses."""
        if self.name.lower() != other.name.lower():
            return False
        if (self.person or self.value).lower().split() == (other.person or other.value).lower().split():
            return True
        if not self.email or not other.email or not (self.address_hidden or other.address_hidden):
            return False
        mine, theirs = (" ".join(t.person.rsplit("<", 1)[0].replace('"', "").lower().split()) for t in (self, other))
        return bool(mine) and mine == theirs


@dataclass
class Patch:
    index: int  # 1-based position in the series (0 is the cover, never a Patch)
    total: int
    subject: str  # without the [PATCH ...] prefix
    author: str  # "Name <email>"
    commit_message: str  # body of the commit message, trailers included
    diff_text: str = ""  # the unified diff, as text
    trailers: list[Trailer] = field(default_factory=list)
    message: Message | None = None  # the mail it came from
    commit: str | None = None  # the git commit it came from
    date: datetime | None = None
    _patchset: PatchSet | None = field(default=None, repr=False, compare=False)
    _patch_id: str | None = field(default=None, repr=False, compare=False)

    @property
    def patchset(self) -> PatchSet:
        """The diff parsed with unidiff, computed on first use."""
        if self._patchset is None:
            from reviewbot.diffparse import parse_diff

            self._patchset = parse_diff(self.diff_text)
        return self._patchset

    @property
    def files(self) -> list[str]:
        from reviewbot.diffparse import touched_files

        return touched_files(self.patchset)

    @property
    def patch_id(self) -> str | None:
        """Stable id of the diff content, like ``git patch-id --stable`` (None when no diff)."""
        if self._patch_id is None and self.diff_text.strip():
            from reviewbot.diffparse import patch_id

            self._patch_id = patch_id(self.diff_text)
        return self._patch_id

    @property
    def has_diff(self) -> bool:
        return bool(self.diff_text.strip())


@dataclass
class Series:
    subject: str  # cover letter subject, else first patch's, without prefix
    version: int = 1
    prefixes: list[str] = field(default_factory=list)  # e.g. ["RFC", "PATCH", "net-next"]
    cover: Message | None = None
    patches: list[Patch] = field(default_factory=list)  # in index order
    expected_total: int = 0
    base_commit: str | None = None  # from a "base-commit:" line, if given
    source: str = ""  # where it came from (file, dir, git range)
    comments: list[Message] = field(default_factory=list)  # replies that are not patches
    cover_trailers: list[Trailer] = field(default_factory=list)  # given on the cover: apply to all
    is_pull_request: bool = False
    superseded_by: int | None = None  # newer version found in the same input
    # patchew's reading: the Message-ID of the version that obsoletes this one (its topic's latest)
    obsoleted_by: str | None = None
    # not obsoleted although not its topic's latest: the version number of the latest it is dated before
    dated_before: int | None = None
    applied: bool = False  # read from commit listings: the version that was applied
    # Patches known only from replies to them ("Re: [PATCH v3 1/5] foo"): index -> subject.
    absent: dict[int, str] = field(default_factory=dict)
    absent_trailers: dict[int, list[Trailer]] = field(default_factory=dict)  # given in those replies
    comment_targets: dict[str, int] = field(default_factory=dict)  # comment msgid -> patch index (0: cover)
    # A partial re-roll completed from older versions (b4's "[PATCH v2->v3 1/2]"): index -> version
    carried_from: dict[int, int] = field(default_factory=dict)

    @property
    def missing(self) -> list[int]:
        have = {p.index for p in self.patches}
        return [i for i in range(1, self.expected_total + 1) if i not in have]

    @property
    def complete(self) -> bool:
        return not self.missing


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass
class Finding:
    """One remark of the review. Every finding says where, which rule or analysis, and why."""

    file: str
    line: int
    rule: str  # permanent id of the rule or analysis, e.g. "RB-API-CALLER"
    severity: Severity
    message: str
    patch: int | None = None  # index of the patch it concerns (None: whole series / tree)
    hint: str | None = None  # how to fix, when there is something to say
    pack: str | None = None  # the rule pack (rules/packs/) whose rule or setting made it

    def to_dict(self) -> dict:
        d = {
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "patch": self.patch,
        }
        if self.hint:
            d["hint"] = self.hint
        if self.pack:
            d["pack"] = self.pack
        return d


@dataclass
class Skipped:
    """Something reviewbot could not look at, and why (a mail it could not decode, a patch that
    did not apply, a call it could not check). Reported, never silently dropped."""

    what: str  # e.g. "<msgid>", "patch 3/5", "mm/memory.c:1234"
    reason: str
    patch: int | None = None

    def to_dict(self) -> dict:
        return {"what": self.what, "reason": self.reason, "patch": self.patch}


@dataclass
class Review:
    """The result of reviewing one series: what the report layer renders."""

    series: Series
    findings: list[Finding] = field(default_factory=list)
    base: str | None = None  # commit (or directory) the series was applied to
    base_source: str = ""  # how the base was chosen: "--base", "base-commit", "blob match", "HEAD", ...
    skipped: list[Skipped] = field(default_factory=list)
    tree: str | None = None  # path of the tree reviewed against
    # (patch, file, line) -> the lines around a finding as the tree stood after that patch:
    # [(line number, text)], for reports that show the code
    snippets: dict[tuple[int | None, str, int], list[tuple[int, str]]] = field(default_factory=dict)
    # (patch, file) -> per hunk of that patch's diff of the file: tree line = the hunk's "+" line + shift
    # (non-zero where the patch applied at an offset), so reports can put a finding under its hunk
    line_shifts: dict[tuple[int, str], list[int]] = field(default_factory=dict)

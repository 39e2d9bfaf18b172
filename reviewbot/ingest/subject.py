"""Parse patch mail subjects: ``Re: [RFC PATCH net-next v2 03/12] mm: subject``.

Bracket groups may come in any number and order (``[Qemu-devel] [PATCH v4 0/2]``); inside a
group the tokens may come in any order (``[PATCH 2/5 v3]``, ``[PATCHv2 RESEND]``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_REPLY = re.compile(r"^\s*(re|aw|antw|sv|vs|odp|r|fwd?|tr|wg)\s*(\[\d+\])?\s*:\s*", re.I)
_FORWARD = re.compile(r"^(fwd?|tr|wg)$", re.I)
_GROUP = re.compile(r"^\s*\[([^\]]*)\]\s*")
_VERSION = re.compile(r"^v(\d+)(?:\.\d+)?$", re.I)
_COUNTER = re.compile(r"^(\d+)/(\d+)$")
_GLUED = re.compile(r"^(PATCH|RFC)v(\d+)$", re.I)
_HG_COUNTER = re.compile(r"\b(\d+) of (\d+)\b")
_PULL = re.compile(r"^\[?(GIT\s+PULL|PULL|GIT-PULL)\b", re.I)


@dataclass
class SubjectInfo:
    subject: str  # without reply markers and bracket groups
    prefixes: list[str] = field(default_factory=list)  # every token in the brackets, as written
    version: int = 1
    index: int | None = None
    total: int | None = None
    is_reply: bool = False
    is_forward: bool = False
    is_patch: bool = False  # a PATCH or RFC token was present
    is_rfc: bool = False
    is_resend: bool = False
    is_pull: bool = False
    version_given: bool = False  # an explicit "vN" was present

    @property
    def topic_prefixes(self) -> list[str]:
        """The tokens that are neither PATCH/RFC/RESEND nor version or counter: net-next, Qemu-devel."""
        skip = {"PATCH", "RFC", "RESEND"}
        return [p for p in self.prefixes
                if p.upper() not in skip and not _VERSION.match(p) and not _COUNTER.match(p)
                and not _GLUED.match(p)]


def parse_subject(subject: str) -> SubjectInfo:
    text = " ".join((subject or "").split())
    info = SubjectInfo(subject="")
    while True:
        m = _REPLY.match(text)
        if m:
            if _FORWARD.match(m.group(1)):
                info.is_forward = True
            else:
                info.is_reply = True
            text = text[m.end():]
            continue
        g = _GROUP.match(text)
        if g:
            _read_group(g.group(1), info)
            text = text[g.end():]
            continue
        break
    info.subject = text.strip()
    return info


def _read_group(group: str, info: SubjectInfo) -> None:
    if _PULL.match(group):
        info.is_pull = True
    hg = _HG_COUNTER.search(group)  # Mercurial patchbomb: "[PATCH 1 of 2]"
    if hg:
        info.index, info.total = int(hg.group(1)), int(hg.group(2))
        group = group[: hg.start()] + " " + group[hg.end():]
    for token in re.split(r"[\s,]+", group.strip()):
        if not token:
            continue
        info.prefixes.append(token)
        upper = token.upper()
        glued = _GLUED.match(token)
        if glued:
            info.is_patch = True
            info.is_rfc = info.is_rfc or glued.group(1).upper() == "RFC"
            info.version = int(glued.group(2))
            info.version_given = True
        elif upper == "PATCH":
            info.is_patch = True
        elif upper == "RFC":
            info.is_patch = True
            info.is_rfc = True
        elif upper == "RESEND":
            info.is_resend = True
        elif _VERSION.match(token):
            info.version = int(_VERSION.match(token).group(1))
            info.version_given = True
        elif _COUNTER.match(token):
            idx, total = _COUNTER.match(token).groups()
            info.index, info.total = int(idx), int(total)
        elif upper in ("PULL", "GIT"):
            info.is_pull = info.is_pull or "PULL" in group.upper()


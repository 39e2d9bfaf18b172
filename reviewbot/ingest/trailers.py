"""Trailers (``Reviewed-by: Name <email>``) in commit messages and in review replies, with b4's rules.

- A patch's own trailers are the trailer block that ends its commit message.
- A reply contributes the person trailers written in its own (unquoted) text above its signature,
  and the Link:/Closes: lines of the same trailer block (as b4 keeps them); replies carrying a diff
  contribute nothing.
- A trailer whose person is not the reply's sender is kept but flagged (``Trailer.mismatch``),
  unless the patch already carries it.
"""
from __future__ import annotations

import re
from email.utils import parseaddr

from reviewbot.model import Message, Trailer, TrailerOrigin, own_lines

_TRAILER = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*):[ \t]+(\S.*?)\s*$")
_PERSON_NAME = re.compile(r"-by$|^cc$", re.IGNORECASE)
_EXTINFO_LINE = re.compile(r"^\s*\[[^\]]*\]\s*$")
_COMMENT = re.compile(r"\s+#\s.*$|\s+#$")
_MAILTO_JUNK = re.compile(r"<mailto:[^>]*>", re.IGNORECASE)
_EMAIL = re.compile(r"[^\s<>@]+@[^\s<>@]+")
# Lines that look like trailers but are mail headers quoted in prose or patch metadata.
_NOT_TRAILER_NAMES = {"http", "https", "from", "to", "subject", "date", "message-id", "in-reply-to", "note",
                      "index", "diff", "commit", "author", "committer", "merge", "change-id", "content-type"}


def canonical_name(name: str) -> str:
    """"reviewed-BY" -> "Reviewed-by", "cc" -> "Cc": first letter upper, the rest lower."""
    return name[:1].upper() + name[1:].lower()


def _person_of(value: str) -> tuple[str, str]:
    """(display "Name <email>", email) for a trailer value that names a person, else ("", "")."""
    value = _MAILTO_JUNK.sub("", value)
    m = _EMAIL.search(value)
    if not m:
        return "", ""
    email = m.group(0).strip("<>(),;")
    name_part = value[: value.find("<")] if "<" in value else value.replace(m.group(0), "")
    name = " ".join(name_part.replace('"', "").split()).strip(",")
    if not name:
        name, addr = parseaddr(value)
        return (f"{name} <{addr}>" if name else f"<{addr}>"), addr
    return f"{name} <{email}>", email


def make_trailer(name: str, value: str, origin: TrailerOrigin = TrailerOrigin.PATCH,
                 source_msgid: str | None = None, extinfo: str | None = None) -> Trailer:
    value = _MAILTO_JUNK.sub("", value).strip()
    comment = _COMMENT.search(value)
    if comment and not _EMAIL.search(comment.group(0)):
        extinfo = extinfo or comment.group(0)
        value = value[: comment.start()].rstrip()
    person, email = _person_of(value) if _PERSON_NAME.search(name) else ("", "")
    return Trailer(name=canonical_name(name), value=value, person=person, email=email,
                   source_msgid=source_msgid, origin=origin, extinfo=extinfo)


def _is_trailer_line(line: str) -> re.Match | None:
    m = _TRAILER.match(line)
    if not m or m.group(1).lower() in _NOT_TRAILER_NAMES:
        return None
    return m


def parse_trailers(text: str, origin: TrailerOrigin = TrailerOrigin.PATCH,
                   source_msgid: str | None = None) -> list[Trailer]:
    """The trailer block that ends a commit message: wrapped lines joined, "[...]" notes kept as extinfo."""
    lines = text.rstrip("\n").split("\n")
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0:
        line = lines[start - 1]
        if not line.strip():
            break
        start -= 1
    block = lines[start:end]
    if not any(_is_trailer_line(b) for b in block):
        return []
    return _read_block(block, origin, source_msgid)


def _read_block(block: list[str], origin: TrailerOrigin, source_msgid: str | None) -> list[Trailer]:
    out: list[Trailer] = []
    pending: list[str] | None = None  # [name, value] of the trailer being read

    def flush(extinfo: str | None = None) -> None:
        nonlocal pending
        if pending:
            out.append(make_trailer(pending[0], pending[1], origin, source_msgid, extinfo))
        pending = None

    for line in block:
        m = _is_trailer_line(line)
        if m:
            flush()
            pending = [m.group(1), m.group(2)]
        elif pending and _EXTINFO_LINE.match(line):
            flush(extinfo=line.rstrip())
        elif pending and line.strip() and "@" in line and "@" not in pending[1]:
            pending[1] += " " + line.strip()  # a person trailer wrapped before its address
        elif pending and line[:1].isspace() and line.strip():
            flush(extinfo=line.rstrip())
        else:
            flush()
    flush()
    return out


def reply_trailers(msg: Message, origin: TrailerOrigin = TrailerOrigin.REPLY) -> list[Trailer]:
    """Person trailers a reviewer wrote in a reply: unquoted lines above the signature only."""
    trailers: list[Trailer] = []
    lines = own_lines(msg.body)
    for n, line in enumerate(lines):
        m = _is_trailer_line(line)
        if m and m.group(1).lower() in _FOLLOWUP_UTILITY and _beside_person_trailer(lines, n):
            trailers.append(make_trailer(m.group(1), m.group(2), origin, msg.msgid))
            continue
        if not m or not m.group(1).lower().endswith("-by"):
            continue
        value = m.group(2)
        if "@" not in value and n + 1 < len(lines) and "@" in lines[n + 1] and not _is_trailer_line(lines[n + 1]):
            value += " " + lines[n + 1].strip()
        t = make_trailer(m.group(1), value, origin, msg.msgid)
        if t.email:
            t.mismatch = _mismatch(t, msg)
            trailers.append(t)
    return trailers


# Utility trailers b4 keeps from a follow-up ("Link: https://example.org", "Closes: .../bug/1234"),
# taken only from a block that also holds a person trailer, so a URL in prose is not one.
_FOLLOWUP_UTILITY = {"link", "closes"}


def _beside_person_trailer(lines: list[str], n: int) -> bool:
    start = n
    while start > 0 and lines[start - 1].strip():
        start -= 1
    end = n
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    return any((m := _is_trailer_line(line)) and m.group(1).lower().endswith("-by") for line in lines[start:end + 1])


def _norm_name(name: str) -> str:
    name = re.sub(r"[\(\[][^\)\]]*[\)\]]", "", name).replace('"', "")
    if "," in name:  # "Tester2, Followup" -> "Followup Tester2"
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return " ".join(name.lower().split())


def _mismatch(trailer: Trailer, msg: Message) -> str | None:
    if trailer.email.lower() == msg.from_email.lower():
        return None
    tname = _norm_name(trailer.person.rsplit("<", 1)[0])
    if tname and tname == _norm_name(msg.from_name):
        return None
    return f"given by {msg.sender or 'an unknown sender'}, not by {trailer.person}"


def trailer_key(t: Trailer) -> tuple[str, str]:
    """Two trailers are the same when name and value are (b4 keeps one person's two spellings)."""
    return (t.name.lower(), " ".join((t.person or t.value).lower().split()))


def merge_trailers(own: list[Trailer], *collected: list[Trailer]) -> list[Trailer]:
    """Own trailers first, then collected ones in order; duplicates dropped; restating one the patch
    already carries is never a mismatch."""
    seen = {trailer_key(t) for t in own}
    out = list(own)
    for group in collected:
        for t in group:
            key = trailer_key(t)
            if key in seen or (t.address_hidden and any(t.same_as(o) for o in out)):
                continue
            seen.add(key)
            out.append(t)
    return out


def without_ignored(trailers: list[Trailer], senders: dict[str, str], ignore_from: list[str]) -> list[Trailer]:
    """b4's trailers-ignore-from: drop the trailers replies from these addresses gave (bots, CI);
    ``senders`` maps a reply's Message-ID to its sender's address. The patch's own trailers stay."""
    ignored = {a.strip().lower() for a in ignore_from if a.strip()}
    if not ignored:
        return trailers
    return [t for t in trailers
            if not (t.from_reply and senders.get(t.source_msgid or "", "").lower() in ignored)]

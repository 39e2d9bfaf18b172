"""Split a patch mail's body into commit message and patch, the way ``git mailinfo`` does.

In-body ``From:``/``Subject:``/``Date:`` lines at the top of the body override the mail's
headers (people forwarding someone else's patch); the message ends at the patch break: a
``---`` line, ``diff -``, ``Index:`` or ``--- file``. ``mail_info`` gives what git prints as
INFO (author, email, subject, date). Scissors ("-- >8 --") are honoured only when asked, as in
git. Checked against git's own t5100 expected outputs (tests/test_mailinfo.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.ingest.decode import decode_words, split_from
from reviewbot.model import Message

_INBODY = re.compile(r"^(From|Subject|Date):[ \t]*(.*)$", re.I)
# "From <sha> Mon Sep 17 00:00:00 2001" as git format-patch writes it, pasted into a body; it
# arrives ">"-escaped, or unescaped once the mbox reader has undone the mboxrd escaping.
_FORMAT_PATCH_SEPARATOR = re.compile(r"^>?From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$")
# A diff of the mail's own (quoted ones start with "> " and do not match): "---"/"+++" file headers
# followed by a hunk, or a git header followed by what git writes under it, which covers mode-only,
# rename-only, copy and binary changes that have no hunk at all.
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_HAS_DIFF = re.compile(
    r"^(?:--- [^\n]+\n\+\+\+ [^\n]+\n@@+ -\d"
    r"|diff --git [^\n]+\n(?:[^\n]*\n){0,3}?(?:index [0-9a-f]+\.\.|old mode |new mode |similarity index |"
    r"dissimilarity index |rename from |copy from |deleted file mode |new file mode |Binary files |"
    r"GIT binary patch|--- ))",
    re.MULTILINE)


@dataclass
class PatchParts:
    commit_message: str  # before the patch break; in-body headers removed; trailing blanks trimmed
    diff: str  # from the first diff header on ("" when the mail carries no diff)
    inbody_from: str | None = None
    inbody_subject: str | None = None
    inbody_date: str | None = None
    diffstat: str = ""  # between the "---" separator and the diff
    patch: str = ""  # everything from the patch break on, as git mailinfo writes it


def is_patch_break(line: str) -> bool:
    if line.startswith("diff -") or line.startswith("Index: "):
        return True
    if line.startswith("---"):
        rest = line[3:]
        if rest.startswith(" ") and len(rest) > 1 and not rest[1].isspace():
            return True  # "--- a/file": a patch without a separator
        return rest.strip() == ""  # "---" alone: the manual separator
    return False


def split_patch_body(body: str, scissors: bool = False, inbody_headers: bool = True) -> PatchParts:
    """Split a body into commit message, diffstat and diff with ``git mailinfo``'s rules.

    In-body headers: leading blank lines are skipped; then ``From:``, ``Subject:``, ``Date:``
    lines (any case, folded continuations joined), a ``[PATCH] subject`` line and a
    ``>From <sha>`` format-patch separator are consumed as long as they follow one another; a
    blank line ends them, and the first other line starts the message. A header name seen twice
    ends the block (git keeps the first). git uses the in-body values only when the mail carries
    a patch; they are returned here either way and the caller decides.
    The message keeps its lines as written; only trailing blank lines are trimmed.

    ``scissors`` (git's ``--scissors``, off by default there too): everything above the last
    "-- >8 --" line before the patch is dropped, in-body headers included, and in-body headers
    are read again below it. ``inbody_headers=False`` is git's ``--no-inbody-headers``: only the
    leading blank lines are skipped.
    """
    lines = body.replace("\r\n", "\n").split("\n")
    inbody, i = _read_inbody(lines, 0, inbody_headers)
    k = i
    while k < len(lines) and not is_patch_break(lines[k]):
        if scissors and is_scissors_line(lines[k]):
            inbody, i = _read_inbody(lines, k + 1, inbody_headers)
            k = i
            continue
        k += 1
    msg_lines = lines[i:k]
    while msg_lines and not msg_lines[-1].strip():
        msg_lines.pop()
    patch_lines = lines[k:]
    diff, diffstat = _find_diff(patch_lines)
    return PatchParts(
        commit_message="\n".join(msg_lines) + ("\n" if msg_lines else ""),
        diff=diff,
        inbody_from=inbody.get("from"),
        inbody_subject=inbody.get("subject"),
        inbody_date=inbody.get("date"),
        diffstat=diffstat,
        patch="\n".join(patch_lines),
    )


def _read_inbody(lines: list[str], start: int, enabled: bool = True) -> tuple[dict[str, str], int]:
    """The in-body headers from ``start`` on, and the index of the first line of the message."""
    inbody: dict[str, str] = {}
    if not enabled:
        while start < len(lines) and not lines[start].strip():
            start += 1
        return inbody, start
    pending: list[str] = []  # an in-body header whose folded continuation may follow
    i = start
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            if pending:  # a blank line after in-body headers ends them (and is dropped)
                break
            continue
        if pending and line[:1] in (" ", "\t"):
            pending.append(line)
            i += 1
            continue
        _store_inbody(pending, inbody)
        pending = []
        if _FORMAT_PATCH_SEPARATOR.match(line):
            i += 1
            continue
        if line.startswith("[PATCH]") and line[7:8].isspace() and "subject" not in inbody:
            inbody["subject"] = line.strip()
            i += 1
            continue
        m = _INBODY.match(line)
        if m and m.group(1).lower() not in inbody:
            pending = [line]
            i += 1
            continue
        break
    _store_inbody(pending, inbody)
    return inbody, i


def is_scissors_line(line: str) -> bool:
    """A "cut here" line: git's rule. Dashes, blanks and scissors (">8", "8<", ">%", "%<") form a
    perforation; the line is a cut mark when it has scissors, is at least 8 characters wide,
    the perforation covers more than a third of it, and blanks are under half the perforation.
    "-- >8 --" is one; "... not a scissors mark -- >8 -- but talks about it." is not."""
    text = line.strip()
    perforation = gap = scissor_marks = 0
    in_run = False
    n = 0
    while n < len(text):
        pair = text[n:n + 2]
        if pair in (">8", "8<", ">%", "%<"):
            perforation += 2
            scissor_marks += 1
            in_run = True
            n += 2
            continue
        ch = text[n]
        if ch == "-":
            perforation += 1
            in_run = True
        elif ch.isspace():
            if in_run:
                perforation += 1
                gap += 1
        else:
            in_run = False
        n += 1
    return scissor_marks > 0 and len(text) >= 8 and perforation * 3 > len(text) and gap * 2 < perforation


def _store_inbody(header_lines: list[str], inbody: dict[str, str]) -> None:
    """Record one (possibly folded) in-body header, RFC 2047 words decoded; the first of a name wins."""
    if not header_lines:
        return
    m = _INBODY.match(header_lines[0])
    if not m:
        return
    value = " ".join([m.group(2).strip()] + [c.strip() for c in header_lines[1:]]).strip()
    if "=?" in value:
        value = decode_words(value)
    inbody.setdefault(m.group(1).lower(), value)


def _find_diff(patch_lines: list[str]) -> tuple[str, str]:
    """The diff proper (from its first file header) and the diffstat text before it."""
    for n, line in enumerate(patch_lines):
        if line.startswith("diff ") or line.startswith("Index: "):
            break
        if line.startswith("--- ") and n + 1 < len(patch_lines) and patch_lines[n + 1].startswith("+++ "):
            break
    else:
        return "", ""
    diffstat = "\n".join(patch_lines[1:n] if patch_lines and patch_lines[0].startswith("---") else patch_lines[:n])
    diff = "\n".join(_strip_signature(patch_lines[n:]))
    return (diff + "\n" if diff and not diff.endswith("\n") else diff), diffstat.strip("\n")


def _strip_signature(lines: list[str]) -> list[str]:
    """The diff without what follows it: the "-- " signature format-patch appends (git version) or
    a mailing-list footer ("____" line). Hunk line counts say where each hunk ends, so a removed
    line that reads "- " (shown as "-- ") inside a hunk is never taken for a signature."""
    old = new = 0  # lines still expected in the current hunk
    for n, line in enumerate(lines):
        if old > 0 or new > 0:
            tag = line[:1]
            if tag in (" ", ""):  # context (an empty line is context whose blank a mailer ate)
                old, new = old - 1, new - 1
            elif tag == "-":
                old -= 1
            elif tag == "+":
                new -= 1
            elif tag != "\\":  # "\ No newline at end of file" counts for neither side
                old = new = 0  # a hunk shorter than its header said: resume outside-hunk rules
            if old > 0 or new > 0 or tag in " -+\\":
                continue
        hunk = _HUNK_HEADER.match(line)
        if hunk:
            old = int(hunk.group(2)) if hunk.group(2) is not None else 1
            new = int(hunk.group(4)) if hunk.group(4) is not None else 1
        elif line == "-- " or line.startswith("_______________________________________________"):
            return lines[:n]
    return lines


def looks_like_patch(body: str) -> bool:
    """True when the text carries a diff of its own (quoted diffs start with "> " and do not count):
    file headers with hunks, or a git header for mode-, rename- or binary-only changes."""
    return bool(_HAS_DIFF.search(body))


@dataclass
class MailInfo:
    """What ``git mailinfo`` prints on stdout: who wrote the patch, its subject and date."""

    author: str
    email: str
    subject: str  # "Re:" and leading "[...]" groups removed
    date: str  # as written in the mail (or in-body Date:)


def clean_subject(subject: str) -> str:
    """git mailinfo's subject cleanup: drop leading "Re:", ":" and whitespace, and every leading
    bracketed group ("[PATCH v2 1/3] [other]"), repeatedly; keep the rest as written."""
    text = " ".join(subject.split())  # git collapses blanks in every header it reports
    while True:
        stripped = text.lstrip(" \t:")
        if stripped[:3].lower() == "re:":
            stripped = stripped[3:]
        elif stripped.startswith("[") and "]" in stripped:
            stripped = stripped[stripped.index("]") + 1:]
        if stripped == text:
            return text.strip()
        text = stripped


def mail_info(message: Message, parts: PatchParts | None = None) -> MailInfo:
    """Author, email, subject and date of a patch mail with git's rule for in-body headers:
    they replace the mail's own only when the mail carries a patch."""
    parts = parts if parts is not None else split_patch_body(message.body)
    name, email, subject = message.from_name, message.from_email, message.subject
    if not email:  # git names nobody when the From header holds no address
        name = ""
    date = next((v for k, v in message.headers if k.lower() == "date"), "")
    if parts.patch.strip():
        if parts.inbody_from is not None:
            name, email = split_from(parts.inbody_from)
        subject = parts.inbody_subject if parts.inbody_subject is not None else subject
        date = parts.inbody_date if parts.inbody_date is not None else date
    return MailInfo(author=" ".join((name or email).split()), email=email, subject=clean_subject(subject),
                    date=" ".join(date.split()))

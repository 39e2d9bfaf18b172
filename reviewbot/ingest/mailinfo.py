"""Split a patch mail's body into commit message and patch, the way ``git mailinfo`` does.

In-body ``From:``/``Subject:``/``Date:`` lines at the top of the body override the mail's
headers (people forwarding someone else's patch); the message ends at the patch break: a
``---`` line, ``diff -``, ``Index:`` or ``--- file``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_INBODY = re.compile(r"^(From|Subject|Date):[ \t]*(.*)$", re.I)
_DIFF_HEAD = re.compile(r"^(diff --git |diff -|Index: |--- \S|\+\+\+ \S|@@ -\d|rename from |old mode |"
                        r"new file mode |deleted file mode |similarity index |Binary files )", re.M)
_GIT_DIFF = re.compile(r"^diff --git |^--- \S.*\n\+\+\+ \S|^Index: \S.*\n=+\n", re.M)
_HAS_DIFF = re.compile(r"^(?:--- \S.*\n\+\+\+ \S|diff --git \S+ \S+$|GIT binary patch$|Index: \S.*\n={20,}$)",
                       re.MULTILINE)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", re.M)


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


def split_patch_body(body: str) -> PatchParts:
    lines = body.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    inbody: dict[str, str] = {}
    j = i
    if i < len(lines) and re.match(r"\[PATCH\]\s", lines[i]):
        # git mailinfo reads a first body line "[PATCH] subject" as an in-body Subject
        inbody["subject"] = lines[i].strip()
        j = i + 1
    while j < len(lines):
        m = _INBODY.match(lines[j])
        if not m or m.group(1).lower() in inbody:
            break
        value = m.group(2)
        j += 1
        while j < len(lines) and lines[j][:1] in (" ", "\t") and lines[j].strip():
            value += " " + lines[j].strip()  # folded in-body header
            j += 1
        inbody[m.group(1).lower()] = value.strip()
    if inbody and (j >= len(lines) or not lines[j].strip() or is_patch_break(lines[j])):
        i = j
        while i < len(lines) and not lines[i].strip():
            i += 1
    else:
        inbody = {}
    msg_lines: list[str] = []
    k = i
    while k < len(lines) and not is_patch_break(lines[k]):
        msg_lines.append(lines[k].rstrip())
        k += 1
    while msg_lines and not msg_lines[-1].strip():
        msg_lines.pop()
    patch = "\n".join(lines[k:])
    diff, diffstat = _find_diff(lines[k:])
    return PatchParts(
        commit_message="\n".join(msg_lines) + ("\n" if msg_lines else ""),
        diff=diff,
        inbody_from=inbody.get("from"),
        inbody_subject=inbody.get("subject"),
        inbody_date=inbody.get("date"),
        diffstat=diffstat,
        patch=patch,
    )


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
    """Drop the "-- " signature (format-patch's git version, mailing-list footers) after the diff."""
    for n in range(len(lines) - 1, -1, -1):
        if lines[n] == "-- ":
            tail = lines[n + 1:]
            if len(tail) <= 12 and not any(t.startswith(("@@", "diff ", "+++ ")) for t in tail):
                return lines[:n]
    return lines


def looks_like_patch(body: str) -> bool:
    """True when the text carries a diff of its own (quoted diffs start with "> " and do not count):
    file headers with hunks, or a git header for mode-, rename- or binary-only changes."""
    return bool(_HAS_DIFF.search(body))

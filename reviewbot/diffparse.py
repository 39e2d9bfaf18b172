"""Unified diffs: parsed with unidiff, the files they touch, and git's stable patch-id.

Below ingest and the model alike: the model's Patch parses its diff on first use, ingest reads
diffs from mail and git, the C engine applies them; none of them owns the parser.

The patch-id lets reviewbot say that patch 3 of v2 is the same change as patch 2 of v1 even
after a rebase (line numbers and whitespace do not count), exactly as ``git patch-id --stable``.
"""
from __future__ import annotations

import hashlib
import re

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewbot.errors import InputError

_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_WHITESPACE = re.compile(r"\s+")


def parse_diff(text: str) -> PatchSet:
    """The diff parsed by unidiff; a diff it cannot read is an InputError with the reason."""
    try:
        return PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(f"cannot parse diff: {exc}") from None


_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_path(path: str) -> str:
    """A path as git writes one with unusual bytes: ``"a/foo\\303\\251.c"`` (C-style quoted, octal
    UTF-8) becomes ``a/fooé.c``; any other path is returned as it is."""
    if len(path) < 2 or path[0] != '"' or path[-1] != '"':
        return path
    out = bytearray()
    body = path[1:-1]
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            digits = body[i + 1:i + 4]
            if len(digits) == 3 and digits[0] in "0123" and all(ch in "01234567" for ch in digits):
                out.append(int(body[i + 1:i + 4], 8))
                i += 4
                continue
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
        out.extend(c.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", "surrogateescape")


def strip_prefix(path: str | None) -> str | None:
    """A diff's file name without its a/ or b/ (unquoted); None for /dev/null."""
    if path is None or path == "/dev/null":
        return None
    path = unquote_path(path)
    if path[:2] in ("a/", "b/"):
        return path[2:]
    return path


def touched_files(patchset: PatchSet) -> list[str]:
    """Post-image paths of every file the diff touches (the old path for deletions), in diff order."""
    out: list[str] = []
    for f in patchset:
        path = strip_prefix(f.target_file) or strip_prefix(f.source_file) or f.path
        if path and path not in out:
            out.append(path)
    return out


def patch_id(diff_text: str) -> str:
    """``git patch-id --stable`` of a diff: the sum of one SHA-1 per file, of the diff without
    whitespace, index lines and hunk line numbers."""
    result = bytearray(20)
    ctx = hashlib.sha1()
    before = after = -1
    started = False
    binary = False
    pre_oid = post_oid = ""

    def flush() -> None:
        nonlocal ctx
        digest = ctx.digest()
        ctx = hashlib.sha1()
        carry = 0
        for i in range(20):
            carry += result[i] + digest[i]
            result[i] = carry & 0xFF
            carry >>= 8

    lines = diff_text.splitlines(keepends=True)
    # git only knows diffs with "diff " headers; a plain "--- a/x" diff (quilt, Debian) gets the
    # same treatment from its first file header on, so versions of it can still be compared.
    git_style = any(line.startswith("diff ") for line in lines)
    for n, line in enumerate(lines):
        if line.startswith("\\ ") and len(line) > 12:
            continue  # "\ No newline at end of file"
        if not started and not (line.startswith("diff ") or not git_style and line.startswith("--- ")
                                and n + 1 < len(lines) and lines[n + 1].startswith("+++ ")):
            continue
        if not git_style and started and before == 0 and after == 0 and line.startswith("--- "):
            flush()  # the next file of a plain diff
            before = after = -1
        if before == -1:
            if line.startswith(("GIT binary patch", "Binary files")):
                binary = True
                before = 0
                ctx.update(pre_oid.encode() + post_oid.encode())
                flush()
                started = True
                continue
            if line.startswith("index "):
                m = re.match(r"index ([0-9a-f]+)\.\.([0-9a-f]+)", line)
                if m:
                    pre_oid, post_oid = m.groups()
                continue
            if line.startswith("--- "):
                before = after = 1
            elif not line[:1].isalpha():
                break
        if binary:
            if line.startswith("diff "):
                binary = False
                before = -1
            else:
                continue
        if before == 0 and after == 0:
            m = _HUNK_HEADER.match(line)
            if m:
                before = int(m.group(1)) if m.group(1) is not None else 1
                after = int(m.group(2)) if m.group(2) is not None else 1
                continue
            if not line.startswith("diff "):
                break
            flush()
            before = after = -1
        if line[:1] in ("-", " "):
            before -= 1
        if line[:1] in ("+", " "):
            after -= 1
        ctx.update(_WHITESPACE.sub("", line).encode("utf-8", "surrogateescape"))
        started = True
    flush()
    return bytes(result).hex()

"""Read mail from wherever patches are kept into ``model.Message`` objects.

Inputs: mbox (mboxo and mboxrd), maildir (cur/ and new/), a single .eml, ``git format-patch``
files and directories of them, gzip'ed mbox (by magic bytes), stdin (``-``), and mail flattened
to text by a web archive (see ``parse_archive_page``).

mbox: a "From " line starts a message only when a mail header block follows it (see
``_is_separator``). One level of ">From " quoting is always undone: that is mboxrd's rule, and
for an mboxo file it restores the "From " lines its writer escaped; only a line that was
">From" before mboxo escaping loses its ">" (git's mailsplit, without --mboxrd, undoes none).

A message that cannot be decoded at all is reported in ``skipped`` under its Message-ID and the
rest is still read; a source with no mail at all is an InputError. Duplicate Message-IDs: the
first copy is kept, the others are listed in ``duplicates``.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from reviewbot.errors import InputError, MailError
from reviewbot.ingest.changelog_cover import COMMIT_LISTING_HEADER
from reviewbot.ingest.decode import (
    addresses,
    body_text,
    decode_bytes,
    decode_raw_header,
    header_value,
    header_values,
    split_from,
)
from reviewbot.ingest.mailinfo import looks_like_patch
from reviewbot.ingest.reflow import looks_flattened, reflow
from reviewbot.model import Message, Skipped

MAX_INPUT_BYTES = 512 * 1024 * 1024
_PARSER = BytesParser(policy=policy.default)
_MSGID = re.compile(r"<([^<>\s]+)>")
# A candidate mbox separator: "From sha Mon Sep 17 00:00:00 2001", "From user@host Thu Jan  1
# 00:00:00 1970", or just "From A"; _is_separator decides.
_FROM_LINE = re.compile(rb"^From \S.*$", re.M)
_MBOXRD_ESCAPED = re.compile(rb"^>(>*From )", re.M)
_HEADER_LINE = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:[ \t]?")
_HEADER_NAME = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*):", re.M)
_MAIL_HEADERS = {b"from", b"subject", b"message-id", b"date", b"received", b"return-path", b"delivered-to",
                 b"mime-version", b"content-type", b"to", b"in-reply-to", b"references", b"x-mailer"}
_ARCHIVE_FIELD = re.compile(r"^(From|Date|Subject|To|Cc|Message-ID|In-Reply-To):\s*(.*)$", re.I)
# "Ross Zwisler b2770da642 mm: add vm_insert_mixed_mkwrite()": author, abbreviated commit, subject
_COMMIT_LINE = re.compile(r"^(?P<name>[^\s\d:<>][^:<>]*?) (?P<sha>[0-9a-f]{7,40}) (?P<subject>\S.*)$")
# "On Fri 21-07-17 16:39:53, Ross Zwisler wrote: > ...": the attribution line of a reply
_ATTRIBUTION = re.compile(r"\bwrote:\s*>")
# A commit listing page ends with the dates of the files it lists ("2017-09-06 17:27:24 -07:00", "..").
_LISTING_TAIL = re.compile(r"\n(?:(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:?\d\d|\.\.)\s*\n?)+\s*$")
_SIGNATURE_PERSON = re.compile(r"^\s*([A-Z][^<>\n@]{1,60}?)\s*<([^<>\s]+@[^<>\s]+)>", re.M)
_ARCHIVE_DATE = re.compile(r"^(?:[A-Z][a-z]{2},? )?([A-Z][a-z]{2}) (\d{1,2}),? (\d{4}) -? ?(\d\d:\d\d:\d\d)"
                           r"(?: ([A-Z]{3,4}))?")
_ZONE_HOURS = {"UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
               "PST": -8, "PDT": -7, "CET": 1, "CEST": 2, "BST": 1, "JST": 9}
_NON_MAIL_SUFFIXES = {".md", ".json", ".py", ".sh", ".c", ".h", ".png", ".jpg", ".gif", ".pdf", ".bundle"}


@dataclass
class MailReadResult:
    messages: list[Message] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # msgids seen more than once (first kept)
    progress: Callable[[int, int], None] | None = field(default=None, repr=False)  # (done, total) units

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def read_messages(source: str | Path, progress: Callable[[int, int], None] | None = None) -> MailReadResult:
    """Read every message of ``source``; raise InputError when it holds no mail at all.
    ``progress(done, total)`` is called as files of a directory or messages of an mbox are read."""
    result = MailReadResult(progress=progress)
    if str(source) == "-":
        if sys.stdin is None:  # started with stdin closed (`<&-`): there is nothing to read
            raise InputError("stdin is closed: nothing to read")
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"stdin: more than {MAX_INPUT_BYTES} bytes, more than reviewbot reads")
        if not data.strip():
            raise InputError("no input on stdin")
        _read_blob(data, "<stdin>", result)
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir():
            _read_dir(path, result)
        elif path.is_file():
            _read_blob(_read_file(path), str(path), result)
        else:
            raise InputError(f"{path}: not a regular file or directory")
    if not result.messages:
        why = f" ({result.skipped[0].reason})" if result.skipped else ""
        raise InputError(f"{source}: no mail found{why}")
    return _dedupe(result)


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: {size} bytes is more than reviewbot reads ({MAX_INPUT_BYTES})")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def _read_dir(path: Path, result: MailReadResult) -> None:
    if any((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
        _read_maildir(path, result)
        return
    # git format-patch output, or any directory of mails: every regular file in name order
    files = [f for f in sorted(path.iterdir()) if f.is_file() and not f.is_symlink()
             and f.suffix.lower() not in _NON_MAIL_SUFFIXES and not f.name.startswith(".")]
    for done, f in enumerate(files, 1):
        result.report(done, len(files))
        try:
            data = _read_file(f)
        except InputError as exc:
            result.skipped.append(Skipped(str(f), str(exc)))
            continue
        _read_blob(data, str(f), result, quiet_non_mail=True)


def _read_maildir(path: Path, result: MailReadResult) -> None:
    """Messages of cur/ and new/ in the order of their unique names (delivery time first, as
    maildir writers make them); tmp/ holds deliveries still being written and is not read.

    Listed here rather than with ``mailbox.Maildir``, which refuses a folder without new/ (test
    corpora and copied folders often have cur/ only)."""
    files = [f for sub in ("cur", "new") if (path / sub).is_dir() for f in (path / sub).iterdir()
             if f.is_file() and not f.name.startswith(".")]
    for done, f in enumerate(sorted(files, key=lambda f: (f.name.split(":", 1)[0], f.name)), 1):
        result.report(done, len(files))
        try:
            data = _read_file(f)
        except InputError as exc:  # removed or unreadable while we read the folder
            result.skipped.append(Skipped(str(f), str(exc)))
            continue
        _read_blob(data, str(f), result, quiet_non_mail=True)


def _read_blob(data: bytes, source: str, result: MailReadResult, quiet_non_mail: bool = False) -> None:
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except InputError as exc:
            if quiet_non_mail:  # one bad file in a folder is reported; the others are still read
                result.skipped.append(Skipped(source, str(exc)))
                return
            raise InputError(f"{source}: {exc}") from None
    if _looks_binary(data):
        if quiet_non_mail:
            result.skipped.append(Skipped(source, "binary data, not mail"))
            return
        raise InputError(f"{source}: binary data, not a mailbox or patch")
    stripped = data.lstrip()  # git's mailsplit also skips leading blank lines
    start = 0 if stripped.startswith(b"From ") and _FROM_LINE.match(stripped) else None
    if start is None and not _has_mail_headers(stripped):
        start = _first_separator(stripped)  # an mbox after a preamble ("$ git format-patch ...")
    if start is not None:
        first = len(result.messages)
        raws = split_mbox(stripped[start:])
        for n, raw in enumerate(raws, 1):
            _add(raw, f"{source}#{n}", result)
            if len(raws) > 1 and (n % 200 == 0 or n == len(raws)):
                result.report(n, len(raws))
        if start and len(result.messages) > first:
            result.messages[first].defects.append(f"{start} bytes of text before the first message ignored")
    elif _has_mail_headers(stripped):
        _add(stripped, source, result)
    elif stripped.strip():
        msg = parse_archive_page(stripped, source, strict=quiet_non_mail)
        if msg is not None:
            result.messages.append(msg)
        elif quiet_non_mail:
            result.skipped.append(Skipped(source, "not mail"))
    elif not quiet_non_mail:
        raise InputError(f"{source}: empty")


def _gunzip(data: bytes) -> bytes:
    """Decompress at most the input limit: a small .gz can expand past what fits in memory."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            data = gz.read(MAX_INPUT_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a damaged deflate stream inside
        raise InputError(f"broken gzip data ({exc})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"expands to more than {MAX_INPUT_BYTES} bytes, more than reviewbot reads")
    return data


def _first_separator(data: bytes) -> int | None:
    """Offset of the first "From " line that is followed by a mail header block, if any."""
    for m in _FROM_LINE.finditer(data):
        if _is_separator(data, m.start()):
            return m.start()
    return None


def _has_mail_headers(data: bytes) -> bool:
    """A header block that names at least one header every mail has ("Re: subject" is not one)."""
    head = data[:16384].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    names = {m.group(1).lower() for m in _HEADER_NAME.finditer(head)}
    return bool(_HEADER_LINE.match(data)) and bool(names & _MAIL_HEADERS)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes in something that does not even start like mail (real mail may carry a few)."""
    head = data[:8192]
    if b"\x00" not in head:
        return False
    head = head.lstrip()
    return not (_FROM_LINE.match(head) or _HEADER_LINE.match(head))


def split_mbox(data: bytes) -> list[bytes]:
    """Split an mbox into raw messages, undoing mboxrd "From " escaping (>From -> From)."""
    return [mbox_message(data, start, end) for start, end in mbox_spans(data)]


def mbox_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of each message of an mbox, "From " line included: the offsets an
    append-only reader keeps to resume where it stopped."""
    starts = []
    for m in _FROM_LINE.finditer(data):
        pos = m.start()
        if pos == 0 or _is_separator(data, pos):
            starts.append(pos)
    return [(start, starts[i + 1] if i + 1 < len(starts) else len(data)) for i, start in enumerate(starts)]


def mbox_message(data: bytes, start: int, end: int) -> bytes:
    """The raw message of the span ``data[start:end]``: "From " line dropped, mboxrd escaping undone."""
    chunk = data[start:end]
    nl = chunk.find(b"\n")
    body = chunk[nl + 1:] if nl >= 0 else b""
    return _MBOXRD_ESCAPED.sub(rb"\1", body)


def _is_separator(data: bytes, pos: int) -> bool:
    """Whether the "From " line at ``pos`` starts a new message rather than a body line.

    git's mailsplit trusts any "From " line ending in a time stamp; format-patch output does not
    escape body lines, and some archivers write bare "From A" separators, so here the line must
    also be followed by a header block: header (or folded) lines up to the first blank line, one
    of them a header every mail has. "From time to time...\nSigned-off-by: ..." is not a mail.
    """
    nl = data.find(b"\n", pos)
    if nl < 0 or not _HEADER_LINE.match(data, nl + 1):
        return False
    limit = nl + 65536
    ends = [e for e in (data.find(b"\n\n", nl, limit), data.find(b"\n\r\n", nl, limit)) if e >= 0]
    names = set()
    for line in data[nl + 1:min(ends) if ends else limit].split(b"\n"):
        if line in (b"", b"\r"):  # the end of the data
            break
        if line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER_NAME.match(line)
        if m is None:
            return False
        names.add(m.group(1).lower())
    return bool(names & _MAIL_HEADERS)


def _add(raw: bytes, source: str, result: MailReadResult) -> None:
    try:
        result.messages.append(parse_message(raw, source))
    except Exception as exc:  # one bad mail must not stop the mailbox; it is reported, not dropped
        mid = _MSGID.search(raw[:4096].decode("latin-1"))
        reason = str(exc) if isinstance(exc, MailError) else f"cannot decode: {type(exc).__name__}: {exc}"
        result.skipped.append(Skipped(f"<{mid.group(1)}>" if mid else source, reason))


def parse_message(raw: bytes, source: str = "") -> Message:
    """Parse one RFC 5322 message into a Message."""
    msg = _PARSER.parsebytes(raw)
    defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    msgid = first_msgid(header_value(msg, "Message-ID")) or synthetic_msgid(raw)
    from_header = header_value(msg, "From")
    from_name, from_email = split_from(from_header)
    if not from_email:  # "From: Linus Torvalds", as some archives and gateways write it
        from_name = from_header
    refs = []
    for value in header_values(msg, "References"):
        refs.extend(_MSGID.findall(value))
    body = body_text(msg)
    subject = header_value(msg, "Subject")
    if not (from_email or from_name or subject) and not _readable(body):
        raise MailError(f"{msgid}: no sender, no subject and no readable text")
    return Message(
        msgid=msgid,
        from_name=from_name,
        from_email=from_email.strip(),
        date=parse_date(header_value(msg, "Date")),
        subject=subject,
        in_reply_to=first_msgid(header_value(msg, "In-Reply-To")),
        references=refs,
        body=body,
        headers=_raw_headers(msg),
        to=addresses(msg, "To"),
        cc=addresses(msg, "Cc"),
        source=source,
        defects=defects,
    )


def _readable(text: str) -> bool:
    """Some letters, and not mostly control characters or replacement marks."""
    sample = text[:4096]
    if not any(ch.isalpha() for ch in sample):
        return False
    junk = sum(1 for ch in sample if ch == "\ufffd" or (ch < " " and ch not in "\n\t\r\f"))
    return junk * 4 < len(sample)


def _raw_headers(msg) -> list[tuple[str, str]]:
    """Every header in order, repeated ones included, as written but unfolded and decoded."""
    return [(key, decode_raw_header(value)) for key, value in msg.raw_items()]


def first_msgid(value: str) -> str | None:
    """The first <id> in a header value, brackets and surrounding noise stripped; without
    brackets, the first word that has an "@" (clients that forget them). None when there is none."""
    m = _MSGID.search(value or "")
    if m:
        return m.group(1)
    return next((w.strip("<>,;") for w in (value or "").split() if "@" in w.strip("<>,;")), None)


def synthetic_msgid(raw: bytes) -> str:
    return f"{hashlib.sha1(raw).hexdigest()[:16]}@reviewbot.invalid"


def parse_date(value: str) -> datetime | None:
    """An RFC 5322 date, or an archive's "Wed Jan 27 2016 - 00:23:44 EST", always with a time
    zone (UTC when the mail gives none); None when unreadable."""
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value)
        # "-0000" (zone unknown) parses naive; every Message.date is aware so dates always compare
        return date if date.tzinfo is not None else date.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    m = _ARCHIVE_DATE.match(value.strip())
    if not m:
        return None
    try:
        naive = datetime.strptime(" ".join(m.group(1, 2, 3, 4)), "%b %d %Y %H:%M:%S")
    except ValueError:
        return None
    offset = _ZONE_HOURS.get(m.group(5).upper(), 0) if m.group(5) else 0
    return naive.replace(tzinfo=timezone(timedelta(hours=offset)))


def parse_archive_page(data: bytes, source: str, strict: bool = False) -> Message | None:
    """A mail flattened to text by a web archive or a log, read as far as it goes.

    Shapes seen: a subject line, then "From:"/"Date:" lines (lkml.iu.edu pages, whose dates look
    like "Wed Jan 27 2016 - 00:23:44 EST"), then the body; or a first line "Author Name <sha>
    subject" (a commit listing) followed by the message; or bare text. The message gets a stable
    Message-ID made from the file name. With ``strict`` (files met while walking a directory),
    bare text is taken for mail only when it reads like one (a reply's "... wrote:" followed by
    quoted text) or carries a diff; otherwise None is returned.
    """
    text = decode_bytes(data, None).replace("\r\n", "\n")
    lines = text.split("\n")
    fields: dict[str, str] = {}
    subject = ""
    first = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    i = first
    commit_line = _COMMIT_LINE.match(lines[first]) if first < len(lines) else None
    if commit_line:
        fields["from"] = commit_line.group("name")
        subject = commit_line.group("subject").strip()
        i = first + 1
    else:
        while i < len(lines) and i < first + 12:
            line = lines[i].strip()
            m = _ARCHIVE_FIELD.match(line)
            if m:
                fields.setdefault(m.group(1).lower(), m.group(2).strip())
            elif line and i == first and not line.startswith(">"):
                subject = line
            elif line:
                break
            i += 1
        if not fields:  # no header block at all: the whole text is the body
            i, subject = 0, ""
    if strict and not fields and not (_ATTRIBUTION.search(text[:4096]) or looks_like_patch(text)):
        return None  # a README or a quilt "series" file beside the patches, not a mail
    body = "\n".join(lines[i:]).strip("\n") + "\n"
    defects = ["archive text without mail headers"]
    headers = [(key.title(), value) for key, value in fields.items()]
    if commit_line:
        body = _LISTING_TAIL.sub("\n", body)
        headers.append((COMMIT_LISTING_HEADER, commit_line.group("sha")))
    if looks_flattened(body):
        body = reflow(body)
        defects.append("line breaks lost by the archive: lines rebuilt from quote markers and trailers")
    name, email = split_from(fields.get("from", ""))
    if not email:  # archives often print the name only
        name = " ".join(fields.get("from", "").split())
    if not name and not email:
        name, email = _signature_sender(body)
        if email:
            defects.append("no From: line; sender taken from the signature")
    return Message(
        msgid=first_msgid(fields.get("message-id", "")) or _archive_msgid(data, source),
        from_name=name,
        from_email=email,
        date=parse_date(fields.get("date", "")),
        subject=fields.get("subject", subject),
        in_reply_to=first_msgid(fields.get("in-reply-to", "")) if fields.get("in-reply-to") else None,
        body=body,
        headers=headers,
        source=source,
        defects=defects,
    )


def _signature_sender(body: str) -> tuple[str, str]:
    """("Jan Kara", "jack@suse.cz") from the first "Name <email>" under a "-- " separator."""
    _, sep, signature = body.partition("\n-- \n")
    m = _SIGNATURE_PERSON.search(signature[:300]) if sep else None
    return (" ".join(m.group(1).split()), m.group(2)) if m else ("", "")


def _archive_msgid(data: bytes, source: str) -> str:
    """``seed-<file name>@reviewbot.invalid`` for a file, a content hash for stdin."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(source).name) if source and source != "<stdin>" else ""
    return f"seed-{name}@reviewbot.invalid" if name else synthetic_msgid(data)


def _dedupe(result: MailReadResult) -> MailReadResult:
    """Keep the first message of each Message-ID; the later copies are named in ``duplicates``
    and in the kept message's defects."""
    first_by_id: dict[str, Message] = {}
    kept = []
    for m in result.messages:
        first = first_by_id.get(m.msgid)
        if first is not None:
            result.duplicates.append(m.msgid)
            first.defects.append(f"duplicate Message-ID: another copy in {m.source or 'the input'} was dropped")
            continue
        first_by_id[m.msgid] = m
        kept.append(m)
    result.messages = kept
    return result

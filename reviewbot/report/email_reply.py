"""Review replies as mail: one reply per patch with findings, quoting only the hunks concerned.

The reply threads under the patch (In-Reply-To/References), goes to the author with the original
To/Cc copied, quotes the patch with "> " the way maintainers do (subject line, the hunks with
findings cut after the line concerned, "[...]" for what is left out) and writes each remark
under the quoted line it is about. Nothing is sent: the caller writes an mbox or a maildir.
"""
from __future__ import annotations

import re
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, getaddresses, make_msgid

from reviewbot import __version__
from reviewbot.model import Finding, Message, Patch, Review
from reviewbot.report.text import pack_tag

DEFAULT_FROM = "reviewbot <reviewbot@localhost>"
_ID_HEADERS = ("message-id", "in-reply-to", "references")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MSGID_OK = re.compile(r"^[!-;=?-~]+$")  # printable, no "<", ">" or space: what goes between the brackets


class _ReplyPolicy(EmailPolicy):
    """email's default policy (headers folded at 78 columns, names RFC 2047-encoded), except:
    message-id lists are folded between ids (the default folder turns a long References into
    encoded words no mail client threads by), and address lists put one address per line, each
    folded alone (the default folder can encode the comma between two addresses into a name,
    "=?utf-8?q?=2C?=", merging two recipients; seen with CPython 3.11)."""

    def _fold_ids(self, name: str, value: str) -> str:
        return f"{name}: " + f"{self.linesep} ".join(str(value).split()) + self.linesep

    def _fold_addresses(self, name: str, value) -> str:
        parts = []
        for address in value.addresses:
            alone = super().fold(name, self.header_factory(name, [address]))
            parts.append(alone[len(name) + 2:].rstrip("\r\n"))
        return f"{name}: " + f",{self.linesep} ".join(parts) + self.linesep

    def fold(self, name, value):
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, value)
        if len(getattr(value, "addresses", ())) > 1:
            return self._fold_addresses(name, value)
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in _ID_HEADERS or len(getattr(value, "addresses", ())) > 1:
            return self.fold(name, value).encode("ascii", "surrogateescape")
        return super().fold_binary(name, value)


POLICY = _ReplyPolicy()


def _quote(lines: list[str]) -> list[str]:
    return [("> " + line) if line else ">" for line in lines]


def _remark(f: Finding) -> list[str]:
    text = [f"[reviewbot {f.rule}, {f.severity.value}]{pack_tag(f)} {f.message}"]
    if f.hint:
        text.append(f"Hint: {f.hint}")
    return text


def reply_body(patch: Patch, findings: list[Finding],
               line_shifts: dict[tuple[int, str], list[int]] | None = None) -> str:
    """``line_shifts``: where the patch applied at an offset, how far each hunk moved (Review.line_shifts)."""
    msg = patch.message
    who = msg.sender if msg is not None else patch.author
    out = [f"This is an automated review by reviewbot {__version__}. Each remark names the rule that made",
           "it ('reviewbot rules show ID' explains it); reviewbot never adds review tags itself.", ""]
    out.append(f"On {msg.date.strftime('%a, %d %b %Y %H:%M:%S %z') if msg and msg.date else 'an earlier date'}, "
               f"{who} wrote:")
    out.append(f"> {patch.subject}")
    placed: set[int] = set()
    commit_findings = [f for f in findings if f.file == "(commit message)"]
    if commit_findings:
        message_lines = patch.commit_message.rstrip("\n").split("\n")
        for f in sorted(commit_findings, key=lambda f: f.line):
            if f.line and f.line <= len(message_lines):
                out.extend(["[...]", *_quote([message_lines[f.line - 1]])])
            out.extend(["", *_remark(f), ""])
            placed.add(id(f))
    by_location = {}
    for f in findings:
        if f.file != "(commit message)":
            by_location.setdefault((f.file, f.line), []).append(f)
    for pf in patch.patchset if patch.has_diff else []:
        hunks_out: list[str] = []
        shifts = (line_shifts or {}).get((patch.index, pf.path), [])
        for n, hunk in enumerate(pf):
            shift = shifts[n] if n < len(shifts) else 0
            lines = [str(hunk).split("\n", 1)[0]]
            for line in hunk:
                lines.append(str(line).rstrip("\n"))
                where = (pf.path, line.target_line_no + shift) if line.target_line_no is not None else None
                if where in by_location and line.line_type in ("+", " "):
                    hunks_out.extend(_quote(lines))
                    for f in by_location.pop(where):
                        hunks_out.extend(["", *_remark(f), ""])
                        placed.add(id(f))
                    lines = []
            if lines and len(lines) < len(hunk) + 1 and hunks_out and hunks_out[-1] != "[...]":
                hunks_out.append("[...]")
        if hunks_out:
            header = [f"diff --git a/{pf.source_file[2:] if pf.source_file.startswith('a/') else pf.source_file} "
                      f"b/{pf.path}", f"--- {pf.source_file}", f"+++ {pf.target_file}"]
            out.extend(["[...]", *_quote(header), *hunks_out])
    elsewhere = [f for f in findings if id(f) not in placed]
    if elsewhere:
        if out[-1] != "[...]":
            out.append("[...]")
        out.extend(["", "Elsewhere in the tree, after this patch:", ""])
        for f in elsewhere:
            out.extend([f"{f.file}:{f.line}:", *_remark(f), ""])
    return "\n".join(out).rstrip("\n") + "\n"


def _address(display: str, addr: str) -> Address | None:
    address = _make_address(display, addr)
    if address is None:
        return None
    try:  # a header re-reads the address from its text: keep only those that survive that
        POLICY.header_factory("Cc", [address])
    except (ValueError, IndexError, TypeError, HeaderParseError):
        return None
    return address


def _make_address(display: str, addr: str) -> Address | None:
    """An Address from a decoded name and an address as mail gave them; None when the address is not
    one (a name may hold anything: commas, quotes, encoded line breaks; they stay inside the name)."""
    display = _CONTROL.sub(" ", display).strip()
    addr = addr.strip()
    if not addr or _CONTROL.search(addr) or any(c in addr for c in ' <>,;:"()[]\\'):
        return None
    try:
        return Address(display_name=display, addr_spec=addr)
    except (ValueError, IndexError, TypeError, HeaderParseError):  # the stdlib parser raises all of these
        pass
    # not an RFC 5322 addr-spec ("a.@example.org") but a mailbox people write to: keep it as written
    username, _, domain = addr.rpartition("@")
    if not username or not domain:
        return None
    try:
        return Address(display_name=display, username=username, domain=domain)
    except (ValueError, IndexError, TypeError, HeaderParseError):  # the stdlib parser raises all of these
        return None


def _split_written(value: str) -> tuple[str, str]:
    """(name, address) of the "Name <addr>" the model keeps (ingest.decode.addresses wrote it from
    parsed pairs, so the address is what follows the last " <")."""
    if value.endswith(">") and "<" in value:
        name, _, addr = value[:-1].rpartition("<")
        return name.strip(), addr
    return "", value


def recipients(original: Message, author: str) -> tuple[list[Address], list[Address]]:
    """To (the patch's sender) and Cc (everyone it went to, minus the sender), each address once."""
    to = _address(original.from_name, original.from_email) if original.from_email else None
    if to is None:
        to = next((a for a in (_address(n, e) for n, e in getaddresses([author])) if a), None)
    seen = {to.addr_spec.lower()} if to else set()
    cc = []
    for written in original.to + original.cc:
        address = _address(*_split_written(written))
        if address is not None and address.addr_spec.lower() not in seen:
            seen.add(address.addr_spec.lower())
            cc.append(address)
    return ([to] if to else []), cc


def _ids(ids: list[str]) -> str:
    return " ".join(f"<{i}>" for i in ids if i and _MSGID_OK.match(i))


def build_replies(review: Review, sender: str = DEFAULT_FROM) -> list[EmailMessage]:
    """One reply per patch of the review that has findings and came from a mail."""
    replies = []
    for patch in review.series.patches:
        findings = [f for f in review.findings if f.patch == patch.index]
        if not findings or patch.message is None:
            continue
        original = patch.message
        to, cc = recipients(original, patch.author)
        if not to:
            continue  # nobody to reply to: the patch's sender has no usable address
        reply = EmailMessage(policy=POLICY)
        reply["From"] = ([a for a in (_address(n, e) for n, e in getaddresses([sender])) if a][:1]
                         or [Address("reviewbot", "reviewbot", "localhost")])
        reply["To"] = to
        if cc:
            reply["Cc"] = cc
        subject = _CONTROL.sub(" ", original.subject).strip()
        reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        reply["Date"] = format_datetime(datetime.now().astimezone())
        reply["Message-ID"] = make_msgid("reviewbot", domain="localhost")
        if _ids([original.msgid]):
            reply["In-Reply-To"] = _ids([original.msgid])
            reply["References"] = _ids([*original.references, original.msgid])
        reply["X-Mailer"] = f"reviewbot {__version__}"
        reply.set_content(reply_body(patch, findings, review.line_shifts), cte="8bit")
        replies.append(reply)
    return replies


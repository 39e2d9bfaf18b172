"""The bot's mails: the review replies of report/email_reply.py with the bot's own headers, and the
short "could not test" note.

A reply's Message-ID is derived from (patch Message-ID, patch-id, rule-set version): the same patch
reviewed by the same rules always gets the same id, so a restart can tell that it was written, and
a re-sent copy is recognisably the same mail. The rule-set version changes with reviewbot's version
and with any rule or pack in force (the shipped ones, the tree's, the config's, the user's), so a
patch reviewed again under new rules is a new reply.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

from reviewbot import __version__
from reviewbot.bot.policy import Policy
from reviewbot.errors import InputError
from reviewbot.model import Message, Review, Series
from reviewbot.report.email_reply import POLICY, build_replies, recipients

_LIST_ID = re.compile(r"<([^<>\s]+)>")
_MAILTO = re.compile(r"<mailto:([^<>?\s]+)", re.I)


def reply_msgid(patch_msgid: str, patch_id: str | None, from_address: str, rules: str, what: str = "") -> str:
    """``rules``: the rule set's version (RuleSet.version: every rule and pack in force)."""
    key = "\0".join([patch_msgid, patch_id or "", f"{__version__}+{rules}", what])
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "reviewbot.invalid"
    return f"reviewbot-{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}"


def list_id(msg: Message) -> str | None:
    """``linux-mm.kvack.org`` from "List-Id: Linux MM <linux-mm.kvack.org>"."""
    for key, value in msg.headers:
        if key.lower() == "list-id":
            m = _LIST_ID.search(value)
            return (m.group(1) if m else value.strip()).lower() or None
    return None


def list_address(msg: Message) -> str | None:
    """The address the list takes posts at: List-Post, else the recipient the List-Id names."""
    for key, value in msg.headers:
        if key.lower() == "list-post":
            m = _MAILTO.search(value)
            if m:
                return m.group(1)
    lid = list_id(msg)
    if lid:
        for _, addr in getaddresses(msg.to + msg.cc):
            local, _, domain = addr.lower().partition("@")
            if domain and f"{local}.{domain}" == lid:
                return addr
    return None


@dataclass
class PlannedReply:
    msgid: str
    patch: int  # 0: a note on the whole series
    patch_msgid: str | None
    author: str  # the address it goes to
    mail: EmailMessage

    @property
    def raw(self) -> bytes:
        return self.mail.as_bytes(policy=POLICY)


def _cc(policy: Policy, original: Message, author: str) -> list[Address]:
    """The reply's Cc, as address objects: the model keeps "Doe, John <j@...>" unquoted, and a
    joined string of those would make "Doe" a recipient of its own."""
    if policy.cc == "none":
        return []
    if policy.cc == "list":
        address = list_address(original)
        if address and "@" in address:
            user, _, domain = address.rpartition("@")
            return [Address(username=user, domain=domain)]
    return [a for a in recipients(original, author)[1] if a.addr_spec.lower() != author.lower()]


def _body_with(text: str, before: str, signature: str) -> str:
    out = (before + "\n\n" if before else "") + text
    if signature:
        out = out.rstrip("\n") + "\n\n-- \n" + signature.rstrip("\n") + "\n"
    return out


def review_replies(review: Review, policy: Policy, rules: str, missing_note: str = "") -> list[PlannedReply]:
    """One reply per patch with findings at or above the policy's threshold, with the bot's headers.
    RB-APPLY is left out: a patch that does not apply to the bot's tree says more about the bot's
    base than about the patch (status and the JSON report keep it)."""
    kept = [f for f in review.findings
            if f.severity.rank >= policy.reply_threshold.rank and f.rule != "RB-APPLY"]
    if not kept:
        return []
    by_msgid = {p.message.msgid: p for p in review.series.patches if p.message is not None}
    out = []
    for mail in build_replies(replace(review, findings=kept), sender=policy.from_address):
        parent = parseaddr(str(mail["In-Reply-To"]))[1] or str(mail["In-Reply-To"]).strip("<> ")
        patch = by_msgid.get(parent)
        if patch is None or patch.message is None:
            continue
        out.append(_finish(mail, policy, patch.message, patch.index,
                           reply_msgid(patch.message.msgid, patch.patch_id, policy.from_address, rules), missing_note))
    return out


def could_not_test_note(series: Series, reason: str, policy: Policy, rules: str) -> PlannedReply | None:
    """A short note under the cover (or first patch), like the 0-day robot's "base not found"."""
    first = series.cover or (series.patches[0].message if series.patches else None)
    if first is None:
        return None
    mail = EmailMessage(policy=POLICY)
    mail["From"] = policy.from_address
    to = recipients(first, series.patches[0].author if series.patches else "")[0]
    if not to:
        return None  # nobody to tell: the sender has no usable address
    mail["To"] = to
    subject = first.subject
    mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    mail["In-Reply-To"] = f"<{first.msgid}>"
    mail["References"] = " ".join(f"<{r}>" for r in [*first.references, first.msgid])
    mail.set_content(
        f"This is an automated note from reviewbot {__version__}: it could not test this series.\n\n"
        f"Reason: {reason}\n\nNo review was made; nothing is wrong with the series because of this note.\n",
        cte="8bit")
    patch_ids = ",".join(p.patch_id or "" for p in series.patches)
    return _finish(mail, policy, first, 0, reply_msgid(first.msgid, patch_ids, policy.from_address, rules,
                                                          "could-not-test"))


def _finish(mail: EmailMessage, policy: Policy, original: Message, index: int, msgid: str,
            note: str = "") -> PlannedReply:
    """The reply with the bot's From, Cc, Message-ID and signature, headers in the usual order."""
    to = list(mail["To"].addresses)
    author = to[0].addr_spec
    out = EmailMessage(policy=POLICY)
    try:
        out["From"] = Address(*_split_address(policy.from_address))
    except (ValueError, IndexError) as exc:
        raise InputError(f"bot policy: from = {policy.from_address!r} is not an address ({exc})") from None
    out["To"] = to
    cc = _cc(policy, original, author)
    if cc:
        out["Cc"] = cc
    out["Subject"] = str(mail["Subject"])
    out["Date"] = format_datetime(datetime.now().astimezone())
    out["Message-ID"] = f"<{msgid}>"
    out["In-Reply-To"] = str(mail["In-Reply-To"])
    out["References"] = str(mail["References"])
    out["X-Mailer"] = f"reviewbot {__version__}"
    out["Auto-Submitted"] = "auto-generated"  # RFC 3834: vacation responders stay quiet
    out.set_content(_body_with(mail.get_content(), note, policy.signature), cte="8bit")
    return PlannedReply(msgid, index, original.msgid, author, out)


def _split_address(value: str) -> tuple[str, str, str]:
    name, addr = parseaddr(value)
    if "@" not in addr:
        raise ValueError("no user@domain in it")
    user, _, domain = addr.rpartition("@")
    return name, user, domain

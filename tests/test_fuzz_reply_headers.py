"""Reply mails go to exactly the people the patch went to, whatever their names hold.

A name can carry a comma ("Zwisler, Ross"), quotes, non-ASCII, or, RFC 2047-encoded, a line break
followed by a header ("\\r\\nCc: someone@else"): it stays one name of one recipient."""
from __future__ import annotations

import base64
import email
import email.policy
from email.utils import getaddresses

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.ingest.mailread import parse_message
from reviewbot.model import Finding, Patch, Review, Series, Severity
from reviewbot.report.email_reply import build_replies

ALLOWED_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "x-mailer",
                   "content-type", "content-transfer-encoding", "mime-version"}


def _encoded(name: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(name.encode("utf-8", "surrogatepass")).decode() + "?="


def _mail(sender: str, to: list[str], cc: list[str], references: str = "") -> bytes:
    lines = [f"From: {sender}", f"To: {', '.join(to)}"] + ([f"Cc: {', '.join(cc)}"] if cc else [])
    lines += ["Subject: [PATCH 1/1] mm: add a mkwrite parameter to vmf_insert_mixed()",
              "Date: Mon, 24 Jul 2017 11:06:11 -0600",
              "Message-ID: <20170724170616.25810-2-ross.zwisler@linux.intel.com>"]
    if references:
        lines.append(f"References: {references}")
    lines += ["", "Signed-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>", "---", ""]
    return "\r\n".join(lines).encode()


def _replies(raw: bytes):
    message = parse_message(raw)
    patch = Patch(index=1, total=1, subject="mm: add a mkwrite parameter to vmf_insert_mixed()",
                  author=message.sender, commit_message="", message=message)
    finding = Finding("mm/memory.c", 1, "RB0001", Severity.WARNING, "BUG_ON() added", patch=1)
    return build_replies(Review(series=Series(subject=patch.subject, patches=[patch]), findings=[finding]))


def _parse_back(reply):
    return email.message_from_bytes(reply.as_bytes(), policy=email.policy.default)


def _addrs(parsed, name: str) -> list[str]:
    return [a.lower() for _, a in getaddresses(parsed.get_all(name, []))]


def test_comma_in_a_name_is_one_recipient():
    (reply,) = _replies(_mail('"Zwisler, Ross" <ross.zwisler@linux.intel.com>',
                              ['"Kara, Jan" <jack@suse.cz>', "Dan Williams <dan.j.williams@intel.com>"], []))
    parsed = _parse_back(reply)
    assert _addrs(parsed, "To") == ["ross.zwisler@linux.intel.com"]
    assert str(parsed["To"]) == '"Zwisler, Ross" <ross.zwisler@linux.intel.com>'
    assert _addrs(parsed, "Cc") == ["jack@suse.cz", "dan.j.williams@intel.com"]


def test_encoded_line_break_in_a_name_injects_nothing():
    evil = _encoded("Ross\r\nCc: someone@else.example\r\nBcc: x@evil.example")
    (reply,) = _replies(_mail(f"{evil} <ross.zwisler@linux.intel.com>", [f"{evil} <jack@suse.cz>"], []))
    raw = reply.as_bytes()
    parsed = _parse_back(reply)
    assert _addrs(parsed, "To") == ["ross.zwisler@linux.intel.com"]
    assert _addrs(parsed, "Cc") == ["jack@suse.cz"]
    assert parsed.get_all("Bcc") is None
    # the name is kept, as a name: every header line is a continuation or one of ours
    starts = [line.split(b":", 1)[0].decode().lower() for line in raw.split(b"\n\n", 1)[0].split(b"\n")
              if not line[:1].isspace()]
    assert starts == ["from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
                      "x-mailer", "content-type", "content-transfer-encoding", "mime-version"]
    assert str(parsed["To"]).startswith('"Ross Cc: someone@else.example Bcc: x@evil.example"')


def test_odd_addresses_never_crash_the_reply_and_are_kept_as_written():
    """The stdlib parser raises TypeError on some of these; they are mailboxes people wrote to."""
    (reply,) = _replies(_mail("Ross Zwisler <ross.zwisler@linux.intel.com>",
                              [".@0.0", "a.@example.org", "linux-mm@kvack.org"], []))
    assert _addrs(_parse_back(reply), "Cc") == [".@0.0", "a.@example.org", "linux-mm@kvack.org"]


def test_long_headers_are_folded_and_ids_never_encoded():
    cc = [f"Maintainer Number {i} <maintainer{i}@kernel.org>" for i in range(30)]
    refs = " ".join(f"<20170724170616.25810-{i}-ross.zwisler-some-long-tail@linux.intel.com>" for i in range(8))
    (reply,) = _replies(_mail("Ross Zwisler <ross.zwisler@linux.intel.com>", ["linux-mm@kvack.org"], cc, refs))
    head = reply.as_bytes().split(b"\n\n", 1)[0].decode()
    # only a line holding one unbreakable message-id may pass 78 columns
    long_lines = [line for line in head.split("\n") if len(line) > 78]
    assert all(len(line.removeprefix("References:").split()) == 1 for line in long_lines), long_lines
    assert "=?" not in head
    parsed = _parse_back(reply)
    assert parsed["References"].split()[-1] == "<20170724170616.25810-2-ross.zwisler@linux.intel.com>"
    assert len(parsed["References"].split()) == 9
    assert len(_addrs(parsed, "Cc")) == 31


names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
local = st.lists(st.text(ALNUM + "_+-", min_size=1, max_size=8), min_size=1, max_size=3).map(".".join)
domain = st.lists(st.text(ALNUM, min_size=1, max_size=10), min_size=2, max_size=3).map(".".join)
people = st.tuples(names, local, domain, st.sampled_from(["encoded", "quoted", "bare"]))


def _written(name: str, addr: str, style: str) -> str:
    if style == "bare" or not name:
        return addr
    if style == "quoted" and all(32 <= ord(c) < 127 for c in name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{addr}>'
    return f"{_encoded(name)} <{addr}>"


@settings(max_examples=120, deadline=None)
@given(people, st.lists(people, max_size=8), st.lists(people, max_size=8))
def test_recipients_are_exactly_the_patch_audience(sender, to, cc):
    def addr(p):
        return f"{p[1]}@{p[2]}"
    raw = _mail(_written(sender[0], addr(sender), sender[3]), [_written(p[0], addr(p), p[3]) for p in to] or
                ["linux-mm@kvack.org"], [_written(p[0], addr(p), p[3]) for p in cc])
    (reply,) = _replies(raw)
    parsed = _parse_back(reply)
    assert _addrs(parsed, "To") == [addr(sender).lower()]
    expected_cc = dict.fromkeys(a.lower() for a in [addr(p) for p in to] or ["linux-mm@kvack.org"])
    expected_cc = [a for a in dict.fromkeys([*expected_cc, *(addr(p).lower() for p in cc)])
                   if a != addr(sender).lower()]
    assert _addrs(parsed, "Cc") == expected_cc
    assert {k.lower() for k in parsed.keys()} <= ALLOWED_HEADERS
    assert len(parsed.get_all("To")) == 1 and len(parsed.get_all("Cc") or [None]) == 1
    assert all(len(line) <= 998 for line in reply.as_bytes().split(b"\n"))

"""Recover the cover letter that Andrew Morton's workflow folds into the changelog of patch 1.

When akpm takes a series into -mm, the cover letter's text is put at the top of the first
patch's changelog, followed by a line "This patch (of N):" and then that patch's own
description. A commit (or a commit listing page) in that shape is a patch 1/N *and* the cover of
its series: reviewers' replies to the cover, and the trailers they give there, apply to all N
patches. The cover becomes a Message of its own, threaded above the patch, so threading, series
detection and trailer collection treat it like a posted cover letter.
"""
from __future__ import annotations

import re
from dataclasses import replace

from reviewbot.ingest.mailinfo import looks_like_patch
from reviewbot.ingest.subject import parse_subject
from reviewbot.model import Message

_THIS_PATCH = re.compile(r"^This patch \(of (\d+)\):[ \t]*$", re.M)
# A header on the recovered cover naming the message it came from.
RECOVERED_COVER_HEADER = "X-Reviewbot-Cover-From"
COMMIT_LISTING_HEADER = "X-Reviewbot-Commit"


def is_commit_listing(msg: Message) -> bool:
    """A page showing an applied commit (its changelog, perhaps without the diff)."""
    return any(name == COMMIT_LISTING_HEADER for name, _ in msg.headers)


def is_recovered_cover(msg: Message) -> bool:
    return any(name == RECOVERED_COVER_HEADER for name, _ in msg.headers)


def split_changelog_covers(messages: list[Message]) -> list[Message]:
    """The messages, with each "This patch (of N):" changelog split into a cover and patch 1/N."""
    out: list[Message] = []
    for msg in messages:
        out.extend(_split(msg))
    return out


def _split(msg: Message) -> list[Message]:
    info = parse_subject(msg.subject)
    if info.is_reply or info.is_forward or info.index is not None or not info.subject:
        return [msg]
    match = _THIS_PATCH.search(msg.body)
    if match is None or not (is_commit_listing(msg) or looks_like_patch(msg.body)):
        return [msg]
    cover_text = msg.body[: match.start()].strip("\n")
    if not cover_text.strip():
        return [msg]
    total = int(match.group(1))
    version = f" v{info.version}" if info.version_given else ""
    cover = Message(
        msgid=f"cover.{msg.msgid}",
        from_name=msg.from_name,
        from_email=msg.from_email,
        date=msg.date,
        subject=f"[PATCH{version} 0/{total}] {info.subject}",
        body=cover_text + "\n",
        headers=[(RECOVERED_COVER_HEADER, msg.msgid)],
        to=list(msg.to),
        cc=list(msg.cc),
        source=msg.source,
        defects=["cover letter recovered from the changelog of patch 1 (\"This patch (of N):\")"],
    )
    patch = replace(
        msg,
        subject=f"[PATCH{version} 1/{total}] {info.subject}",
        body=msg.body[match.end():].lstrip("\n"),
        in_reply_to=msg.in_reply_to or cover.msgid,
        references=list(msg.references) or [cover.msgid],
    )
    return [cover, patch]

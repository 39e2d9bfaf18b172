"""Reviewers' questions still waiting on a patch's author.

A question is open when it asks the author something and nobody who could answer it replied after
it: not the author (under any of their addresses), not the person it was put to. So:

- a question in a reply to another reviewer asks that reviewer, and one that opens by naming
  other people ("Jeff, Steve, can you confirm...") asks them: neither waits on the author;
- it is answered by a reply of the author or of the person asked below it, or by a later mail of
  theirs that quotes it (archives and clients break threading, quotes survive);
- a diff in a reply is a counter-proposal, not a question; the questions of a mail that says the
  patch is applied or queued are asides;
- a sub-thread that changed the subject is a topic of its own (``ingest.topics``), not a review;
- a request split over two paragraphs ("... Something like: <code> ... would be much more
  readable, right?") is one question.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone

from reviewbot.ingest.people import first_names, name_key
from reviewbot.model import Message, own_lines

_QUESTION = re.compile(r"\?(?:\s|\)|$)")
# A sentence opening the way questions do, for reviewers who end them with a full stop:
# "Will it make sense to just add mkwrite parameter to vm_insert_mixed() ... (like insert_pfn())."
_ASKING = re.compile(r"(?:^|[.!]\s+)(?:(?:why|how come|would|will|should|shouldn't|can|could) (?:it|this|that|we|you"
                     r"|they|there|the)|(?:do|don't) (?:you|we|they)|(?:does|doesn't|did|is|isn't|are|aren't) "
                     r"(?:it|this|that|there))\b", re.IGNORECASE)
_DIFF_START = re.compile(r"^(?:diff --git |Index: \S|--- a/|\+\+\+ b/|@@ -\d)")
_CONTINUATION = re.compile(r"^(?:\.\.\.|…|and |or |but |so )")
# "Jeff, Steve, can you ..." / "MingMing/Annesh - Xattr ...": who a question is put to
_ADDRESSEES = re.compile(r"^((?:[A-Z][\w'-]+)(?:\s*(?:,|/|and|&)\s*[A-Z][\w'-]+)*)\s*(?:,|-|:)\s")


def own_text_lines(msg: Message) -> list[str]:
    """The sender's own lines, stopped where a diff they paste begins."""
    out = []
    for line in own_lines(msg.body):
        if _DIFF_START.match(line):
            break
        out.append(line)
    return out


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    return paragraphs


def _is_code(lines: list[str]) -> bool:
    """Code or a diff hunk pasted into a reply: most lines indented by a tab or start a diff line."""
    codeish = sum(1 for line in lines
                  if line.startswith(("\t", "+", "-", "@@", "#")) or line.rstrip().endswith((";", "{", "}")))
    return codeish * 2 > len(lines)


def questions(msg: Message) -> list[str]:
    """Paragraphs of a reply's own text that ask something, quoted as written: they end in a question
    mark or hold a sentence that opens the way questions do. A paragraph that only continues the
    question before it ("... would be much more readable, right?") is joined to it."""
    out: list[str] = []
    previous_asked = False
    for para in _paragraphs(own_text_lines(msg)):
        if _is_code(para):
            continue  # an example inside a request does not end it
        text = " ".join(line.strip() for line in para)
        asks = bool(_QUESTION.search(text) or _ASKING.search(text)) and not _is_attribution(text)
        if asks and previous_asked and out and _CONTINUATION.match(text):
            out[-1] = f"{out[-1]} {text}"
        elif asks:
            out.append(text)
        previous_asked = asks or (previous_asked and text.endswith(":"))
    return out


def _is_attribution(paragraph: str) -> bool:
    low = paragraph.lower()
    return (low.startswith(("on ", "* ", "excerpts from ")) and low.rstrip().endswith(("wrote:", "message of", "2009:",
                                                                                       "2010:", "2011:")))


@dataclass
class Person:
    name: str
    email: str


@dataclass
class ThreadView:
    """A series' replies with what the questions need: messages by id, parents, children."""

    by_id: dict[str, Message]
    parent: dict[str, str]
    children: dict[str, list[str]]

    def descendants(self, msgid: str) -> list[Message]:
        out, stack = [], list(self.children.get(msgid, []))
        while stack:
            mid = stack.pop()
            if mid in self.by_id:
                out.append(self.by_id[mid])
                stack.extend(self.children.get(mid, []))
        return out


def _addressed_to_others(text: str, author: list[Person], participants: list[Person]) -> bool:
    m = _ADDRESSEES.match(text)
    if not m:
        return False
    called = {w.lower() for w in re.split(r"\s*(?:,|/|and|&)\s*", m.group(1)) if w}
    author_names = set().union(*(first_names(p.name) for p in author)) if author else set()
    others = set().union(*(first_names(p.name) for p in participants)) - author_names if participants else set()
    return bool(called & others) and not (called & author_names)


def _after(m: Message, c: Message) -> bool:
    if m.date is None or c.date is None or m.msgid == c.msgid:
        return False
    a, b = (d if d.tzinfo else d.replace(tzinfo=timezone.utc) for d in (m.date, c.date))
    return a > b


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9_]+", text.lower()))


def _quotes(msg: Message, question: str) -> bool:
    quoted = _words(" ".join(line.lstrip("> ") for line in msg.body.split("\n") if line.lstrip().startswith(">")))
    probe = " ".join(_words(question).split()[:10])
    return len(probe.split()) >= 4 and probe in quoted


def open_questions(comments: list[Message], view: ThreadView, author: list[Person],
                   is_author: Callable[[Message], bool], same: Callable[[Message, Message], bool],
                   has_verdict: Callable[[Message], bool], skip: set[str]) -> list[tuple[Message, str]]:
    """(mail, question) for every question still waiting on the author, in thread order."""
    participants = [Person(m.from_name, m.from_email) for m in comments]
    out = []
    for c in comments:
        if c.msgid in skip or is_author(c) or has_verdict(c):
            continue
        parent = view.by_id.get(view.parent.get(c.msgid, ""))
        if parent is None or is_author(parent):
            def answers(m: Message) -> bool:
                return is_author(m)
        elif same(parent, c):  # a follow-up to one's own mail: anyone but the asker may take it up
            def answers(m: Message, asker: Message = c) -> bool:
                return not same(m, asker)
        else:
            continue  # put to another reviewer: not waiting on the author
        later = [m for m in view.by_id.values() if _after(m, c)]
        below = view.descendants(c.msgid)
        for q in questions(c):
            if _addressed_to_others(q, author, participants):
                continue
            if any(answers(d) for d in below):
                continue
            if any(is_author(m) and _quotes(m, q) for m in later):
                continue
            out.append((c, q))
    return out


__all__ = ["questions", "open_questions", "ThreadView", "Person", "name_key"]

"""What maintainers said they did with a patch: applied, queued, dropped, or left to another tree.

Maintainers say it in a handful of set phrases at the start of a line of their own text:
"Applied.", "Applied, thanks.", "applied to my block tree", "Applied to target-mips queue",
"pushed both", "Queued for 2.6.38", "Not applicable to net-next", "I'll let the s390 folks take
this one". A phrase inside a question or a condition ("once it is applied", "should this be
applied?") is not a verdict.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.model import Message, own_lines

_LEAD = (r"^(?:(?:once|now that|after|as)\b[^,.;]{0,80},\s*)?"  # "Once I got back, I pushed out a revised version"
         r"(?:(?:ok|okay|thanks|thank you|great|good|nice|looks good)[,.!]*\s+)?"
         r"(?:(?:i\s*(?:'ve|have|had)?|we\s*(?:'ve|have)?|now|also|both|all)\s+)*")
_STATES = [
    ("applied", re.compile(_LEAD + r"(?:applied|pushed|merged|committed|picked(?: it| them| this| both)? up)\b",
                           re.IGNORECASE)),
    ("queued", re.compile(_LEAD + r"(?:queued|queueing|queuing)\b", re.IGNORECASE)),
    ("dropped", re.compile(_LEAD + r"(?:dropped|not applicable to|(?:i'm |i am )?dropping)\b"
                           r"|^nak(?:ed)?\b|^(?:this|it) (?:doesn't|does not) apply to\b", re.IGNORECASE)),
    ("deferred", re.compile(r"^i(?:'ll| will) let (?:the )?\S+(?: \S+)? (?:folks|people|guys|maintainers?|tree) "
                            r"(?:take|handle|pick)|^(?:this|it) should go (?:in )?(?:through|via) ", re.IGNORECASE)),
]


_PASSIVE = re.compile(r"^(?:(?:thanks|thank you)[^.!]*[.!,]\s*)?(?:this|it|that|they|both|all of them|the patch(?:es)?)"
                      r" (?:is|are|has been|have been|was|were|got|now)\s+(?:now\s+|also\s+)?"
                      r"(applied|pushed|merged|committed|queued)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass
class Verdict:
    state: str  # applied, queued, dropped, deferred
    by: str  # "Name <addr>"
    date: str | None  # ISO 8601
    message: str  # Message-ID of the mail that says it
    text: str  # the line that says it, as written

    def to_dict(self) -> dict:
        return {"state": self.state, "by": self.by, "date": self.date, "message": self.message, "said": self.text}


def _sentences(msg: Message) -> list[str]:
    """The own text of a reply as sentences, diffs and pasted code left out."""
    out, paragraph = [], []
    for line in own_lines(msg.body) + [""]:
        text = line.strip()
        if text.startswith(("diff --git", "--- a/", "+++ b/", "@@ ")):
            break
        if text:
            paragraph.append(text)
        elif paragraph:
            out.extend(_SENTENCE_END.split(" ".join(paragraph)))
            paragraph = []
    if paragraph:
        out.extend(_SENTENCE_END.split(" ".join(paragraph)))
    return out


def verdict(msg: Message, sender: str) -> Verdict | None:
    """The first verdict in a reply's own text (quotes and signature dropped), or None: a sentence
    that opens with one of the set phrases ("Applied.", "Thanks, Jan. This is pushed now.")."""
    for sentence in _sentences(msg):
        if sentence.rstrip().endswith("?"):
            continue
        if _PASSIVE.search(sentence):
            return Verdict("applied" if _PASSIVE.search(sentence).group(1).lower() != "queued" else "queued",
                           sender, msg.date.isoformat() if msg.date else None, msg.msgid, sentence)
        for state, pattern in _STATES:
            if pattern.search(sentence):
                return Verdict(state, sender, msg.date.isoformat() if msg.date else None, msg.msgid, sentence)
    return None

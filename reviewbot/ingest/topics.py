"""Sub-threads that left the patch's topic: a reply whose subject was changed ("rfc: rewrite commit
subject line ..." under "[PATCH 44/44] sound/soc/codecs: ..."), and everything below it. They are a
discussion of their own: not replies to the patch, not questions to its author."""
from __future__ import annotations

from reviewbot.ingest.subject import parse_subject
from reviewbot.model import Message, Series


def subject_core(subject: str) -> str:
    return " ".join(parse_subject(subject).subject.lower().split())


def off_topic_replies(s: Series, by_id: dict[str, Message], parent: dict[str, str]) -> set[str]:
    """Message-IDs of the series' replies that belong to a spun-off sub-thread. A subject cut short
    or wrapped by a client is still the same topic; an empty one ("Re:") changes nothing."""
    subjects = {0: s.cover.subject if s.cover else s.subject}
    subjects.update({p.index: p.subject for p in s.patches})
    subjects.update(s.absent)
    out: set[str] = set()
    for c in s.comments:  # parents come before their replies
        up = parent.get(c.msgid)
        if up in out:
            out.add(c.msgid)
            continue
        above_msg = by_id.get(up or "")
        above = subject_core(above_msg.subject if above_msg is not None
                             else subjects.get(s.comment_targets.get(c.msgid, 0), ""))
        mine = subject_core(c.subject)
        if mine and above and mine != above and not above.startswith(mine) and not mine.startswith(above):
            out.add(c.msgid)
    return out

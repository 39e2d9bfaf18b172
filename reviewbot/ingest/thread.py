"""Group messages into threads by Message-ID, In-Reply-To and References (JWZ-like).

A message's parent is the nearest of its parents that is present: In-Reply-To first (it is
the one clients get right), then References from the last entry back, so a reply whose direct
parent is missing hangs under its nearest present ancestor. Messages that share a missing
("ghost") ancestor still land in one thread, as separate top-level messages. Reference loops
are broken, never followed: ids are linked latest message first and a link that would close a
loop is refused, so the earliest message of a loop is its root. Clients that send no threading
headers at all are attached by subject as a last resort (see ``_attach_headerless``).

``Thread.messages`` is the root first, then every reply right after its parent's subtree
position (depth first, siblings by date): a reader can rely on a parent coming before its
replies even when clocks disagree. Threads come in the date order of their roots.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from reviewbot.ingest.quotes import quoted_parent
from reviewbot.ingest.subject import parse_subject
from reviewbot.model import Message, Thread

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# How long after a cover letter a header-less [PATCH n/N] may arrive and still join it.
HEADERLESS_WINDOW = timedelta(days=2)


def _sort_key(pair: tuple[int, Message]):
    pos, msg = pair
    date = msg.date
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    return (date or _EPOCH, pos)


def find_parents(messages: list[Message]) -> dict[str, str]:
    """msgid -> parent msgid, for every message whose parent is present; never a cycle."""
    by_id = {m.msgid: m for m in messages}
    parent: dict[str, str] = {}
    # Latest first: when ids form a loop, the message that breaks it (keeps no parent) is the earliest.
    latest_first = [m for _, m in sorted(enumerate(messages), key=_sort_key, reverse=True)]
    has_replies: set[str] = set()  # a link can only close a loop through a message with replies
    for msg in latest_first:
        for candidate in msg.parent_ids:
            if candidate in by_id and (msg.msgid not in has_replies
                                       or not _is_ancestor(msg.msgid, candidate, parent)):
                parent[msg.msgid] = candidate
                has_replies.add(candidate)
                break
    _attach_headerless(messages, by_id, parent)
    return parent


def _is_ancestor(msgid: str, start: str, parent: dict[str, str]) -> bool:
    seen = set()
    node: str | None = start
    while node is not None and node not in seen:
        if node == msgid:
            return True
        seen.add(node)
        node = parent.get(node)
    return False


def _attach_headerless(messages: list[Message], by_id: dict[str, Message], parent: dict[str, str]) -> None:
    """Fallback for clients that send no In-Reply-To/References. Only such messages are moved.

    - A patch ``[PATCH n/N]`` goes under the latest ``0/N`` cover (else the ``1/N`` that opened
      the run) sent before it by the same sender with the same version, N and topic prefixes
      (``net-next``, ``Qemu-devel``), at most HEADERLESS_WINDOW earlier.
    - A reply "Re: <subject>" goes under the earliest message with that subject (prefixes and
      all; failing that, the same subject and version once the bracketed prefixes are dropped)
      that is not dated after it.
    - A reply with no subject to go by goes under the message whose text it quotes.
    """
    ordered = [m for _, m in sorted(enumerate(messages), key=_sort_key)]
    infos = {m.msgid: parse_subject(m.subject) for m in ordered}
    heads: dict[tuple, tuple[Message, int]] = {}  # series key -> latest (cover or 1/N, its index)
    originals: dict[tuple, Message] = {}  # (prefixes, subject) and (subject,) -> first original
    for msg in ordered:  # date order: each head seen is the latest one sent before the message
        info = infos[msg.msgid]
        headerless = msg.msgid not in parent and not msg.in_reply_to and not msg.references
        target: Message | None = None
        if info.is_reply:
            if headerless and info.subject:  # "Re:" alone names nothing to attach to
                # the same subject without its brackets only within one version: a reply to
                # "[PATCH v3 1/5] foo" does not answer the applied "foo"
                target = originals.get(_subject_key(info)) or originals.get((info.subject.lower(), info.version))
        elif info.total is not None and info.index is not None:
            key = (msg.from_email.lower(), info.version, info.total, tuple(p.lower() for p in info.topic_prefixes))
            head = heads.get(key)
            if head is not None and not _close_in_time(head[0], msg):
                head = None
            if info.index == 0 or (info.index == 1 and (head is None or head[1] == 1)):
                heads[key] = (msg, info.index)  # a cover, or a 1/N with no cover before it, opens a run
            elif headerless and head is not None:
                target = head[0]
        if target is not None and target is not msg and _not_after(target, msg) \
                and not _is_ancestor(msg.msgid, target.msgid, parent):
            parent[msg.msgid] = target.msgid
        if not info.is_reply and info.subject:
            originals.setdefault(_subject_key(info), msg)
            originals.setdefault((info.subject.lower(), info.version), msg)
    _attach_by_quote(ordered, infos, parent)


def _attach_by_quote(ordered: list[Message], infos: dict, parent: dict[str, str]) -> None:
    """Last resort for replies with neither threading headers nor a subject that names their
    parent (archive copies): the message whose text they quote (see ``quotes``)."""
    orphans = [m for m in ordered if m.msgid not in parent and not m.in_reply_to and not m.references
               and not infos[m.msgid].subject and ">" in m.body]
    cache: dict[str, set[int]] = {}
    for msg in orphans:
        candidates = [c for c in ordered if _not_after(c, msg) and not _is_ancestor(msg.msgid, c.msgid, parent)]
        target = quoted_parent(msg, candidates, cache)
        if target is not None:
            parent[msg.msgid] = target
            msg.defects.append("threaded by the text it quotes (no threading headers, no subject)")


def _subject_key(info) -> tuple:
    return (tuple(p.lower() for p in info.prefixes), info.subject.lower())


def _aware(msg: Message) -> datetime | None:
    if msg.date is None:
        return None
    return msg.date if msg.date.tzinfo is not None else msg.date.replace(tzinfo=timezone.utc)


def _close_in_time(head: Message, msg: Message) -> bool:
    """Sent within HEADERLESS_WINDOW after the head (undated mails are given the benefit)."""
    start, when = _aware(head), _aware(msg)
    return start is None or when is None or timedelta(0) <= when - start <= HEADERLESS_WINDOW


def _not_after(original: Message, reply: Message) -> bool:
    start, when = _aware(original), _aware(reply)
    return start is None or when is None or start <= when


def build_threads(messages: list[Message]) -> list[Thread]:
    """Threads in order of their first message's date; messages in each thread by date."""
    parent = find_parents(messages)
    # Union messages that share any id (present or ghost) along their ancestry chains.
    uf: dict[str, str] = {}

    def find(x: str) -> str:
        uf.setdefault(x, x)
        while uf[x] != x:
            uf[x] = uf[uf[x]]
            x = uf[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            uf[rb] = ra

    for msg in messages:
        find(msg.msgid)
        if msg.msgid in parent:
            union(msg.msgid, parent[msg.msgid])
        for ancestor in msg.parent_ids:  # missing ("ghost") ancestors still tie messages together
            union(msg.msgid, ancestor)

    groups: dict[str, list[tuple[int, Message]]] = {}
    for pos, msg in enumerate(messages):
        groups.setdefault(find(msg.msgid), []).append((pos, msg))
    threads = []
    for members in groups.values():
        members.sort(key=_sort_key)
        ordered = [m for _, m in members]
        ids = {m.msgid for m in ordered}
        children: dict[str, list[str]] = {}
        for m in ordered:
            p = parent.get(m.msgid)
            if p in ids:
                children.setdefault(p, []).append(m.msgid)
        tops = [m for m in ordered if m.msgid not in parent]
        root = tops[0] if tops else ordered[0]
        thread = Thread(root=root, messages=_depth_first(root, ordered, children, tops), children=children)
        root_pos = next(pos for pos, m in members if m is root)
        threads.append(((root_pos, root), thread))
    threads.sort(key=lambda item: _sort_key(item[0]))  # roots in date order
    return [t for _, t in threads]


def _depth_first(root: Message, ordered: list[Message], children: dict[str, list[str]],
                 tops: list[Message]) -> list[Message]:
    """Root first, then each reply after its parent (date order among siblings)."""
    by_id = {m.msgid: m for m in ordered}
    out: list[Message] = []
    seen: set[str] = set()
    stack = [m.msgid for m in reversed([root] + [t for t in tops if t is not root])]
    while stack:
        mid = stack.pop()
        if mid in seen:
            continue
        seen.add(mid)
        out.append(by_id[mid])
        stack.extend(reversed(children.get(mid, [])))
    out.extend(m for m in ordered if m.msgid not in seen)  # unreachable only through a loop
    return out

"""Group messages into threads by Message-ID, In-Reply-To and References.

A message's parent is the nearest of its parents that is present: In-Reply-To first (it is
the one clients get right), then References from the last entry back. Messages that share a
missing ("ghost") ancestor still land in one thread. Reference loops are broken, never followed.
Clients that send no threading headers at all are attached by subject as a last resort.
"""
from __future__ import annotations

from datetime import datetime, timezone

from reviewbot.ingest.subject import parse_subject
from reviewbot.model import Message, Thread

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


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
    for msg in latest_first:
        for candidate in msg.parent_ids:
            if candidate in by_id and not _is_ancestor(msg.msgid, candidate, parent):
                parent[msg.msgid] = candidate
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
    """Fallback for clients that drop In-Reply-To/References.

    A patch ``[PATCH n/N]`` with no threading headers goes under the latest ``0/N`` cover (else
    ``1/N``) sent before it by the same author with the same version and N; a "Re: subject" reply
    goes under the original with that subject. Only messages with no threading header are touched.
    """
    ordered = [m for _, m in sorted(enumerate(messages), key=_sort_key)]
    heads: dict[tuple, tuple[str, int]] = {}  # (sender, version, N) -> latest (msgid, 0 or 1)
    originals: dict[str, str] = {}
    for msg in ordered:  # date order: each head seen is the latest one sent before the message
        info = parse_subject(msg.subject)
        headerless = msg.msgid not in parent and not msg.in_reply_to and not msg.references
        key = (msg.from_email.lower(), info.version, info.total)
        target = None
        if info.is_reply:
            target = originals.get(info.subject.lower()) if headerless else None
        elif info.total and info.index == 0:
            heads[key] = (msg.msgid, 0)
        elif info.total and info.index:
            head = heads.get(key)
            if info.index == 1 and (head is None or head[1] == 1):
                heads[key] = (msg.msgid, 1)  # no cover before it: a 1/N starts a new run
            elif headerless and head is not None:
                target = head[0]
        if target and target != msg.msgid and not _is_ancestor(msg.msgid, target, parent):
            parent[msg.msgid] = target
        if not info.is_reply:
            originals.setdefault(info.subject.lower(), msg.msgid)


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
        threads.append((members[0], thread))
    threads.sort(key=lambda item: _sort_key(item[0]))
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

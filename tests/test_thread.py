"""Threading against notmuch's expected structures, plus loops and header-less clients."""
from __future__ import annotations

from reviewbot.ingest.mailread import parse_message, read_messages
from reviewbot.ingest.thread import build_threads, find_parents

NOTMUCH = "notmuch/corpora"


def _tree(thread) -> list[tuple[int, str]]:
    by_id = {m.msgid: m for m in thread.messages}
    out: list[tuple[int, str]] = []

    def walk(mid: str, depth: int) -> None:
        out.append((depth, by_id[mid].subject))
        for child in thread.children.get(mid, []):
            walk(child, depth + 1)

    replies = {c for kids in thread.children.values() for c in kids}
    for m in thread.messages:
        if m.msgid not in replies:
            walk(m.msgid, 0)
    return out


def test_reply_to_ghost_hangs_under_last_present_reference(corpus):
    threads = build_threads(read_messages(corpus / NOTMUCH / "threading/ghost-root").messages)
    root_thread = next(t for t in threads if t.root.msgid == "000-real-root@example.org")
    assert _tree(root_thread) == [
        (0, "root message"),
        (1, "child message"),
        (2, "fake root message"),
        (2, "grand-child message"),
        (3, "great grand-child message"),
        (2, "grand-child message 2"),
    ]


def test_messages_sharing_a_ghost_reference_form_one_thread(corpus):
    threads = build_threads(read_messages(corpus / NOTMUCH / "threading/ghost-root").messages)
    rt = next(t for t in threads if t.root.msgid == "87bmc6lp3h.fsf@len.workgroup")
    tree = _tree(rt)
    assert len(tree) == 3
    assert tree[0][0] == 0 and tree[0][1].startswith("FYI:")
    assert tree[1][0] == 1 and "AutoReply" in tree[1][1]
    assert tree[2][0] == 0 and "Resolved" in tree[2][1]  # a second top-level message of the same thread


def test_in_reply_to_wins_over_bad_references(corpus):
    (thread,) = build_threads(read_messages(corpus / NOTMUCH / "threading/parent-priority").messages)
    assert _tree(thread) == [(0, "root message"), (1, "child message"), (2, "grand-child message")]


def test_reference_loop_is_one_thread_in_date_order(corpus):
    (thread,) = build_threads(read_messages(corpus / NOTMUCH / "broken/loop").messages)
    assert [m.msgid for m in thread.messages] == ["mid-loop-12@example.org", "mid-loop-21@example.org"]


def _mail(msgid: str, subject: str, sender: str = "Ross Zwisler <ross.zwisler@linux.intel.com>",
          date: str = "Mon, 24 Jul 2017 11:06:11 -0600", extra: str = "") -> bytes:
    return (f"From: {sender}\nDate: {date}\nSubject: {subject}\nMessage-ID: <{msgid}>\n{extra}\nbody\n").encode()


def test_patches_without_thread_headers_attach_to_their_cover():
    msgs = [parse_message(_mail("c@x", "[PATCH v4 0/5] dax: use common 4k zero page")),
            parse_message(_mail("p1@x", "[PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()")),
            parse_message(_mail("p2@x", "[PATCH v4 2/5] dax: relocate some dax functions")),
            parse_message(_mail("r1@x", "Re: [PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()",
                                sender="Jan Kara <jack@suse.cz>"))]
    parents = find_parents(msgs)
    assert parents == {"p1@x": "c@x", "p2@x": "c@x", "r1@x": "p1@x"}
    (thread,) = build_threads(msgs)
    assert thread.root.msgid == "c@x"


def test_headerless_fallback_never_overrides_real_headers():
    msgs = [parse_message(_mail("c@x", "[PATCH 0/2] x")),
            parse_message(_mail("other@x", "[PATCH 1/2] y")),
            parse_message(_mail("p1@x", "[PATCH 1/2] y", extra="In-Reply-To: <other@x>\n"))]
    assert find_parents(msgs)["p1@x"] == "other@x"

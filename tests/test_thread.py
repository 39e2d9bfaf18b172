"""Threading against notmuch's expected structures, plus loops and header-less clients."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.ingest.changelog_cover import split_changelog_covers
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
          date: str = "Mon, 24 Jul 2017 11:06:11 -0600", extra: str = "", body: str = "body\n") -> bytes:
    return (f"From: {sender}\nDate: {date}\nSubject: {subject}\nMessage-ID: <{msgid}>\n{extra}\n{body}").encode()


def _msg(msgid: str, subject: str = "x", irt: str | None = None, refs: str = "", minute: int = 0, **kw):
    extra = (f"In-Reply-To: <{irt}>\n" if irt else "") + (f"References: {refs}\n" if refs else "")
    return parse_message(_mail(msgid, subject, date=f"Mon, 24 Jul 2017 11:{minute:02d}:00 -0600", extra=extra, **kw))


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


def test_reference_loop_of_three_terminates_with_earliest_as_root():
    msgs = [_msg("a@x", irt="c@x", minute=1), _msg("b@x", irt="a@x", minute=2), _msg("c@x", irt="b@x", minute=3)]
    (thread,) = build_threads(msgs)
    assert thread.root.msgid == "a@x"
    assert [m.msgid for m in thread.messages] == ["a@x", "b@x", "c@x"]
    assert find_parents(msgs) == {"b@x": "a@x", "c@x": "b@x"}


def test_message_referring_to_itself_is_a_root():
    (thread,) = build_threads([_msg("self@x", irt="self@x", refs="<self@x>")])
    assert thread.root.msgid == "self@x" and thread.children == {}


def test_missing_direct_parent_hangs_under_nearest_reference():
    msgs = [_msg("root@x", minute=0), _msg("reply@x", irt="gone@x", refs="<root@x> <mid@x> <gone@x>", minute=5)]
    assert find_parents(msgs) == {"reply@x": "root@x"}


def test_replies_follow_their_parent_even_when_dated_earlier():
    msgs = [_msg("p@x", "[PATCH] x", minute=10), _msg("r@x", "Re: [PATCH] x", irt="p@x", minute=1)]
    (thread,) = build_threads(msgs)
    assert [m.msgid for m in thread.messages] == ["p@x", "r@x"]
    assert thread.replies_to("p@x")[0].msgid == "r@x"


def test_threads_come_in_root_date_order():
    msgs = [_msg("late@x", minute=30), _msg("early@x", minute=1), _msg("reply@x", irt="late@x", minute=31)]
    assert [t.root.msgid for t in build_threads(msgs)] == ["early@x", "late@x"]


def test_long_chain_threads_without_recursion():
    msgs = [_msg("m0@x", minute=0)] + [parse_message(_mail(f"m{i}@x", "Re: x", extra=f"In-Reply-To: <m{i - 1}@x>\n",
                                                       date=f"Mon, 24 Jul 2017 {i // 3600 % 24:02d}:"
                                                            f"{i // 60 % 60:02d}:{i % 60:02d} -0600"))
                                       for i in range(1, 3000)]
    (thread,) = build_threads(msgs)
    assert len(thread.messages) == 3000 and thread.messages[-1].msgid == "m2999@x"


def test_headerless_patch_needs_the_same_topic_prefix_and_a_recent_cover():
    msgs = [parse_message(_mail("c@x", "[PATCH net-next 0/2] tcp: x", date="Mon, 24 Jul 2017 11:00:00 -0600")),
            parse_message(_mail("p1@x", "[PATCH net 1/2] tcp: y", date="Mon, 24 Jul 2017 11:01:00 -0600")),
            parse_message(_mail("p2@x", "[PATCH net-next 2/2] tcp: z", date="Fri, 28 Jul 2017 11:02:00 -0600"))]
    assert find_parents(msgs) == {}


def test_headerless_reply_goes_to_the_exact_subject_not_an_older_version():
    msgs = [parse_message(_mail("v3@x", "[PATCH v3 1/5] mm: add vm_insert_mixed_mkwrite()")),
            parse_message(_mail("v4@x", "[PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()")),
            parse_message(_mail("r@x", "Re: [PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()",
                                sender="Jan Kara <jack@suse.cz>", date="Tue, 25 Jul 2017 09:00:00 +0200"))]
    assert find_parents(msgs)["r@x"] == "v4@x"


def test_headerless_reply_is_not_attached_to_a_later_original():
    msgs = [parse_message(_mail("r@x", "Re: [PATCH] x", date="Mon, 24 Jul 2017 09:00:00 -0600")),
            parse_message(_mail("p@x", "[PATCH] x", date="Mon, 24 Jul 2017 11:00:00 -0600"))]
    assert find_parents(msgs) == {}


def test_seed_reply_to_v3_does_not_join_the_applied_commit(seeds):
    """Vivek answered "[PATCH v3 1/5] mm: add vm_insert_mixed_mkwrite()"; the commit listing is
    what was applied later. Same subject, another version: not its parent."""
    msgs = [read_messages(seeds / name).messages[0]
            for name in ("000_b04a55b2f102a831.txt", "004_3ceb9e994733b8a1.txt", "002_fab232b0b27766c1.txt")]
    assert find_parents(msgs) == {}
    assert len(build_threads(msgs)) == 3


def test_seed_headerless_reply_joins_the_cover_letter_it_quotes(seeds):
    """Jan Kara's archive copy has no header at all. It quotes the cover letter (and, inside it,
    patch 1's description): it answers the cover that akpm folded into patch 1's changelog."""
    msgs = split_changelog_covers([read_messages(seeds / name).messages[0]
                                   for name in ("000_b04a55b2f102a831.txt", "001_902decd83a14318f.txt")])
    cover, patch, reply = (m.msgid for m in msgs)
    assert cover == "cover.seed-000_b04a55b2f102a831.txt@reviewbot.invalid"
    assert find_parents(msgs) == {patch: cover, reply: cover}


def test_headerless_reply_without_subject_joins_the_patch_it_quotes_not_the_cover():
    body = ("On Mon, Jul 24, 2017, Ross Zwisler wrote:\n"
            + "".join(f"> {line}\n" for line in _P2.split("\n")) + "\nLooks fine.\n")
    msgs = [parse_message(_mail("c@x", "[PATCH 0/2] dax: zero page", body=_COVER)),
            parse_message(_mail("p1@x", "[PATCH 1/2] mm: add helper", body=_P1, extra="In-Reply-To: <c@x>\n")),
            parse_message(_mail("p2@x", "[PATCH 2/2] dax: use it", body=_P2, extra="In-Reply-To: <c@x>\n")),
            parse_message(b"From: Jan Kara <jack@suse.cz>\n\n" + body.encode())]
    assert find_parents(msgs)[msgs[3].msgid] == "p2@x"


def test_a_reply_quoting_too_little_stays_unthreaded():
    msgs = [parse_message(_mail("p2@x", "[PATCH 2/2] dax: use it", body=_P2)),
            parse_message(b"From: Jan Kara <jack@suse.cz>\n\nOn Mon, Ross wrote:\n> Use the zero page.\n\nOK.\n")]
    assert find_parents(msgs) == {}


_COVER = """When servicing mmap() reads from file holes the current DAX code allocates a page
cache page of all zeroes and places the struct page pointer in the radix tree. This series
uses the common 4k zero page instead, which saves memory and shortens the fault path.
"""
_P1 = """Add vm_insert_mixed_mkwrite() so that the DAX PTE fault path can insert a writable
entry in one go, following what insert_pfn_pmd() already does for PMDs.
"""
_P2 = """Use the common 4k zero page for reads from holes in DAX mappings: dax_load_hole()
now inserts an exceptional entry and maps the zero page with vm_insert_mixed().
"""


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 14), max_size=4), st.integers(0, 3)), min_size=1, max_size=15))
def test_any_reference_graph_gives_each_message_once_parent_first(links):
    """Random In-Reply-To/References graphs, loops and ghosts included: every message lands in
    exactly one thread, after its parent, and every recorded reply is a member of that thread."""
    msgs = []
    for i, (refs, minute) in enumerate(links):
        ids = [f"<m{r}@x>" for r in refs]
        extra = (f"In-Reply-To: {ids[-1]}\n" if ids else "") + (f"References: {' '.join(ids)}\n" if ids else "")
        msgs.append(parse_message(_mail(f"m{i}@x", "x", date=f"Mon, 24 Jul 2017 11:0{minute}:00 -0600", extra=extra)))
    threads = build_threads(msgs)
    seen = [m.msgid for t in threads for m in t.messages]
    assert sorted(seen) == sorted(m.msgid for m in msgs)
    for thread in threads:
        order = {m.msgid: n for n, m in enumerate(thread.messages)}
        assert thread.messages[0] is thread.root
        for parent_id, kids in thread.children.items():
            for kid in kids:
                assert order[parent_id] < order[kid]


def test_series_sent_without_thread_headers_forms_one_thread():
    """fixtures/mail/headerless-series.mbox: `git send-email --no-thread` output (cover + 3
    patches, no In-Reply-To/References), a review from a client that drops them too, and an
    answer to that review with proper headers."""
    from pathlib import Path

    mbox = Path(__file__).resolve().parent.parent / "fixtures/mail/headerless-series.mbox"
    (thread,) = build_threads(read_messages(mbox).messages)
    cover = "20170724170616.25810-1-ross.zwisler@linux.intel.com"
    assert thread.root.msgid == cover
    assert thread.children[cover] == [f"20170724170616.25810-{n}-ross.zwisler@linux.intel.com" for n in (2, 3, 4)]
    assert thread.children["20170724170616.25810-3-ross.zwisler@linux.intel.com"] == [
        "20170725082255.GB3397@quack2.suse.cz"]
    assert thread.children["20170725082255.GB3397@quack2.suse.cz"] == ["20170725160321.GA8834@linux.intel.com"]
    assert [m.subject[:18] for m in thread.messages] == [
        "[PATCH v4 0/3] dax", "[PATCH v4 1/3] mm:", "[PATCH v4 2/3] dax", "Re: [PATCH v4 2/3]", "Re: [PATCH v4 2/3]",
        "[PATCH v4 3/3] dax"]

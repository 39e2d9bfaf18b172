"""Find patch series in a set of mails: covers, patches in order, versions, replies, trailers.

Mails are first threaded; each is then a cover letter, a patch, a pull request or a comment.
Patches join the series of the cover (or first patch) they reply to, else a series of their
own version, sender and size in the same thread. Series that are versions of one another
(same sender, same cover or patch subjects, or a re-roll posted into the old thread) are linked,
and the newest is named.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from reviewbot.ingest.changelog_cover import is_commit_listing
from reviewbot.ingest.mailinfo import looks_like_patch, split_patch_body
from reviewbot.ingest.people import same_person
from reviewbot.ingest.subject import SubjectInfo, parse_subject
from reviewbot.ingest.thread import build_threads
from reviewbot.ingest.trailers import merge_trailers, parse_trailers, reply_trailers
from reviewbot.model import Message, Patch, Series, Thread, TrailerOrigin, own_lines

_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-f]{7,40})\s*$", re.MULTILINE)


@dataclass
class _Entry:
    msg: Message
    info: SubjectInfo
    kind: str  # "cover", "patch", "pull", "comment"


@dataclass
class SeriesGroup:
    """All versions of one series found in the input, oldest first."""

    versions: list[Series] = field(default_factory=list)

    @property
    def newest(self) -> Series:
        return self.versions[-1]


def classify(msg: Message) -> _Entry:
    info = parse_subject(msg.subject)
    if info.is_reply or info.is_forward:
        return _Entry(msg, info, "comment")
    if info.is_pull and not looks_like_patch(msg.body):
        return _Entry(msg, info, "pull")
    if looks_like_patch(msg.body) or is_commit_listing(msg):  # a listing may show no diff
        return _Entry(msg, info, "patch")
    if info.index == 0 and info.total:
        return _Entry(msg, info, "cover")
    return _Entry(msg, info, "comment")


def patch_from_message(msg: Message, info: SubjectInfo | None = None) -> Patch:
    info = info or parse_subject(msg.subject)
    parts = split_patch_body(msg.body)
    subject = parse_subject(parts.inbody_subject).subject if parts.inbody_subject else info.subject
    author = parts.inbody_from or msg.sender
    return Patch(
        index=info.index or 1,
        total=info.total or 1,
        subject=subject,
        author=author,
        commit_message=parts.commit_message,
        diff_text=parts.diff,
        trailers=parse_trailers(parts.commit_message, TrailerOrigin.PATCH, msg.msgid),
        message=msg,
        date=msg.date,
    )


def find_series(messages: list[Message], threads: list[Thread] | None = None) -> list[Series]:
    """Every series in the input, each version separately, in order of first appearance."""
    return [s for g in find_series_groups(messages, threads) for s in g.versions]


def find_series_groups(messages: list[Message], threads: list[Thread] | None = None) -> list[SeriesGroup]:
    threads = threads if threads is not None else build_threads(messages)
    series_list: list[Series] = []
    for thread in threads:
        series_list.extend(_series_in_thread(thread))
    groups = _join_superseded(_group_versions(_join_unthreaded(series_list, messages)))
    arrival = {m.msgid: n for n, m in enumerate(messages)}
    for group in groups:
        for older, newer in zip(group.versions, group.versions[1:]):
            older.superseded_by = newer.version
        _mark_obsoleted(group, arrival)
    return groups


def head_msgid(s: Series) -> str | None:
    """The Message-ID a series is known by: its cover letter, else its first patch."""
    if s.cover is not None:
        return s.cover.msgid
    return s.patches[0].message.msgid if s.patches and s.patches[0].message else None


def _mark_obsoleted(group: SeriesGroup, arrival: dict[str, int]) -> None:
    """Which version obsoletes which, as patchew decides it (its tests are the oracle): versions are
    taken in the order they arrived; one becomes the topic's latest when it has a higher version and
    is not dated before the latest (a v3 dated before v2 does not take over), or by "Supersedes:";
    every other version seen is then obsoleted by the latest."""
    posted = [s for s in group.versions if head_msgid(s) and not s.applied]
    posted.sort(key=lambda s: arrival.get(head_msgid(s), len(arrival)))
    obsolete: set[int] = set()
    latest: Series | None = None
    head_of = {head_msgid(s): s for s in posted}

    def newer_than(a: Series, b: Series) -> bool:
        if a is b:
            return False
        if a.version != b.version:
            if a.subject.lower() == b.subject.lower():  # patchew's topic: same subject
                return a.version > b.version and _date(a) >= _date(b)
            return a.version > b.version  # joined by its patches or "Supersedes:": patchew has no rule
        if (id(a) in obsolete) != (id(b) in obsolete):
            return id(b) in obsolete
        return _date(a) > _date(b)

    for n, s in enumerate(posted):
        if latest is None or newer_than(s, latest):
            latest = s
        for msgid in _supersedes(s):
            old = head_of.get(msgid)
            if old is not None and old is not s:
                if latest is old:
                    latest = s
                obsolete.add(id(old))
        for other in posted[:n]:
            if other is not latest:
                obsolete.add(id(other))
    for s in posted:
        obsoleted = id(s) in obsolete and latest is not None and s is not latest
        s.obsoleted_by = head_msgid(latest) if obsoleted else None
        s.dated_before = latest.version if latest is not None and s is not latest and not obsoleted else None


def _date(s: Series) -> datetime:
    m = s.cover or (s.patches[0].message if s.patches else None)
    if m is None or m.date is None:
        return datetime.min.replace(tzinfo=timezone.utc)
    return m.date if m.date.tzinfo else m.date.replace(tzinfo=timezone.utc)  # a date without a zone: UTC


def _supersedes(s: Series) -> list[str]:
    return [msgid for m in [s.cover] + [p.message for p in s.patches] + s.comments if m is not None
            for msgid in _SUPERSEDES.findall("\n".join(own_lines(m.body)))]


def _series_in_thread(thread: Thread) -> list[Series]:
    parent_of = {c: p for p, kids in thread.children.items() for c in kids}
    entries = {m.msgid: classify(m) for m in thread.messages}
    _promote_naked_cover(thread, entries)
    owner: dict[str, Series] = {}  # msgid of a cover or patch -> its series
    result: list[Series] = []

    def new_series(entry: _Entry) -> Series:
        s = Series(subject=entry.info.subject, version=entry.info.version,
                   prefixes=entry.info.topic_prefixes, expected_total=entry.info.total or 1,
                   source=entry.msg.source, is_pull_request=entry.kind == "pull")
        result.append(s)
        return s

    for msg in thread.messages:  # root first, replies after their parents
        entry = entries[msg.msgid]
        if entry.kind in ("cover", "pull"):
            s = new_series(entry)
            s.cover = msg
            owner[msg.msgid] = s
        elif entry.kind == "patch":
            s = _series_for_patch(entry, parent_of, entries, owner, result)
            if s is None:
                s = new_series(entry)
            patch = patch_from_message(msg, entry.info)
            if any(p.index == patch.index for p in s.patches):
                s.comments.append(msg)  # a re-post of the same index: the first one stands
                continue
            s.patches.append(patch)
            s.applied = s.applied or is_commit_listing(msg)
            owner[msg.msgid] = s
    for s in result:
        s.patches.sort(key=lambda p: p.index)
        if not s.cover and s.patches:
            s.subject = s.patches[0].subject
        s.expected_total = max([s.expected_total] + [p.total for p in s.patches])
        s.base_commit = _base_commit(s)
    _attach_replies(thread, entries, owner, parent_of, result)
    return result


def _promote_naked_cover(thread: Thread, entries: dict[str, _Entry]) -> None:
    """A thread root with no diff, sent by the author of the numbered patches replying to it, is
    their cover letter even without "0/N" (b4's naked cover)."""
    root = entries[thread.root.msgid]
    if root.kind != "comment" or root.info.is_reply:
        return
    kids = [entries[c] for c in thread.children.get(root.msg.msgid, [])]
    patches = [k for k in kids if k.kind == "patch"]
    if patches and all(p.msg.from_email.lower() == root.msg.from_email.lower() for p in patches):
        root.kind = "cover"
        root.info.version = patches[0].info.version
        root.info.total = patches[0].info.total or 1
        root.info.index = 0


def _series_for_patch(entry: _Entry, parent_of: dict[str, str], entries: dict[str, _Entry],
                      owner: dict[str, Series], result: list[Series]) -> Series | None:
    """The series a patch belongs to, or None when it starts one (as Patchwork decides)."""
    if not entry.info.total:
        # An unnumbered patch is a series of its own (Patchwork), unless it answers a naked cover
        # that introduces exactly it (b4).
        s = owner.get(parent_of.get(entry.msg.msgid, ""))
        if s is not None and s.cover is not None and s.expected_total == 1 and not s.patches:
            return s
        return None
    index = entry.info.index

    def fits(s: Series) -> bool:
        same_version = s.version == entry.info.version or not entry.info.version_given
        return (same_version and s.expected_total == entry.info.total and not s.is_pull_request
                and all(p.index != index for p in s.patches))

    node = parent_of.get(entry.msg.msgid)
    while node is not None:  # the cover or patch this one replies to
        s = owner.get(node)
        if s is not None:
            if fits(s):
                return s
            break  # replies to another version, or re-sends an index it has: a new series
        node = parent_of.get(node)
    for s in reversed(result):  # threading broken: the latest of the same version, size and sender
        if fits(s) and same_person("", _sender(s), "", entry.msg.from_email):
            return s
    return None


def _sender(s: Series) -> str:
    """Who sent the series, as an address key: the cifs RFC series came through gmane with half of its
    mails from "sjayaraman-l3A5Bk7waGM@public.gmane.org" and half from "sjayaraman@suse.de"."""
    msg = s.cover or (s.patches[0].message if s.patches else None)
    return msg.from_email.lower() if msg else ""


def _base_commit(s: Series) -> str | None:
    for msg in [s.cover] + [p.message for p in s.patches]:
        if msg is not None:
            m = _BASE_COMMIT.search(msg.body)
            if m:
                return m.group(1)
    return None


def _attach_replies(thread: Thread, entries: dict[str, _Entry], owner: dict[str, Series],
                    parent_of: dict[str, str], result: list[Series]) -> None:
    """Every comment goes to the series of the nearest cover/patch above it; trailers are collected
    from comments without a diff: on a patch for that patch, on the cover for every patch. A reply
    to a patch that is not in the input ("Re: [PATCH v3 1/5] foo") goes to a series made of the
    patches known only from such replies, so a maintainer still sees who said what on it."""
    ghosts: dict[tuple, Series] = {}
    for msg in thread.messages:
        entry = entries[msg.msgid]
        if entry.kind != "comment":
            continue
        node = parent_of.get(msg.msgid)
        while node is not None and node not in owner:
            node = parent_of.get(node)
        if node is None:
            _attach_to_absent(entry, ghosts, result)
            continue
        s = owner[node]
        s.comments.append(msg)
        s.comment_targets[msg.msgid] = 0 if s.cover is not None and node == s.cover.msgid else next(
            (p.index for p in s.patches if p.message is not None and p.message.msgid == node), 0)
        if looks_like_patch(msg.body):
            continue  # a reply carrying a diff is a counter-proposal, not a review
        if s.cover is not None and node == s.cover.msgid:
            s.cover_trailers = merge_trailers(s.cover_trailers, reply_trailers(msg, TrailerOrigin.COVER))
        else:
            patch = next(p for p in s.patches if p.message is not None and p.message.msgid == node)
            patch.trailers = merge_trailers(patch.trailers, reply_trailers(msg))


def _attach_to_absent(entry: _Entry, ghosts: dict[tuple, Series], result: list[Series]) -> None:
    info = entry.info
    # Mailman lists re-send replies under the original subject ("[notmuch] [PATCH] foo", no "Re:"):
    # a mail with threading headers that names a patch still answers it.
    answers = info.is_reply or (info.is_patch and bool(entry.msg.parent_ids))
    if not answers or not info.subject or (info.index is None) != (not info.total):
        return
    if info.index is None and not info.is_patch:
        return  # "Re: [notmuch] Working with Maildir storage?" discusses no patch
    if info.index is None:  # a bare "[PATCH] foo" is patch 1 of 1, as "[PATCH 1/1] foo" would be
        info.index, info.total = 1, 1
    key = (info.version, info.total, tuple(p.lower() for p in info.topic_prefixes))
    s = ghosts.get(key)
    if s is None:
        s = ghosts[key] = Series(subject=info.subject, version=info.version, prefixes=info.topic_prefixes,
                                 expected_total=info.total, source=entry.msg.source)
        result.append(s)
    if info.index == 0:
        s.subject = info.subject
    else:
        s.absent.setdefault(info.index, info.subject)
    s.comments.append(entry.msg)
    s.comment_targets[entry.msg.msgid] = info.index
    if looks_like_patch(entry.msg.body):
        return
    if info.index == 0:
        s.cover_trailers = merge_trailers(s.cover_trailers, reply_trailers(entry.msg, TrailerOrigin.COVER))
    else:
        s.absent_trailers[info.index] = merge_trailers(s.absent_trailers.get(info.index, []),
                                                       reply_trailers(entry.msg))


def _subject_keys(s: Series) -> set[str]:
    """Every subject two versions of one series can share (see _same_series): the cover's, the patches'."""
    return {s.subject.lower()} | {subject for _, subject in _patch_places(s)}


def _group_versions(series_list: list[Series]) -> list[SeriesGroup]:
    groups: list[SeriesGroup] = []
    # subject -> indexes of the groups holding a version with it: a series is compared only with
    # those (comparing with every group made a 2,000-message mailbox quadratic)
    by_subject: dict[str, list[int]] = {}
    for s in series_list:
        keys = _subject_keys(s)
        candidates = sorted({n for key in keys for n in by_subject.get(key, ())})
        for n in candidates:
            if any(_same_series(s, other) for other in groups[n].versions):
                groups[n].versions.append(s)
                break
        else:
            n = len(groups)
            groups.append(SeriesGroup([s]))
        for key in keys:
            if n not in by_subject.setdefault(key, []):
                by_subject[key].append(n)
    for g in groups:
        g.versions.sort(key=lambda x: (x.applied, x.version))  # what was applied comes after every posting
    return groups


_FORMAT_PATCH_NAME = re.compile(r"^(?:v\d+-)?\d{4}-[^/]*\.(?:patch|diff|eml|txt)$")


def _container(source: str, per_path: dict[str, int]) -> str | None:
    """Where a message was read from as a unit of one series: its mbox file, or the directory of
    `git format-patch` files ("0001-foo.patch") it sits in. None for anything else (a maildir of a
    list, whose files are unrelated mails)."""
    path = source.rsplit("#", 1)[0]
    if per_path.get(path, 0) > 1:
        return path
    folder, _, name = path.rpartition("/")
    return folder if _FORMAT_PATCH_NAME.match(name) else None


def _unthreaded(s: Series) -> bool:
    return s.cover is None and bool(s.patches) and not s.is_pull_request and all(
        p.message is not None and not p.message.in_reply_to and not p.message.references for p in s.patches)


def _join_unthreaded(series_list: list[Series], messages: list[Message]) -> list[Series]:
    """`git format-patch` files, or an mbox of them, carry each patch's author in From: and no
    threading headers, so a series of several authors falls apart into one series per author.
    Numbered [PATCH k/N] patches of one mbox or patch directory with the same version, N and topic
    prefixes, and no index twice, are one series, whoever wrote each (issue 12)."""
    per_path: dict[str, int] = {}
    for m in messages:
        path = m.source.rsplit("#", 1)[0]
        per_path[path] = per_path.get(path, 0) + 1
    out: list[Series] = []
    for s in series_list:
        target = None
        if _unthreaded(s) and s.expected_total > 1:
            where = _container(s.patches[0].message.source, per_path)
            for t in out:
                if (where is not None and t.version == s.version and t.expected_total == s.expected_total
                        and [x.lower() for x in t.prefixes] == [x.lower() for x in s.prefixes]
                        and not t.is_pull_request and t.patches and t.patches[0].message is not None
                        and (t.cover is None or not t.cover.in_reply_to)
                        and all(not p.message.in_reply_to for p in t.patches if p.message is not None)
                        and _container(t.patches[0].message.source, per_path) == where
                        and not {p.index for p in t.patches} & {p.index for p in s.patches}):
                    target = t
                    break
        if target is None:
            out.append(s)
            continue
        target.patches = sorted(target.patches + s.patches, key=lambda p: p.index)
        target.comments.extend(s.comments)
        target.comment_targets.update(s.comment_targets)
        if target.cover is None:
            target.subject = target.patches[0].subject
        target.base_commit = target.base_commit or s.base_commit
    return out


_SUPERSEDES = re.compile(r"^Supersedes:\s*<([^<>\s]+)>", re.MULTILINE | re.IGNORECASE)


def _join_superseded(groups: list[SeriesGroup]) -> list[SeriesGroup]:
    """Patchew's "Supersedes: <msgid>" (in a cover letter, a pull request or a reply to it) names the
    posting it replaces: the two are versions of one series even when the subject changed."""
    owner: dict[str, SeriesGroup] = {}
    for g in groups:
        for s in g.versions:
            for m in [s.cover] + [p.message for p in s.patches]:
                if m is not None:
                    owner[m.msgid] = g
    gone: set[int] = set()  # ids of groups joined into another (list membership compared whole dataclasses)
    for g in list(groups):
        if id(g) in gone:
            continue
        for s in list(g.versions):
            for msgid in _supersedes(s):
                older = owner.get(msgid)
                if older is None or older is g or id(older) in gone:
                    continue
                g.versions[:0] = older.versions  # what is replaced comes first
                gone.add(id(older))
                for o in older.versions:
                    for om in [o.cover] + [p.message for p in o.patches]:
                        if om is not None:
                            owner[om.msgid] = g
    return [g for g in groups if id(g) not in gone]


def _same_series(a: Series, b: Series) -> bool:
    """Versions of one series: different versions (or one of them applied) from the same sender
    (unknown when only replies to it are in the input), sharing the cover or a patch subject."""
    if (a.version == b.version and a.applied == b.applied) or (_sender(a) and _sender(b)
                                                                  and not same_person("", _sender(a), "", _sender(b))):
        return False
    if a.cover and b.cover and a.subject.lower() == b.subject.lower():
        return True
    if not (_sender(a) and _sender(b)):  # who sent it unknown: the same subject at the same place too
        return bool(_patch_places(a) & _patch_places(b))
    return bool({t for _, t in _patch_places(a)} & {t for _, t in _patch_places(b)})


def _patch_places(s: Series) -> set[tuple[int, str]]:
    return ({(p.index, p.subject.lower()) for p in s.patches}
            | {(i, subject.lower()) for i, subject in s.absent.items()})


def patches_with_trailers(s: Series) -> list[Patch]:
    """Each patch with the trailers it would carry: its own, then replies', then the cover's."""
    return [_with_cover(p, s) for p in s.patches]


def _with_cover(p: Patch, s: Series) -> Patch:
    from dataclasses import replace

    return replace(p, trailers=merge_trailers(p.trailers, s.cover_trailers))


def versions_with_reroll_filled(group: SeriesGroup) -> list[Series]:
    """The group's versions, the newest posted one completed as ``fill_partial_reroll`` does, so
    that `series`, `summary` and `trailers` say the same thing about a partial re-roll."""
    posted = [v for v in group.versions if v.patches]
    if not posted:
        return list(group.versions)
    filled = fill_partial_reroll(group)
    return [filled if v is posted[-1] else v for v in group.versions]


def fill_partial_reroll(group: SeriesGroup) -> Series:
    """The newest version, completed from older ones when it re-sends only some patches (b4's
    partial re-roll): missing indices come from the latest older version that has them, and an
    uncovered re-roll keeps the cover-letter trailers of the version it re-rolls."""
    from dataclasses import replace

    posted = [v for v in group.versions if v.patches]  # a version known only from replies has nothing to fill
    if not posted:
        return group.newest
    newest = posted[-1]
    if not newest.missing or len(posted) < 2:
        return newest
    patches = list(newest.patches)
    cover_trailers = list(newest.cover_trailers)
    carried: dict[int, int] = {}
    for older in reversed(posted[:-1]):
        if older.expected_total != newest.expected_total:
            continue
        have = {p.index for p in patches}
        for p in older.patches:
            if p.index not in have:
                patches.append(p)
                carried[p.index] = older.version
        if newest.cover is None:
            cover_trailers = merge_trailers(cover_trailers, older.cover_trailers)
    patches.sort(key=lambda p: p.index)
    return replace(newest, patches=patches, cover_trailers=cover_trailers, carried_from=carried)

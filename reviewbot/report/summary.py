"""The state of a review thread at a glance, for maintainers: `reviewbot summary MBOX`.

Per series and version: the patches (n/N, missing), who gave which trailer on which patch (the
cover letter's apply to all), replies per patch and their authors, reviewers' questions the
author has not answered below them, and what changed between versions (by patch-id). Text from
the mails is quoted as it is: numbers are never recomputed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from reviewbot.ingest.mailinfo import looks_like_patch
from reviewbot.ingest.people import display, same_person
from reviewbot.ingest.series import head_msgid, versions_with_reroll_filled
from reviewbot.ingest.topics import off_topic_replies
from reviewbot.model import Message, Series, Thread, Trailer
from reviewbot.report.questions import Person, ThreadView, open_questions, questions
from reviewbot.report.verdicts import verdict

__all__ = ["questions", "summarize", "render_json", "render_text"]

# Defects that change how a reader should weigh the summary, shown under the version.
_NOTABLE_DEFECTS = ("cover letter recovered", "threaded by", "line breaks lost", "sender taken")
# "On Mon, Mar 8, 2010 at 2:10 PM, Alexandre Bounine <abounine@tundra.com> wrote:": who wrote what a
# reply quotes, the only trace of a patch's author when the patch itself is not in the input
_ATTRIBUTION = re.compile(r"^(?:On .*?,\s*)?\"?([^\"<>,]+?(?:,[^\"<>]+)?)\"?\s*<([^<>\s]+(?:@| at )[^<>\s]+)>"
                          r"\s*(?:=\s*)?wrote:?", re.MULTILINE)

_PERSON_LINE = re.compile(r"^(From|Signed-off-by):\s*(.*?)\s*<([^<>\s]+(?:@| at )[^<>\s]+)>\s*$")


def _notable(defect: str) -> bool:
    return any(key in defect for key in _NOTABLE_DEFECTS)


@dataclass
class _Replies:
    """Every thread's messages by id, replies by parent and parents, built once per summary."""

    by_id: dict[str, Message]
    children: dict[str, list[str]]
    parent: dict[str, str]

    @classmethod
    def of(cls, threads: list[Thread]) -> _Replies:
        children = {p: kids for t in threads for p, kids in t.children.items()}
        return cls({m.msgid: m for t in threads for m in t.messages}, children,
                   {c: p for p, kids in children.items() for c in kids})


def _review_trailers(trailers: list[Trailer]) -> list[Trailer]:
    """What reviewers gave (Reviewed-by, Acked-by, Tested-by, ...): not the author's sign-off, not Cc."""
    return [t for t in trailers if t.is_person and not t.mismatch and t.name.lower().endswith("-by")
            and t.name != "Signed-off-by"]


def _without(trailers: list[Trailer], already: list[Trailer]) -> list[Trailer]:
    return [t for t in trailers if not any(t.same_as(a) for a in already)]


def _same_person(a: Message, b: Message) -> bool:
    return same_person(a.from_name, a.from_email, b.from_name, b.from_email)


def _authors(s: Series) -> list[Person]:
    """The series' author under every address it shows: cover and patch senders, in-body From:
    lines, and for patches known only from replies, the person those replies quote."""
    people = [Person(m.from_name, m.from_email) for m in [s.cover] + [p.message for p in s.patches] if m is not None]
    for p in s.patches:
        name, _, email = p.author.rpartition("<")
        people.append(Person(name.strip().strip('"'), email.rstrip(">").strip()))
    if not people:
        people.extend(_author_from_quotes(s.comments))
    return people


def _author_from_quotes(comments: list[Message]) -> list[Person]:
    """The author of a patch known only from replies, from the first reply that quotes the patch
    itself (a quoted diff or sign-off): its quoted "From:" line, else the first quoted sign-off, else
    the attribution line above the quote."""
    for c in comments:
        quoted = [line.lstrip("> ").strip() for line in c.body.split("\n") if line.lstrip().startswith(">")]
        if not any(q.startswith(("diff --git", "@@ ", "Signed-off-by:", "+++ b/")) for q in quoted):
            continue
        for q in quoted:
            m = _PERSON_LINE.match(q)
            if m:
                return [Person(m.group(2).strip().strip('"'), m.group(3).strip().replace(" at ", "@"))]
        m = _ATTRIBUTION.search(c.body)
        if m:
            return [Person(m.group(1).strip(), m.group(2).strip().replace(" at ", "@"))]
    return []


def _people(messages: list[Message]) -> list[str]:
    """Each sender once, also when they wrote from two addresses; names quoted where they need it."""
    seen: list[Message] = []
    for m in messages:
        if not any(_same_person(m, other) for other in seen):
            seen.append(m)
    return [display(m.from_name, m.from_email) for m in seen]


def _iso(msg: Message) -> str | None:
    return msg.date.isoformat() if msg.date else None


def _series_summary(s: Series, replies_index: _Replies) -> dict:
    authors = _authors(s)

    def is_author(m: Message) -> bool:
        return any(same_person(m.from_name, m.from_email, p.name, p.email) for p in authors)

    view = ThreadView(replies_index.by_id, replies_index.parent, replies_index.children)
    subjects = {0: s.cover.subject if s.cover else s.subject}
    subjects.update({p.index: p.subject for p in s.patches})
    subjects.update(s.absent)
    off_topic = off_topic_replies(s, replies_index.by_id, replies_index.parent)
    on_topic = [c for c in s.comments if c.msgid not in off_topic]
    replies: dict[int, list[Message]] = {}
    for c in on_topic:
        if c.msgid in s.comment_targets:
            replies.setdefault(s.comment_targets[c.msgid], []).append(c)
    verdicts = {c.msgid: v for c in on_topic
                if not is_author(c) and (v := verdict(c, display(c.from_name, c.from_email)))}
    asked = open_questions(on_topic, view, authors, is_author, _same_person, lambda m: m.msgid in verdicts, off_topic)
    open_list = []
    for c, q in asked:
        index = s.comment_targets.get(c.msgid, 0)
        open_list.append({"from": c.sender, "message": c.msgid, "question": q, "patch": index,
                          "patch_subject": subjects.get(index, ""), "date": _iso(c)})
    states: dict[int, dict] = {}
    for c in on_topic:
        v = verdicts.get(c.msgid)
        if v is None:
            continue
        index = s.comment_targets.get(c.msgid, 0)
        whole = not index or re.search(r"\b(?:both|all|series|them|these)\b", v.text, re.IGNORECASE)
        for i in ([p.index for p in s.patches] + list(s.absent) if whole else [index]):
            states[i] = v.to_dict()  # thread order: the last word stands
    revisions: dict[int, list[dict]] = {}
    for c in on_topic:
        if is_author(c) and looks_like_patch(c.body):
            m = re.search(r"\bv(\d+)\b", c.subject + "\n" + c.body[:2000], re.IGNORECASE)
            revisions.setdefault(s.comment_targets.get(c.msgid, 0), []).append(
                {"from": c.sender, "date": _iso(c), "message": c.msgid, "version": int(m.group(1)) if m else None})
    spun = [{"subject": c.subject, "from": c.sender, "date": _iso(c), "message": c.msgid,
             "under": s.comment_targets.get(c.msgid, 0),
             "replies": 1 + sum(1 for d in view.descendants(c.msgid) if d.msgid in off_topic)}
            for c in s.comments if c.msgid in off_topic and replies_index.parent.get(c.msgid) not in off_topic]
    cover_given = _review_trailers(s.cover_trailers)
    cover_trailers = [{"name": t.name, "person": t.person, "applies_to": "all patches"} for t in cover_given]

    def patch_trailers(own: list[Trailer]) -> list[dict]:
        given = _review_trailers(own)
        return ([{"name": t.name, "person": t.person, "origin": t.origin.value} for t in given]
                + [{"name": t.name, "person": t.person, "origin": "cover"} for t in _without(cover_given, given)])

    patches = [{
        "index": p.index,
        "subject": p.subject,
        "patch_id": p.patch_id,
        "trailers": patch_trailers(p.trailers),
        "replies": _people(replies.get(p.index, [])),
        "reply_count": len(replies.get(p.index, [])),
        "state": states.get(p.index),
        "revised_in_replies": revisions.get(p.index, []),
        **({"carried_from": s.carried_from[p.index]} if p.index in s.carried_from else {}),
    } for p in s.patches]
    patches += [{
        "index": index,
        "subject": subject,
        "patch_id": None,
        "absent": True,
        "trailers": patch_trailers(s.absent_trailers.get(index, [])),
        "replies": _people(replies.get(index, [])),
        "reply_count": len(replies.get(index, [])),
        "state": states.get(index),
        "revised_in_replies": revisions.get(index, []),
    } for index, subject in s.absent.items()]
    patches.sort(key=lambda p: p["index"])
    members = [m for m in [s.cover] + [p.message for p in s.patches] + s.comments if m is not None]
    notes = list(dict.fromkeys(f"{m.sender or m.msgid}: {d}" if m in s.comments else d
                               for m in members for d in m.defects if _notable(d)))
    return {
        "subject": s.subject,
        "version": s.version,
        "message_id": head_msgid(s),
        "obsoleted_by": s.obsoleted_by,  # patchew's reading: the topic's latest, None for the latest itself
        "applied": s.applied,
        "total": s.expected_total,
        "missing": s.missing,
        "cover": s.cover.subject if s.cover else None,
        "cover_trailers": cover_trailers,
        "cover_replies": _people(replies.get(0, [])),
        "cover_reply_count": len(replies.get(0, [])),
        "patches": patches,
        "open_questions": open_list,
        "spun_off": spun,
        "notes": notes,
    }


def _changes(older: Series, newer: Series) -> dict:
    old_ids = {p.patch_id: p for p in older.patches if p.patch_id}
    old_subjects = {p.subject.lower(): p for p in older.patches}
    absent = {subject.lower() for subject in older.absent.values()}
    out: dict[str, list[str]] = {"unchanged": [], "changed": [], "added": [], "dropped": [], "not_comparable": []}
    matched = set()
    for p in newer.patches:
        if p.index in newer.carried_from:  # not re-sent: the older posting itself, nothing to compare
            continue
        if p.patch_id in old_ids:
            out["unchanged"].append(p.subject)
            matched.add(old_ids[p.patch_id].subject.lower())
        elif p.subject.lower() in old_subjects:
            out["changed"].append(p.subject)
            matched.add(p.subject.lower())
        elif p.subject.lower() in absent:  # the older one is known from replies only
            out["not_comparable"].append(p.subject)
        else:
            out["added"].append(p.subject)
    # a partial re-roll re-sends some patches: the ones it leaves out are carried over, not dropped
    out["dropped"] = [p.subject for p in older.patches
                      if p.subject.lower() not in matched and p.index not in newer.missing
                      and p.index not in newer.carried_from]
    return out


def summarize(groups: list, threads: list[Thread]) -> list[dict]:
    """``groups``: the versions of each series (objects with ``versions`` oldest first and ``newest``)."""
    index = _Replies.of(threads)
    out = []
    for g in groups:
        posted = versions_with_reroll_filled(g)
        versions = [_series_summary(s, index) for s in posted]
        for older, newer, entry in zip(posted, posted[1:], versions[1:]):
            entry["changes_since_v%d" % older.version] = _changes(older, newer)
        out.append({"newest": g.newest.version, "versions": versions})
    return out


def render_json(summary: list[dict]) -> str:
    return json.dumps({"series": summary}, indent=2, ensure_ascii=False) + "\n"


def _version_label(v: dict, versions: list[dict]) -> str:
    """"(newest)", "(superseded by v2)" (patchew's reading, by Message-ID), or nothing."""
    if v.get("obsoleted_by"):
        by = next((o["version"] for o in versions if o.get("message_id") == v["obsoleted_by"]), None)
        return f" (superseded by v{by})" if by is not None else " (superseded)"
    return " (newest)" if v is versions[-1] else ""


def _on(date: str | None) -> str:
    return f" on {date[:10]}" if date else ""


def render_text(summary: list[dict], markdown: bool = False) -> str:
    h1, h2, bullet = ("## ", "### ", "- ") if markdown else ("", "  ", "    ")
    lines: list[str] = []
    for group in summary:
        for v in group["versions"]:
            state = "complete" if not v["missing"] else "missing " + ", ".join(map(str, v["missing"]))
            newest = _version_label(v, group["versions"])
            label = "applied" if v.get("applied") else f"v{v['version']}"
            present = sum(1 for p in v["patches"] if not p.get("absent"))
            lines.append(f"{h1}{label}{newest}: {v['subject']} [{present}/{v['total']}, {state}]")
            lines.extend(f"{h2}note: {n}" for n in v.get("notes", []))
            if v["cover_replies"]:
                count = v.get("cover_reply_count", len(v["cover_replies"]))
                lines.append(f"{h2}{count} repl{'y' if count == 1 else 'ies'} to the cover letter: "
                             + ", ".join(v["cover_replies"]))
            if v["cover_trailers"]:
                lines.append(f"{h2}on the cover letter, for every patch:")
                lines.extend(f"{bullet}{t['name']}: {t['person']}" for t in v["cover_trailers"])
            for p in v["patches"]:
                absent = " (not in the input: known from replies)" if p.get("absent") else ""
                carried = f" (carried over from v{p['carried_from']})" if p.get("carried_from") else ""
                lines.append(f"{h2}[{p['index']}/{v['total']}] {p['subject']}{absent}{carried}")
                for t in p["trailers"]:
                    lines.append(f"{bullet}{t['name']}: {t['person']}" + (" (cover letter)" if t["origin"] == "cover"
                                                                          else ""))
                if p["replies"]:
                    count = p.get("reply_count", len(p["replies"]))
                    lines.append(f"{bullet}{count} repl{'y' if count == 1 else 'ies'}: " + ", ".join(p["replies"]))
                for r in p.get("revised_in_replies", []):
                    version = f"v{r['version']}" if r.get("version") else "a new version"
                    lines.append(f"{bullet}{version} posted as a reply by {r['from']}" + _on(r["date"]))
                if p.get("state"):
                    st = p["state"]
                    lines.append(f"{bullet}{st['state']} by {st['by']}{_on(st['date'])}: \"{st['said']}\"")
            for t in v.get("spun_off", []):
                where = f"[{t['under']}/{v['total']}]" if t["under"] else "the cover letter"
                lines.append(f"{h2}spun off from {where}: \"{t['subject']}\" ({t['replies']} "
                             f"repl{'y' if t['replies'] == 1 else 'ies'}, not counted above)")
            for key, change in v.items():
                if key.startswith("changes_since_"):
                    parts = [f"{k.replace('_', ' ')} {len(change[k])}"
                             for k in ("changed", "added", "dropped", "unchanged", "not_comparable") if change.get(k)]
                    lines.append(f"{h2}since v{key.rsplit('v', 1)[1]}: " + ", ".join(parts))
                    for k in ("changed", "added", "dropped"):
                        lines.extend(f"{bullet}{k}: {s}" for s in change[k])
                    lines.extend(f"{bullet}in both, the older one known from replies only: {s}"
                                 for s in change.get("not_comparable", []))
            if v["open_questions"]:
                lines.append(f"{h2}questions without an answer from the author:")
                for q in v["open_questions"]:
                    where = f"[{q['patch']}/{v['total']}]" if q.get("patch") else "[cover]"
                    lines.append(f"{bullet}{where} {q['from']}{_on(q.get('date'))}: {q['question']}")
            lines.append("")
    return "\n".join(lines) if lines else "no series found\n"

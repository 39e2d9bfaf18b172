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

from reviewbot.model import Message, Series, Thread, Trailer, own_lines

_QUESTION = re.compile(r"\?(?:\s|\)|$)")
# A sentence opening the way questions do, for reviewers who end them with a full stop:
# "Will it make sense to just add mkwrite parameter to vm_insert_mixed() ... (like insert_pfn())."
_ASKING = re.compile(r"(?:^|[.!]\s+)(?:(?:why|how come|would|will|should|shouldn't|can|could) (?:it|this|that|we|you"
                     r"|they|there|the)|(?:do|don't) (?:you|we|they)|(?:does|doesn't|did|is|isn't|are|aren't) "
                     r"(?:it|this|that|there))\b", re.IGNORECASE)
# Defects that change how a reader should weigh the summary, shown under the version.
_NOTABLE_DEFECTS = ("cover letter recovered", "threaded by", "line breaks lost", "sender taken")


def _notable(defect: str) -> bool:
    return any(key in defect for key in _NOTABLE_DEFECTS)


@dataclass
class _Replies:
    """Every thread's messages by id and replies by parent, built once per summary."""

    by_id: dict[str, Message]
    children: dict[str, list[str]]

    @classmethod
    def of(cls, threads: list[Thread]) -> _Replies:
        return cls({m.msgid: m for t in threads for m in t.messages},
                   {p: kids for t in threads for p, kids in t.children.items()})


def _descendants(replies: _Replies, msgid: str) -> list[Message]:
    by_id, children = replies.by_id, replies.children
    out, stack = [], list(children.get(msgid, []))
    while stack:
        mid = stack.pop()
        if mid in by_id:
            out.append(by_id[mid])
            stack.extend(children.get(mid, []))
    return out


def questions(msg: Message) -> list[str]:
    """Paragraphs of a reply's own text (quotes and signature dropped) that ask something: they
    end in a question mark or hold a sentence that does ("...VM_WRITE|VM_SHARED? If nothing else,
    some comments might help."). Quoted as written."""
    paragraphs, current = [], []
    for line in own_lines(msg.body) + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return [p for p in paragraphs if (_QUESTION.search(p) or _ASKING.search(p)) and not _is_attribution(p)]


def _is_attribution(paragraph: str) -> bool:
    return paragraph.lower().startswith("on ") and paragraph.rstrip().endswith("wrote:")


def _review_trailers(trailers: list[Trailer]) -> list[Trailer]:
    """What reviewers gave (Reviewed-by, Acked-by, Tested-by, ...): not the author's sign-off, not Cc."""
    return [t for t in trailers if t.is_person and not t.mismatch and t.name.lower().endswith("-by")
            and t.name != "Signed-off-by"]


def _without(trailers: list[Trailer], already: list[Trailer]) -> list[Trailer]:
    return [t for t in trailers if not any(t.same_as(a) for a in already)]


def _same_person(a: Message, b: Message) -> bool:
    """Same address, or the same display name: people write from several addresses, and archives
    rewrite them (gmane's "dhowells-H+wXaHxf7aLQT0dZR+AlfA@public.gmane.org")."""
    if a.from_email and a.from_email.lower() == b.from_email.lower():
        return True
    name_a, name_b = (" ".join(m.from_name.lower().replace('"', "").split()) for m in (a, b))
    return bool(name_a) and name_a == name_b


def _series_summary(s: Series, replies_index: _Replies) -> dict:
    author = (s.cover or (s.patches[0].message if s.patches else None))
    # author None: the series itself is not in the input (known from replies only)
    replies: dict[int, list[Message]] = {}
    for c in s.comments:
        if c.msgid in s.comment_targets:
            replies.setdefault(s.comment_targets[c.msgid], []).append(c)
    open_questions = []
    for c in s.comments:
        if author is not None and _same_person(c, author):
            continue
        for q in questions(c):
            answered = author is not None and any(_same_person(d, author) for d in _descendants(replies_index, c.msgid))
            if not answered:
                open_questions.append({"from": c.sender, "message": c.msgid, "question": q})
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
        "replies": [m.sender for m in replies.get(p.index, [])],
    } for p in s.patches]
    patches += [{
        "index": index,
        "subject": subject,
        "patch_id": None,
        "absent": True,
        "trailers": patch_trailers(s.absent_trailers.get(index, [])),
        "replies": [m.sender for m in replies.get(index, [])],
    } for index, subject in s.absent.items()]
    patches.sort(key=lambda p: p["index"])
    members = [m for m in [s.cover] + [p.message for p in s.patches] + s.comments if m is not None]
    notes = list(dict.fromkeys(f"{m.sender or m.msgid}: {d}" if m in s.comments else d
                               for m in members for d in m.defects if _notable(d)))
    return {
        "subject": s.subject,
        "version": s.version,
        "applied": s.applied,
        "total": s.expected_total,
        "missing": s.missing,
        "cover": s.cover.subject if s.cover else None,
        "cover_trailers": cover_trailers,
        "cover_replies": [m.sender for m in replies.get(0, [])],
        "patches": patches,
        "open_questions": open_questions,
        "notes": notes,
    }


def _changes(older: Series, newer: Series) -> dict:
    old_ids = {p.patch_id: p for p in older.patches if p.patch_id}
    old_subjects = {p.subject.lower(): p for p in older.patches}
    absent = {subject.lower() for subject in older.absent.values()}
    out: dict[str, list[str]] = {"unchanged": [], "changed": [], "added": [], "dropped": [], "not_comparable": []}
    matched = set()
    for p in newer.patches:
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
                      if p.subject.lower() not in matched and p.index not in newer.missing]
    return out


def summarize(groups: list, threads: list[Thread]) -> list[dict]:
    """``groups``: the versions of each series (objects with ``versions`` oldest first and ``newest``)."""
    index = _Replies.of(threads)
    out = []
    for g in groups:
        versions = [_series_summary(s, index) for s in g.versions]
        for older, newer, entry in zip(g.versions, g.versions[1:], versions[1:]):
            entry["changes_since_v%d" % older.version] = _changes(older, newer)
        out.append({"newest": g.newest.version, "versions": versions})
    return out


def render_json(summary: list[dict]) -> str:
    return json.dumps({"series": summary}, indent=2, ensure_ascii=False) + "\n"


def render_text(summary: list[dict], markdown: bool = False) -> str:
    h1, h2, bullet = ("## ", "### ", "- ") if markdown else ("", "  ", "    ")
    lines: list[str] = []
    for group in summary:
        for v in group["versions"]:
            state = "complete" if not v["missing"] else "missing " + ", ".join(map(str, v["missing"]))
            newest = " (newest)" if v is group["versions"][-1] else ""
            label = "applied" if v.get("applied") else f"v{v['version']}"
            present = sum(1 for p in v["patches"] if not p.get("absent"))
            lines.append(f"{h1}{label}{newest}: {v['subject']} [{present}/{v['total']}, {state}]")
            lines.extend(f"{h2}note: {n}" for n in v.get("notes", []))
            if v["cover_replies"]:
                lines.append(f"{h2}{len(v['cover_replies'])} repl{'y' if len(v['cover_replies']) == 1 else 'ies'} "
                             f"to the cover letter: " + ", ".join(dict.fromkeys(v["cover_replies"])))
            if v["cover_trailers"]:
                lines.append(f"{h2}on the cover letter, for every patch:")
                lines.extend(f"{bullet}{t['name']}: {t['person']}" for t in v["cover_trailers"])
            for p in v["patches"]:
                absent = " (not in the input: known from replies)" if p.get("absent") else ""
                lines.append(f"{h2}[{p['index']}/{v['total']}] {p['subject']}{absent}")
                for t in p["trailers"]:
                    lines.append(f"{bullet}{t['name']}: {t['person']}" + (" (cover letter)" if t["origin"] == "cover"
                                                                          else ""))
                if p["replies"]:
                    lines.append(f"{bullet}{len(p['replies'])} repl{'y' if len(p['replies']) == 1 else 'ies'}: "
                                 + ", ".join(dict.fromkeys(p["replies"])))
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
                    lines.append(f"{bullet}{q['from']}: {q['question']}")
            lines.append("")
    return "\n".join(lines) if lines else "no series found\n"

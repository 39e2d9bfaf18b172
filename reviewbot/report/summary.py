"""The state of a review thread at a glance, for maintainers: `reviewbot summary MBOX`.

Per series and version: the patches (n/N, missing), who gave which trailer on which patch (the
cover letter's apply to all), replies per patch and their authors, reviewers' questions the
author has not answered below them, and what changed between versions (by patch-id). Text from
the mails is quoted as it is: numbers are never recomputed.
"""
from __future__ import annotations

import json
import re

from reviewbot.ingest.trailers import own_text_lines
from reviewbot.model import Message, Series, Thread

_QUESTION_END = re.compile(r"\?\s*$")


def _parents(threads: list[Thread]) -> dict[str, str]:
    return {child: parent for t in threads for parent, kids in t.children.items() for child in kids}


def _descendants(threads: list[Thread], msgid: str) -> list[Message]:
    by_id = {m.msgid: m for t in threads for m in t.messages}
    children = {p: kids for t in threads for p, kids in t.children.items()}
    out, stack = [], list(children.get(msgid, []))
    while stack:
        mid = stack.pop()
        if mid in by_id:
            out.append(by_id[mid])
            stack.extend(children.get(mid, []))
    return out


def questions(msg: Message) -> list[str]:
    """Paragraphs of a reply's own text (quotes and signature dropped) that end in a question mark."""
    paragraphs, current = [], []
    for line in own_text_lines(msg.body) + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return [p for p in paragraphs if _QUESTION_END.search(p) and not p.lower().startswith("on ")]


def _series_summary(s: Series, threads: list[Thread], parents: dict[str, str]) -> dict:
    author = (s.cover or (s.patches[0].message if s.patches else None))
    author_email = author.from_email.lower() if author else ""
    owners = {p.message.msgid: p.index for p in s.patches if p.message}
    if s.cover:
        owners[s.cover.msgid] = 0
    replies: dict[int, list[Message]] = {}
    for c in s.comments:
        node = parents.get(c.msgid)
        while node is not None and node not in owners:
            node = parents.get(node)
        if node is not None:
            replies.setdefault(owners[node], []).append(c)
    open_questions = []
    for c in s.comments:
        if c.from_email.lower() == author_email:
            continue
        for q in questions(c):
            answered = any(d.from_email.lower() == author_email for d in _descendants(threads, c.msgid))
            if not answered:
                open_questions.append({"from": c.sender, "message": c.msgid, "question": q})
    cover_trailers = [{"name": t.name, "person": t.person, "applies_to": "all patches"}
                      for t in s.cover_trailers if t.is_person and not t.mismatch]
    return {
        "subject": s.subject,
        "version": s.version,
        "total": s.expected_total,
        "missing": s.missing,
        "cover": s.cover.subject if s.cover else None,
        "cover_trailers": cover_trailers,
        "cover_replies": [m.sender for m in replies.get(0, [])],
        "patches": [{
            "index": p.index,
            "subject": p.subject,
            "patch_id": p.patch_id,
            "trailers": [{"name": t.name, "person": t.person, "origin": t.origin.value}
                         for t in p.trailers if t.is_person and not t.mismatch and t.name != "Signed-off-by"]
            + [{"name": t["name"], "person": t["person"], "origin": "cover"} for t in cover_trailers],
            "replies": [m.sender for m in replies.get(p.index, [])],
        } for p in s.patches],
        "open_questions": open_questions,
    }


def _changes(older: Series, newer: Series) -> dict:
    old_ids = {p.patch_id: p for p in older.patches if p.patch_id}
    old_subjects = {p.subject.lower(): p for p in older.patches}
    out = {"unchanged": [], "changed": [], "added": [], "dropped": []}
    matched = set()
    for p in newer.patches:
        if p.patch_id in old_ids:
            out["unchanged"].append(p.subject)
            matched.add(old_ids[p.patch_id].subject.lower())
        elif p.subject.lower() in old_subjects:
            out["changed"].append(p.subject)
            matched.add(p.subject.lower())
        else:
            out["added"].append(p.subject)
    # a partial re-roll re-sends some patches: the ones it leaves out are carried over, not dropped
    out["dropped"] = [p.subject for p in older.patches
                      if p.subject.lower() not in matched and p.index not in newer.missing]
    return out


def summarize(groups: list, threads: list[Thread]) -> list[dict]:
    """``groups``: the versions of each series (objects with ``versions`` oldest first and ``newest``)."""
    parents = _parents(threads)
    out = []
    for g in groups:
        versions = [_series_summary(s, threads, parents) for s in g.versions]
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
            newest = " (newest)" if v["version"] == group["newest"] else ""
            lines.append(f"{h1}v{v['version']}{newest}: {v['subject']} [{len(v['patches'])}/{v['total']}, {state}]")
            if v["cover_replies"]:
                lines.append(f"{h2}{len(v['cover_replies'])} repl{'y' if len(v['cover_replies']) == 1 else 'ies'} "
                             f"to the cover letter: " + ", ".join(dict.fromkeys(v["cover_replies"])))
            if v["cover_trailers"]:
                lines.append(f"{h2}on the cover letter, for every patch:")
                lines.extend(f"{bullet}{t['name']}: {t['person']}" for t in v["cover_trailers"])
            for p in v["patches"]:
                lines.append(f"{h2}[{p['index']}/{v['total']}] {p['subject']}")
                for t in p["trailers"]:
                    lines.append(f"{bullet}{t['name']}: {t['person']}" + (" (cover letter)" if t["origin"] == "cover"
                                                                          else ""))
                if p["replies"]:
                    lines.append(f"{bullet}{len(p['replies'])} repl{'y' if len(p['replies']) == 1 else 'ies'}: "
                                 + ", ".join(dict.fromkeys(p["replies"])))
            for key, change in v.items():
                if key.startswith("changes_since_"):
                    parts = [f"{k} {len(change[k])}" for k in ("changed", "added", "dropped", "unchanged") if change[k]]
                    lines.append(f"{h2}since v{key.rsplit('v', 1)[1]}: " + ", ".join(parts))
                    for k in ("changed", "added", "dropped"):
                        lines.extend(f"{bullet}{k}: {s}" for s in change[k])
            if v["open_questions"]:
                lines.append(f"{h2}questions without an answer from the author:")
                for q in v["open_questions"]:
                    lines.append(f"{bullet}{q['from']}: {q['question']}")
            lines.append("")
    return "\n".join(lines) if lines else "no series found\n"

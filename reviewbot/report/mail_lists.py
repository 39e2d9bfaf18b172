"""What `reviewbot trailers` and `reviewbot series` print: per patch the trailers it would carry, and
the series a mailbox holds, as text or JSON (the shapes the CLI documents)."""
from __future__ import annotations

import json

from reviewbot.ingest.series import fill_partial_reroll, head_msgid, patches_with_trailers, versions_with_reroll_filled
from reviewbot.ingest.topics import off_topic_replies
from reviewbot.ingest.trailers import without_ignored
from reviewbot.model import Trailer


def _trailer_dict(t: Trailer) -> dict:
    d = {"name": t.name, "person": t.person or t.value, "from_reply": t.from_reply, "origin": t.origin.value}
    if t.email:
        d["email"] = t.email
    if t.source_msgid:
        d["source"] = t.source_msgid
    if t.extinfo:
        d["extinfo"] = t.extinfo.strip()
    if t.mismatch:
        d["mismatch"] = t.mismatch
    return d


def trailer_lists(groups, senders: dict[str, str] | None = None, ignored: list[str] = ()) -> list[dict]:
    """Per series (its newest version), per patch: the person trailers applied, the others (Fixes:,
    Link:...), and the ones not applied because they name someone else than the reply's sender.
    Trailers from replies sent by an ``ignored`` address (``senders``: msgid -> sender) are dropped."""
    out = []
    for group in groups:
        s = fill_partial_reroll(group)
        if not s.patches:
            continue
        patches = []
        for p in patches_with_trailers(s):
            p.trailers = without_ignored(p.trailers, senders or {}, list(ignored))
            applied = [t for t in p.trailers if not t.mismatch and t.is_person]
            entry = {"index": p.index, "subject": p.subject, "trailers": [_trailer_dict(t) for t in applied]}
            if p.index in s.carried_from:
                entry["carried_from"] = s.carried_from[p.index]
            utility = [t for t in p.trailers if not t.is_person]  # Fixes:, Link:, ... name no person
            if utility:
                entry["other_trailers"] = [_trailer_dict(t) for t in utility]
            flagged = [t for t in p.trailers if t.mismatch]
            if flagged:
                entry["mismatched"] = [_trailer_dict(t) for t in flagged]
            patches.append(entry)
        out.append({"series": {"subject": s.subject, "version": s.version, "total": s.expected_total,
                               "missing": s.missing}, "patches": patches})
    return out


def render_trailers_json(out: list[dict]) -> str:
    # One series is the common case and the documented shape; several become a list of them.
    return json.dumps(out[0] if len(out) == 1 else {"series_list": out} if out else
                      {"series": None, "patches": []}, indent=2, ensure_ascii=False) + "\n"


def render_trailers_text(out: list[dict]) -> str:
    lines = [] if out else ["no patches found"]
    for s in out:
        lines.append(f"v{s['series']['version']}: {s['series']['subject']}")
        for p in s["patches"]:
            carried = f"v{p['carried_from']}->v{s['series']['version']} " if p.get("carried_from") else ""
            lines.append(f"  [{carried}{p['index']}/{s['series']['total']}] {p['subject']}")
            for t in p.get("other_trailers", []) + p["trailers"]:
                marker = {"patch": " ", "reply": "+", "cover": "*"}[t["origin"]]
                lines.append(f"    {marker} {t['name']}: {t['person']}")
            lines += [f"    ! {t['name']}: {t['person']} ({t['mismatch']})" for t in p.get("mismatched", [])]
        if any(t["origin"] != "patch" for p in s["patches"] for t in p["trailers"]) or \
                any(p.get("mismatched") for p in s["patches"]):
            lines.append("  (+ from a reply, * from the cover letter: applies to every patch, ! not applied)")
    return "\n".join(lines) + "\n"


def series_rows(groups, threads) -> list[dict]:
    """Every version of every series: patches present and missing, cover, trailers, replies (those in
    sub-threads that changed the subject counted apart)."""
    by_id = {m.msgid: m for t in threads for m in t.messages}
    parent = {c: p for t in threads for p, kids in t.children.items() for c in kids}
    rows = []
    for group in groups:
        versions = versions_with_reroll_filled(group)
        for s in versions:
            rows.append({
                "subject": s.subject,
                "version": s.version,
                "prefixes": s.prefixes,
                "patches": [p.index for p in s.patches],
                "total": s.expected_total,
                "missing": s.missing,
                "cover": s.cover.subject if s.cover else None,
                "trailers": sum(len(p.trailers) for p in s.patches) + len(s.cover_trailers),
                "replies": len(s.comments) - len(off_topic := off_topic_replies(s, by_id, parent)),
                "spun_off_replies": len(off_topic),  # sub-threads that changed the subject: their own topic
                "newest": s is versions[-1],
                "message_id": head_msgid(s),
                "obsoleted_by": s.obsoleted_by,  # patchew's reading; None for the topic's latest
                "dated_before": s.dated_before,
                "carried_from": {str(i): v for i, v in s.carried_from.items()},
                "known_from_replies": sorted(s.absent),
                "pull_request": s.is_pull_request,
                "base_commit": s.base_commit,
                "source": s.source,
            })
    return rows


def render_series_json(rows: list[dict], messages: int, skipped) -> str:
    return json.dumps({"series": rows, "messages": messages, "skipped": [x.to_dict() for x in skipped]},
                      indent=2, ensure_ascii=False) + "\n"


def render_series_text(rows: list[dict], messages: int) -> str:
    lines = [] if rows else [f"no series found in {messages} messages"]
    for r in rows:
        state = "complete" if not r["missing"] else "missing " + ",".join(map(str, r["missing"]))
        kind = "pull request" if r["pull_request"] else f"{len(r['patches'])}/{r['total']} {state}"
        if r["known_from_replies"] and not r["patches"]:  # "Re: [PATCH]" and "Re: [PATCH 5/7]" alike
            kind += ", known from replies only"
        if r["carried_from"]:  # b4's "[PATCH v2->v3 1/2]"
            kind += " (partial re-roll: " + ", ".join(f"{i} from v{v}" for i, v in r["carried_from"].items()) + ")"
        newest = _superseded_label(r)
        lines.append(f"v{r['version']} {kind}{newest}: {r['subject']}")
        spun = f" (+{r['spun_off_replies']} in sub-threads on another subject)" if r["spun_off_replies"] else ""
        lines.append(f"    cover: {r['cover'] or '-'}; trailers: {r['trailers']}; replies: {r['replies']}{spun}")
    return "\n".join(lines) + "\n"


def _superseded_label(r: dict) -> str:
    """A posting that a later one obsoletes is superseded; a higher version dated before the topic's
    latest does not take over (patchew's rule), and says so."""
    if r["obsoleted_by"]:
        return " (superseded)"
    if r["dated_before"]:
        return f" (dated before v{r['dated_before']}, which stays the latest)"
    if r["newest"] or r["message_id"]:
        return ""
    return " (superseded)"  # known only from replies to it

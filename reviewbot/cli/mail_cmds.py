"""`reviewbot series` and `reviewbot trailers`: what a mailbox holds, and the trailers each patch would carry."""
from __future__ import annotations

import json
import sys
from enum import Enum

import typer

from reviewbot.cli.app import app
from reviewbot.cli.progress import stderr_progress
from reviewbot.model import Trailer


class MailFormat(str, Enum):
    text = "text"
    json = "json"


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


def _skipped_note(data) -> None:
    for s in data.skipped:
        print(f"reviewbot: skipped {s.what}: {s.reason}", file=sys.stderr)


@app.command()
def trailers(
    mbox: str = typer.Argument(..., help="mbox, maildir, .eml, patch file or directory, .gz, or - for stdin"),
    format: MailFormat = typer.Option(MailFormat.text, "--format", "-f", help="text or json"),
    ignore_from: list[str] = typer.Option(
        [], "--ignore-from", help="address whose replies give no trailers (bots, CI; repeatable or comma-separated); "
        "added to trailers_ignore_from of the user configuration"),
) -> None:
    """Per patch of the newest version of each series, the trailers it would carry (b4's rules).

    Trailers given in replies are listed after the patch's own; trailers given on the cover letter
    apply to every patch. A trailer that names someone other than the reply's sender is not applied
    and is listed as a mismatch. reviewbot never adds trailers itself: people decide.
    """
    from reviewbot.config import load_config
    from reviewbot.ingest.load import load_mail
    from reviewbot.ingest.series import fill_partial_reroll, patches_with_trailers
    from reviewbot.ingest.trailers import without_ignored

    with stderr_progress("reading mail") as update:
        data = load_mail(mbox, update)
    _skipped_note(data)
    ignored = load_config().trailers_ignore_from + [a for v in ignore_from for a in v.split(",")]
    senders = {m.msgid: m.from_email for m in data.messages}
    out = []
    for group in data.groups:
        s = fill_partial_reroll(group)
        if not s.patches:
            continue
        patches = []
        for p in patches_with_trailers(s):
            p.trailers = without_ignored(p.trailers, senders, ignored)
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
    if format is MailFormat.json:
        # One series is the common case and the documented shape; several become a list of them.
        typer.echo(json.dumps(out[0] if len(out) == 1 else {"series_list": out} if out else
                              {"series": None, "patches": []}, indent=2, ensure_ascii=False))
        return
    if not out:
        typer.echo("no patches found")
    for s in out:
        typer.echo(f"v{s['series']['version']}: {s['series']['subject']}")
        for p in s["patches"]:
            carried = f"v{p['carried_from']}->v{s['series']['version']} " if p.get("carried_from") else ""
            typer.echo(f"  [{carried}{p['index']}/{s['series']['total']}] {p['subject']}")
            for t in p.get("other_trailers", []):
                marker = {"patch": " ", "reply": "+", "cover": "*"}[t["origin"]]
                typer.echo(f"    {marker} {t['name']}: {t['person']}")
            for t in p["trailers"]:
                marker = {"patch": " ", "reply": "+", "cover": "*"}[t["origin"]]
                typer.echo(f"    {marker} {t['name']}: {t['person']}")
            for t in p.get("mismatched", []):
                typer.echo(f"    ! {t['name']}: {t['person']} ({t['mismatch']})")
        if any(t["origin"] != "patch" for p in s["patches"] for t in p["trailers"]) or \
                any(p.get("mismatched") for p in s["patches"]):
            typer.echo("  (+ from a reply, * from the cover letter: applies to every patch, ! not applied)")


@app.command()
def series(
    mbox: str = typer.Argument(..., help="mbox, maildir, .eml, patch file or directory, .gz, or - for stdin"),
    format: MailFormat = typer.Option(MailFormat.text, "--format", "-f", help="text or json"),
) -> None:
    """The series found in a mailbox: version, patches present, missing ones, cover, trailers."""
    from reviewbot.ingest.load import load_mail
    from reviewbot.ingest.series import versions_with_reroll_filled
    from reviewbot.ingest.topics import off_topic_replies

    with stderr_progress("reading mail") as update:
        data = load_mail(mbox, update)
    _skipped_note(data)
    by_id = {m.msgid: m for t in data.threads for m in t.messages}
    parent = {c: p for t in data.threads for p, kids in t.children.items() for c in kids}
    rows = []
    for group in data.groups:
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
                "carried_from": {str(i): v for i, v in s.carried_from.items()},
                "known_from_replies": sorted(s.absent),
                "pull_request": s.is_pull_request,
                "base_commit": s.base_commit,
                "source": s.source,
            })
    if format is MailFormat.json:
        typer.echo(json.dumps({"series": rows, "messages": len(data.messages),
                               "skipped": [x.to_dict() for x in data.skipped]}, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo(f"no series found in {len(data.messages)} messages")
    for r in rows:
        state = "complete" if not r["missing"] else "missing " + ",".join(map(str, r["missing"]))
        kind = "pull request" if r["pull_request"] else f"{len(r['patches'])}/{r['total']} {state}"
        if r["known_from_replies"] and not r["patches"]:  # "Re: [PATCH]" and "Re: [PATCH 5/7]" alike
            kind += ", known from replies only"
        if r["carried_from"]:  # b4's "[PATCH v2->v3 1/2]"
            kind += " (partial re-roll: " + ", ".join(f"{i} from v{v}" for i, v in r["carried_from"].items()) + ")"
        newest = "" if r["newest"] else " (superseded)"
        typer.echo(f"v{r['version']} {kind}{newest}: {r['subject']}")
        spun = f" (+{r['spun_off_replies']} in sub-threads on another subject)" if r["spun_off_replies"] else ""
        typer.echo(f"    cover: {r['cover'] or '-'}; trailers: {r['trailers']}; replies: {r['replies']}{spun}")

"""Review replies as mail: one reply per patch with findings, quoting only the hunks concerned.

The reply threads under the patch (In-Reply-To/References), goes to the author with the original
To/Cc copied, quotes the patch with "> " the way maintainers do (subject line, the hunks with
findings cut after the line concerned, "[...]" for what is left out) and writes each remark
under the quoted line it is about. Nothing is sent: the caller writes an mbox or a maildir.
"""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid

from reviewbot import __version__
from reviewbot.model import Finding, Patch, Review

DEFAULT_FROM = "reviewbot <reviewbot@localhost>"
# Message-IDs are long and unbreakable: never fold them into encoded words.
POLICY = default_policy.clone(max_line_length=998)


def _quote(lines: list[str]) -> list[str]:
    return [("> " + line) if line else ">" for line in lines]


def _remark(f: Finding) -> list[str]:
    text = [f"[reviewbot {f.rule}, {f.severity.value}] {f.message}"]
    if f.hint:
        text.append(f"Hint: {f.hint}")
    return text


def reply_body(patch: Patch, findings: list[Finding],
               line_shifts: dict[tuple[int, str], list[int]] | None = None) -> str:
    """``line_shifts``: where the patch applied at an offset, how far each hunk moved (Review.line_shifts)."""
    msg = patch.message
    who = msg.sender if msg is not None else patch.author
    out = [f"This is an automated review by reviewbot {__version__}. Each remark names the rule that made",
           "it ('reviewbot rules show ID' explains it); reviewbot never adds review tags itself.", ""]
    out.append(f"On {msg.date.strftime('%a, %d %b %Y %H:%M:%S %z') if msg and msg.date else 'an earlier date'}, "
               f"{who} wrote:")
    out.append(f"> {patch.subject}")
    placed: set[int] = set()
    commit_findings = [f for f in findings if f.file == "(commit message)"]
    if commit_findings:
        message_lines = patch.commit_message.rstrip("\n").split("\n")
        for f in sorted(commit_findings, key=lambda f: f.line):
            if f.line and f.line <= len(message_lines):
                out.extend(["[...]", *_quote([message_lines[f.line - 1]])])
            out.extend(["", *_remark(f), ""])
            placed.add(id(f))
    by_location = {}
    for f in findings:
        if f.file != "(commit message)":
            by_location.setdefault((f.file, f.line), []).append(f)
    for pf in patch.patchset if patch.has_diff else []:
        hunks_out: list[str] = []
        shifts = (line_shifts or {}).get((patch.index, pf.path), [])
        for n, hunk in enumerate(pf):
            shift = shifts[n] if n < len(shifts) else 0
            lines = [str(hunk).split("\n", 1)[0]]
            for line in hunk:
                lines.append(str(line).rstrip("\n"))
                where = (pf.path, line.target_line_no + shift) if line.target_line_no is not None else None
                if where in by_location and line.line_type in ("+", " "):
                    hunks_out.extend(_quote(lines))
                    for f in by_location.pop(where):
                        hunks_out.extend(["", *_remark(f), ""])
                        placed.add(id(f))
                    lines = []
            if lines and len(lines) < len(hunk) + 1 and hunks_out and hunks_out[-1] != "[...]":
                hunks_out.append("[...]")
        if hunks_out:
            header = [f"diff --git a/{pf.source_file[2:] if pf.source_file.startswith('a/') else pf.source_file} "
                      f"b/{pf.path}", f"--- {pf.source_file}", f"+++ {pf.target_file}"]
            out.extend(["[...]", *_quote(header), *hunks_out])
    elsewhere = [f for f in findings if id(f) not in placed]
    if elsewhere:
        if out[-1] != "[...]":
            out.append("[...]")
        out.extend(["", "Elsewhere in the tree, after this patch:", ""])
        for f in elsewhere:
            out.extend([f"{f.file}:{f.line}:", *_remark(f), ""])
    return "\n".join(out).rstrip("\n") + "\n"


def build_replies(review: Review, sender: str = DEFAULT_FROM) -> list[EmailMessage]:
    """One reply per patch of the review that has findings and came from a mail."""
    replies = []
    for patch in review.series.patches:
        findings = [f for f in review.findings if f.patch == patch.index]
        if not findings or patch.message is None:
            continue
        original = patch.message
        reply = EmailMessage(policy=POLICY)
        reply["From"] = sender
        reply["To"] = original.sender or patch.author
        cc = [a for a in original.to + original.cc if a and a != original.sender]
        if cc:
            reply["Cc"] = ", ".join(dict.fromkeys(cc))
        subject = original.subject
        reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        reply["Date"] = format_datetime(__import__("datetime").datetime.now().astimezone())
        reply["Message-ID"] = make_msgid("reviewbot", domain="localhost")
        reply["In-Reply-To"] = f"<{original.msgid}>"
        reply["References"] = " ".join(f"<{r}>" for r in [*original.references, original.msgid])
        reply["X-Mailer"] = f"reviewbot {__version__}"
        reply.set_content(reply_body(patch, findings, review.line_shifts), cte="8bit")
        replies.append(reply)
    return replies


"""Markdown output of a review, for a forge comment or a wiki page."""
from __future__ import annotations

from collections import defaultdict

from reviewbot.model import Review
from reviewbot.report.text import summary_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(reviews: list[Review]) -> str:
    out: list[str] = []
    for review in reviews:
        s = review.series
        out.append(f"## v{s.version}: {s.subject}\n")
        out.append(f"Base: `{review.base}` ({review.base_source})\n")
        by_patch = defaultdict(list)
        for f in review.findings:
            by_patch[f.patch].append(f)
        subjects = {p.index: p.subject for p in s.patches}
        for index in sorted(by_patch, key=lambda i: (i is None, i or 0)):
            title = f"[{index}/{len(s.patches)}] {subjects.get(index, '')}" if index else "Series"
            out.append(f"### {title}\n")
            out.append("| Where | Severity | Rule | Finding |")
            out.append("| --- | --- | --- | --- |")
            for f in by_patch[index]:
                message = _cell(f.message) + (f"<br>*Hint:* {_cell(f.hint)}" if f.hint else "")
                out.append(f"| `{f.file}:{f.line}` | {f.severity.value} | `{f.rule}` | {message} |")
            out.append("")
        if review.skipped:
            out.append("### Skipped\n")
            out.extend(f"- {x.what}: {x.reason}" for x in review.skipped)
            out.append("")
        out.append(f"**{summary_line(review.findings, len(s.patches))}**\n")
    return "\n".join(out)

"""Markdown output of a review, for a forge comment or a wiki page."""
from __future__ import annotations

from reviewbot.model import Review
from reviewbot.report.text import by_patch, pack_tag, summary_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(reviews: list[Review]) -> str:
    out: list[str] = []
    for review in reviews:
        s = review.series
        out.append(f"## v{s.version}: {s.subject}\n")
        out.append(f"Base: `{review.base}` ({review.base_source})\n")
        for title, findings in by_patch(review, whole_series="Series"):
            out.append(f"### {title}\n")
            out.append("| Where | Severity | Rule | Finding |")
            out.append("| --- | --- | --- | --- |")
            for f in findings:
                message = _cell(f.message) + (f"<br>*Hint:* {_cell(f.hint)}" if f.hint else "")
                out.append(f"| `{f.file}:{f.line}` | {f.severity.value} | `{f.rule}`{_cell(pack_tag(f))} | {message} |")
            out.append("")
        if review.skipped:
            out.append("### Skipped\n")
            out.extend(f"- {x.what}: {x.reason}" for x in review.skipped)
            out.append("")
        out.append(f"**{summary_line(review.findings, len(s.patches))}**\n")
    return "\n".join(out)

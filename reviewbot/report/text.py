"""Terminal output of a review, with rich: findings grouped by patch and file, a one-line total.

Colour only on a terminal and without NO_COLOR; otherwise the same text, plain and stable.
"""
from __future__ import annotations

import io
import os
from collections import defaultdict

from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from reviewbot.model import Finding, Review, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def summary_line(findings: list[Finding], patches: int) -> str:
    counts = {sev: sum(1 for f in findings if f.severity is sev) for sev in Severity}
    touched = len({f.patch for f in findings if f.patch is not None})
    if not findings:
        return f"no findings in {patches} patch{'es' if patches != 1 else ''}"
    parts = [f"{n} {sev.value}{'s' if n != 1 else ''}" for sev, n in
             ((Severity.ERROR, counts[Severity.ERROR]), (Severity.WARNING, counts[Severity.WARNING]),
              (Severity.INFO, counts[Severity.INFO])) if n]
    return (f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) "
            f"in {touched} of {patches} patch{'es' if patches != 1 else ''}")


def render(reviews: list[Review], color: bool | None = None, width: int = 100) -> str:
    if color is None:
        color = False
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                      soft_wrap=True)
    for review in reviews:
        _render_one(console, review)
    return buffer.getvalue()


def _print_snippet(console: Console, snippet: list[tuple[int, str]], line: int) -> None:
    """The code around a finding, with line numbers; highlighted as C when colour is on."""
    first = snippet[0][0]
    code = "\n".join(text.expandtabs(8) for _, text in snippet)
    if console.no_color:
        for n, text in snippet:
            marker = ">" if n == line else " "
            console.print(f"      {marker}{n:>6} | {text.expandtabs(8)}", highlight=False)
        return
    syntax = Syntax(code, "c", line_numbers=True, start_line=first, highlight_lines={line}, word_wrap=False,
                    theme="ansi_dark", background_color="default")
    console.print(syntax)


def pack_tag(f: Finding) -> str:
    """" [pack NAME]" for a finding a rule pack made or named (reviewbot.rules.packs), else nothing:
    the same compact tag in the terminal, markdown and reply mails."""
    return f" [pack {f.pack}]" if f.pack else ""


def use_color(stream) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def by_patch(review: Review, whole_series: str) -> list[tuple[str, list[Finding]]]:
    """The findings per patch in patch order, with the patch's "[n/N] subject" as title; those of no
    patch last, titled ``whole_series``."""
    groups: dict[int | None, list[Finding]] = defaultdict(list)
    for f in review.findings:
        groups[f.patch].append(f)
    subjects = {p.index: p.subject for p in review.series.patches}
    total = len(review.series.patches)
    return [(f"[{index}/{total}] {subjects.get(index, '')}" if index else whole_series, groups[index])
            for index in sorted(groups, key=lambda i: (i is None, i or 0))]


def _render_one(console: Console, review: Review) -> None:
    s = review.series
    console.print(Text(f"v{s.version}: {s.subject}", style="bold"))
    console.print(f"base: {review.base} ({review.base_source})")
    for title, of_patch in by_patch(review, whole_series="series"):
        console.print()
        console.print(Text(title, style="bold"))
        by_file: dict[str, list[Finding]] = defaultdict(list)
        for f in of_patch:
            by_file[f.file].append(f)
        for path, findings in by_file.items():
            console.print(f"  {path}")
            for f in findings:
                line = Text(f"    {path}:{f.line}: ")
                line.append(f.severity.value, style=_STYLE[f.severity])
                line.append(f" [{f.rule}]{pack_tag(f)} {f.message}")
                console.print(line)
                snippet = review.snippets.get((f.patch, f.file, f.line))
                if snippet:
                    _print_snippet(console, snippet, f.line)
                if f.hint:
                    console.print(f"      hint: {f.hint}")
    for skip in review.skipped:
        console.print(f"skipped: {skip.what}: {skip.reason}")
    console.print()
    console.print(summary_line(review.findings, len(s.patches)))

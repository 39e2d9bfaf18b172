"""`reviewbot rules` and `reviewbot rules show ID`: the built-in checks and the rules of rules/, alike."""
from __future__ import annotations

from reviewbot.registry import Entry


def render_list(entries: list[Entry]) -> str:
    """One line per check or rule: id, default severity, what it looks at, one line of documentation."""
    id_width = max((len(e.id) for e in entries), default=0)
    scope_width = max((len(e.scope) for e in entries), default=0)
    return "".join(f"{e.id:<{id_width}}  {e.severity.value:<7}  {e.scope:<{scope_width}}  {e.summary}"
                   f"{f'  [pack {e.pack}]' if e.pack else ''}\n" for e in entries)


def render_show(entry: Entry) -> str:
    """The heading line, the one-line summary (unless the documentation starts with it), the
    documentation, and where the fixtures are."""
    parts = [f"{entry.id} {entry.name} ({entry.severity.value}, {entry.scope})"]
    if entry.summary != entry.doc.splitlines()[0]:
        parts.append(entry.summary)
    parts.append(entry.doc)
    if entry.fixtures:
        parts.append("Fixtures: " + ", ".join(f"fixtures/{f}" for f in entry.fixtures))
    return "\n\n".join(parts) + "\n"

"""`reviewbot rules`, `rules show ID` and `rules --for PATH`: the built-in checks, the rules of rules/
and of the rule packs, alike."""
from __future__ import annotations

import fnmatch
from dataclasses import replace

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


def render_for(path: str, known: list[Entry], scoped, config) -> str:
    """What applies to ``path``: the built-in checks and the rules of rules/ that look at it, each with
    the level in force there (the packs' settings, then the configuration's [severity], as a review
    decides: ``scoped`` is the rule set bound to the tree, reviewbot.rules.ruleset.ScopedRules); then
    each pack covering it with its rules and settings; then what the configuration turns off."""
    def looks_at(rule) -> bool:
        return rule.scope == "commit-message" or any(fnmatch.fnmatch(path, pat) for pat in rule.files)

    def here(entry: Entry) -> Entry:
        level = config.severities.get(entry.id) or scoped.decide(entry.id, path, entry.pack, entry.severity)[1]
        return replace(entry, severity=level, pack=None)  # the pack is the section's heading
    rules = {r.id: r for r in scoped.rules}
    by_id = {e.id: e for e in known}
    out = []
    if config.path_ignored(path):
        out.append(f"{path} is in the configuration's ignore_paths: no finding is reported there\n")
    general = [e for e in known if e.id not in rules or (rules[e.id].pack is None and looks_at(rules[e.id]))]
    out.append(render_list([here(e) for e in general if config.rule_enabled(e.id)]))
    for pack in scoped.packs:
        if not scoped.in_pack(pack, path):
            continue
        out.append(f"pack {pack.name}: {pack.title} ({pack.scope_text()}; from {pack.folder})\n")
        mine = [here(by_id[r.id]) for r in pack.rules if looks_at(r) and config.rule_enabled(r.id)]
        out.extend(f"  {line}\n" for line in render_list(mine).splitlines())
        out.extend(f"  {check}  findings here carry the pack's name\n" for check in pack.checks)
        out.extend(f"  {rule_id}  severity {level.value} here\n" for rule_id, level in sorted(pack.severity.items()))
    if config.disabled:
        out.append(f"disabled by the configuration: {', '.join(sorted(config.disabled))}\n")
    return "".join(out)

"""`reviewbot callers`: every call site, definition, prototype, export, ops-table use and use as
a value (passed as an argument, assigned, returned) of a function, from the files a whole-word
grep names. Kept apart from callsites.py (the series check) so the command loads only what it
needs: it runs as often as `git grep`.
"""
from __future__ import annotations

from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import FileFacts
from reviewbot.c.tree import TreeSource
from reviewbot.c.values import value_sites

C_SUFFIXES = (".c", ".h")


def callers_report(name: str, tree: TreeSource, cache: FactsCache) -> dict:
    """Everything `reviewbot callers` prints: definitions, prototypes, calls, uses as a value."""
    out: dict[str, list] = {"definitions": [], "prototypes": [], "calls": [], "values": [], "exports": []}
    for path in tree.grep_word(name):
        if not path.endswith(C_SUFFIXES):
            continue
        facts: FileFacts | None = cache.facts(tree, path)
        if facts is None:
            continue
        for fn in facts.functions:
            if fn.name == name:
                out["definitions"].append({"file": path, "line": fn.line, "signature": fn.sig.render(),
                                           "static": fn.is_static})
        for proto in facts.prototypes:
            if proto.sig.name == name:
                out["prototypes"].append({"file": path, "line": proto.line, "signature": proto.sig.render()})
        for call in facts.calls:
            if call.callee == name:
                out["calls"].append({"file": path, "line": call.line, "caller": call.caller, "args": call.args})
        for use in facts.values:
            if use.function == name:
                out["values"].append({"file": path, "line": use.line, "field": use.field, "use": "member"})
        for site in value_sites(name, path, tree.read(path) or b"", facts):
            out["values"].append({"file": path, "line": site.line, "field": None, "use": site.use,
                                  "caller": site.caller, "callee": site.callee, "arg": site.arg or None})
        for e in facts.exports:
            if e.name == name:
                out["exports"].append({"file": path, "line": e.line, "macro": e.macro})
    return out

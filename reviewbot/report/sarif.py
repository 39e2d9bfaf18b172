"""SARIF 2.1.0 output, for code-scanning dashboards. Rule metadata is the documentation the built-in
checks declare (reviewbot.registry) and the rules of rules/ and of the packs in force carry, passed
in by the caller; a pack's rule and a finding a pack made or named carry the pack's name in their
``properties`` (SARIF's property bag: extra data a consumer may ignore)."""
from __future__ import annotations

import json
from urllib.parse import quote

from reviewbot import __version__
from reviewbot.model import Review, Severity
from reviewbot.registry import Entry

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(reviews: list[Review], catalogue: list[Entry] | None = None) -> str:
    """``catalogue``: the built-in checks and rules (reviewbot.registry.entries()), whose declarations
    become the rule metadata of the ids the findings use."""
    known = {e.id: e for e in catalogue or []}
    used = sorted({f.rule for r in reviews for f in r.findings})
    rules = []
    for rule_id in used:
        declared = known.get(rule_id)
        entry: dict = {"id": rule_id, "shortDescription": {"text": declared.summary if declared else rule_id}}
        if declared is not None:
            entry["name"] = declared.name if declared.name != "analysis" else rule_id
            entry["fullDescription"] = {"text": _first_paragraph(declared.doc) or declared.summary}
            entry["help"] = {"text": declared.doc, "markdown": declared.doc}
            entry["defaultConfiguration"] = {"level": _LEVEL[declared.severity]}
            entry["properties"] = {"scope": declared.scope, **({"pack": declared.pack} if declared.pack else {})}
        rules.append(entry)
    index = {rule_id: n for n, rule_id in enumerate(used)}
    results = []
    for review in reviews:
        for f in review.findings:
            region = {"startLine": max(f.line, 1)}
            result = {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _LEVEL[f.severity],
                "message": {"text": f.message + (f" ({f.hint})" if f.hint else "")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.file), "uriBaseId": "TREE"},
                                                    "region": region}}],
            }
            properties = {"patch": f.patch, "series": review.series.subject} if f.patch is not None else {}
            if f.pack:
                properties["pack"] = f.pack  # the rule pack whose rule or setting made it
            if properties:
                result["properties"] = properties
            results.append(result)
    run = {
        "tool": {"driver": {"name": "reviewbot", "version": __version__, "rules": rules}},
        "originalUriBaseIds": {"TREE": {"description": {"text": "the kernel tree reviewed against"}}},
        "results": results,
    }
    if reviews and reviews[0].base and reviews[0].base_source != "directory":
        from pathlib import Path

        run["versionControlProvenance"] = [{"repositoryUri": Path(reviews[0].tree or ".").resolve().as_uri(),
                                            "revisionId": reviews[0].base}]
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _uri(path: str) -> str:
    """A tree path as a relative URI reference: spaces, "%", "#", "?", non-ASCII and undecodable bytes
    percent-encoded (SARIF 3.10.2), "/" kept."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _first_paragraph(doc: str) -> str:
    """The first paragraph of a markdown documentation that is not a heading ("What it does")."""
    for block in doc.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if lines:
            return " ".join(line.strip() for line in lines)
    return ""

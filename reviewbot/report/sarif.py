"""SARIF 2.1.0 output, for code-scanning dashboards; rules carry their documentation from rules/."""
from __future__ import annotations

import json

from reviewbot import __version__
from reviewbot.model import Review, Severity

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Analyses that are code, not rule files: their one-line documentation.
BUILTIN_DOCS = {
    "RB-API-CALLER": ("A call site does not match the API in force after a patch of the series.",
                      "Every caller of a changed function must follow in the same patch, or the series "
                      "does not build at every step (git bisect)."),
    "RB-API-UNCHECKED": ("A use of a changed function that reviewbot cannot check by counting arguments.",
                         "Functions stored in ops tables or wrapped by macros: check them by hand."),
    "RB-APPLY": ("A patch does not apply to the base tree.", "Rebase the series, or name the right --base."),
    "RB-NEAR-DUP": ("A new function is a near copy of an existing one.",
                    "Add a parameter to the existing function instead of a near-duplicate helper."),
}


def render(reviews: list[Review], rule_docs: dict[str, tuple[str, str]] | None = None) -> str:
    docs = {**BUILTIN_DOCS, **(rule_docs or {})}
    used = sorted({f.rule for r in reviews for f in r.findings})
    rules = []
    for rule_id in used:
        short, full = docs.get(rule_id, (rule_id, ""))
        entry = {"id": rule_id, "shortDescription": {"text": short}}
        if full:
            entry["fullDescription"] = {"text": full.splitlines()[0] if full else short}
            entry["help"] = {"text": full, "markdown": full}
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
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file, "uriBaseId": "TREE"},
                                                    "region": region}}],
            }
            if f.patch is not None:
                result["properties"] = {"patch": f.patch, "series": review.series.subject}
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

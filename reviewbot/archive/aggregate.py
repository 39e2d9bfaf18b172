"""Sum up DIR/results.jsonl: what fired where and when, and which rules to tune.

"Accepted code" is what was merged (every topic of a git history) or a mail series marked as
applied: a rule that fires often there is one maintainers already overrule.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from reviewbot.ingest.maintainers import Maintainers

TOP_SERIES = 15


def month_of(record: dict) -> str:
    return (record.get("date") or "")[:7] or "(no date)"


def finding_subsystem(finding: dict, record: dict, maintainers: Maintainers | None) -> str:
    """A finding on a file goes to that file's section; one on a commit message (file "(...)") to the
    section of the first file its patch touches."""
    if maintainers is None:
        return "(no MAINTAINERS)"
    path = finding.get("file") or ""
    if not path or path.startswith("("):
        files = record.get("files", {}).get(str(finding.get("patch")), [])
        if not files:
            return "(series)"
        path = files[0]
    return maintainers.subsystem(path)


def aggregate(records: list[dict], maintainers: Maintainers | None = None) -> dict:
    per_rule: Counter = Counter()
    series_per_rule: Counter = Counter()
    per_severity: Counter = Counter()
    per_list: dict[str, Counter] = defaultdict(Counter)
    per_month: dict[str, Counter] = defaultdict(Counter)
    per_subsystem: Counter = Counter()
    on_accepted: Counter = Counter()
    skipped_reasons: Counter = Counter()
    status: Counter = Counter()
    seconds = 0.0
    for r in records:
        status[r.get("status", "reviewed")] += 1
        seconds += r.get("seconds", 0.0)
        findings = r.get("findings", [])
        name = r.get("list") or "(unknown)"
        per_list[name]["series"] += 1
        per_list[name]["findings"] += len(findings)
        month = month_of(r)
        per_month[month]  # a month without findings still has its bar
        for rule in {f["rule"] for f in findings}:
            series_per_rule[rule] += 1
        for f in findings:
            per_rule[f["rule"]] += 1
            per_severity[f["severity"]] += 1
            per_month[month][f["rule"]] += 1
            per_subsystem[finding_subsystem(f, r, maintainers)] += 1
            if r.get("accepted"):
                on_accepted[f["rule"]] += 1
        for s in r.get("skipped", []):
            if s.get("what") == "series":
                skipped_reasons[s["reason"].split(":")[0]] += 1
    accepted = sum(1 for r in records if r.get("accepted"))
    top = sorted(records, key=lambda r: (-len(r.get("findings", [])), r.get("date") or "", r.get("subject", "")))
    return {
        "series": len(records),
        "status": dict(status),
        "accepted_series": accepted,
        "findings": sum(per_rule.values()),
        "review_seconds": round(seconds, 1),
        "per_rule": [{"rule": rule, "findings": n, "series": series_per_rule[rule]}
                     for rule, n in _ranked(per_rule)],
        "per_severity": dict(_ranked(per_severity)),
        "per_list": [{"list": name, **counts} for name, counts in
                     sorted(per_list.items(), key=lambda kv: (-kv[1]["findings"], kv[0]))],
        "per_month": {month: dict(sorted(counts.items())) for month, counts in sorted(per_month.items())},
        "per_subsystem": [{"subsystem": name, "findings": n} for name, n in _ranked(per_subsystem)],
        "top_series": [{"subject": r.get("subject"), "date": r.get("date"), "list": r.get("list"),
                        "findings": len(r.get("findings", [])),
                        "rules": dict(_ranked(Counter(f["rule"] for f in r.get("findings", [])))),
                        "id": (r.get("message_ids") or r.get("commits") or [None])[0],
                        **({"merge": r["merge"]} if r.get("merge") else {})}
                       for r in top[:TOP_SERIES] if r.get("findings")],
        "rules_on_accepted": [{"rule": rule, "findings": n, "per_accepted_series": round(n / accepted, 3)}
                              for rule, n in _ranked(on_accepted)] if accepted else [],
        "skipped_series": dict(_ranked(skipped_reasons)),
    }


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    """Most first, ties by name: the same results give the same report whatever order they came in."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

"""What `reviewbot callers` and `reviewbot index` print: a symbol's uses in a tree, and an index run."""
from __future__ import annotations

import json


def render_callers_json(symbol: str, tree_label: str, report: dict) -> str:
    return json.dumps({"symbol": symbol, "tree": tree_label, **report}, indent=2) + "\n"


def render_callers_text(symbol: str, report: dict) -> str:
    """One line per definition, prototype, export, call and use as a value, then the counts."""
    lines = [f"{d['file']}:{d['line']}: definition: {d['signature']}{' (static)' if d['static'] else ''}"
             for d in report["definitions"]]
    lines += [f"{p['file']}:{p['line']}: prototype: {p['signature']}" for p in report["prototypes"]]
    lines += [f"{e['file']}:{e['line']}: {e['macro']}({symbol})" for e in report["exports"]]
    lines += [f"{c['file']}:{c['line']}: {c['caller'] or '(file scope)'}: {symbol}({', '.join(c['args'])})"
              for c in report["calls"]]
    for v in report["values"]:
        where, caller = f"{v['file']}:{v['line']}", v.get("caller") or "(file scope)"
        if v["use"] == "member":
            lines.append(f"{where}: stored in .{v['field']}")
        elif v["use"] == "argument":
            lines.append(f"{where}: {caller}: passed as argument {v['arg']} of {v['callee']}()")
        else:
            lines.append(f"{where}: {caller}: {v['use']} as a value")
    lines.append(f"{len(report['calls'])} calls, {len(report['definitions'])} definitions, "
                 f"{len(report['prototypes'])} prototypes, {len(report['values'])} uses as a value")
    return "\n".join(lines) + "\n"


def render_index_stats(stats, worker_peak_mb: float | None = None) -> str:
    """The one line `reviewbot index` ends with (stats: c.index.IndexStats; the Dask workers' peak
    memory when they did the parsing)."""
    worker_peak = f", worker peak {worker_peak_mb:.0f} MB" if worker_peak_mb is not None else ""
    return (f"{stats.files} files ({stats.parsed} parsed now, {stats.files - stats.parsed} from the cache), "
            f"{stats.functions} function definitions, {stats.calls} calls, "
            f"{stats.files_with_errors} files with tree-sitter ERROR nodes left; "
            f"{stats.seconds:.1f}s, peak memory {stats.peak_rss_mb:.0f} MB{worker_peak}\n")

"""The aggregate report of an archive run: markdown for reading, a stacked-bar SVG of findings per
month per rule for looking. Both render the dict archive/aggregate.py makes (the JSON report)."""
from __future__ import annotations

from html import escape

# colour-blind-safe palette (Okabe-Ito), then grey for everything past it
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
OTHER = "#999999"


def _table(header: list[str], rows: list[list]) -> list[str]:
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def render_markdown(agg: dict, source: str, chart_name: str | None = "findings-per-month.svg") -> str:
    status = agg["status"]
    lines = [f"# reviewbot archive: {source}", "",
             f"{agg['series']} series ({status.get('reviewed', 0)} reviewed, {status.get('skipped', 0)} skipped, "
             f"{status.get('error', 0)} with an internal error), {agg['accepted_series']} accepted; "
             f"{agg['findings']} findings; {agg['review_seconds']} s of review time.", ""]
    if chart_name and agg["per_month"]:
        lines += [f"![findings per month per rule]({chart_name})", ""]
    lines += ["## Findings per rule", ""]
    lines += _table(["rule", "findings", "series"], [[r["rule"], r["findings"], r["series"]] for r in agg["per_rule"]])
    lines += ["", "## Rules that fire most on accepted code (the ones to tune)", ""]
    if agg["rules_on_accepted"]:
        lines += _table(["rule", "findings on accepted series", "per accepted series"],
                        [[r["rule"], r["findings"], r["per_accepted_series"]] for r in agg["rules_on_accepted"]])
    else:
        lines.append("No accepted series in this archive (a mail series counts once it is marked applied).")
    lines += ["", "## Per list", ""]
    lines += _table(["list", "series", "findings"], [[r["list"], r["series"], r["findings"]] for r in agg["per_list"]])
    lines += ["", "## Per month", ""]
    rules = [r["rule"] for r in agg["per_rule"]]
    lines += _table(["month", "findings", *rules],
                    [[m, sum(c.values()), *(c.get(r, 0) for r in rules)] for m, c in agg["per_month"].items()])
    lines += ["", "## Per MAINTAINERS subsystem", ""]
    lines += _table(["subsystem", "findings"], [[r["subsystem"], r["findings"]] for r in agg["per_subsystem"]])
    lines += ["", "## Series with the most findings", ""]
    lines += _table(["findings", "subject", "date", "list", "id", "rules"],
                    [[t["findings"], t["subject"], (t["date"] or "")[:10], t["list"], t.get("merge") or t["id"],
                      ", ".join(f"{k} {v}" for k, v in t["rules"].items())] for t in agg["top_series"]])
    if agg["skipped_series"]:
        lines += ["", "## Series not reviewed", ""]
        lines += _table(["why", "series"], [[k, v] for k, v in agg["skipped_series"].items()])
    return "\n".join(lines) + "\n"


def render_svg(agg: dict, title: str = "findings per month per rule") -> str:
    """Stacked bars, one per month, one colour per rule (the most frequent first; the rest grey)."""
    months = _month_axis(list(agg["per_month"]))
    ranked = [r["rule"] for r in agg["per_rule"]]
    shown = ranked[:len(PALETTE)]
    colour = {rule: PALETTE[i] for i, rule in enumerate(shown)}
    series_names = shown + (["other rules"] if len(ranked) > len(shown) else [])
    colour["other rules"] = OTHER

    def stack(month: str) -> list[tuple[str, int]]:
        counts = agg["per_month"].get(month, {})
        out = [(rule, counts.get(rule, 0)) for rule in shown]
        other = sum(n for rule, n in counts.items() if rule not in colour)
        return out + ([("other rules", other)] if "other rules" in series_names else [])

    peak = max([sum(n for _, n in stack(m)) for m in months] + [1])
    step = _nice_step(peak)
    top = step * -(-peak // step)
    left, right, upper, lower = 56, 190, 40, 70
    bar_w = max(2, min(48, 640 // max(1, len(months)) - 4))
    plot_w = max(240, len(months) * (bar_w + 4))
    plot_h = 260
    width, height = left + plot_w + right, upper + plot_h + lower
    y = lambda value: upper + plot_h - plot_h * value / top  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="24" font-size="15" font-weight="bold">{escape(title)}</text>']
    for tick in range(0, top + 1, step):
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="#dddddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    slot = plot_w / max(1, len(months))
    label_every = max(1, -(-len(months) // 36))
    for i, month in enumerate(months):
        x = left + i * slot + (slot - bar_w) / 2
        base = 0
        for rule, n in stack(month):
            if n:
                out.append(f'<rect x="{x:.1f}" y="{y(base + n):.1f}" width="{bar_w}" '
                           f'height="{y(base) - y(base + n):.1f}" fill="{colour[rule]}">'
                           f'<title>{escape(month)} {escape(rule)}: {n}</title></rect>')
                base += n
        label_x = x + bar_w / 2
        if i % label_every:
            continue
        out.append(f'<text x="{label_x:.1f}" y="{upper + plot_h + 14}" text-anchor="end" '
                   f'transform="rotate(-45 {label_x:.1f} {upper + plot_h + 14})">{escape(month)}</text>')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{upper + plot_h}" y2="{upper + plot_h}" stroke="black"/>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{upper}" y2="{upper + plot_h}" stroke="black"/>')
    out.append(f'<text x="14" y="{upper + plot_h / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {upper + plot_h / 2:.0f})">findings</text>')
    for i, name in enumerate(reversed(series_names)):  # legend in stacking order, top first
        ly = upper + 10 + i * 20
        out.append(f'<rect x="{left + plot_w + 16}" y="{ly - 10}" width="12" height="12" fill="{colour[name]}"/>')
        out.append(f'<text x="{left + plot_w + 34}" y="{ly}">{escape(name)}</text>')
    if not months:
        out.append(f'<text x="{left + 10}" y="{upper + plot_h / 2}">no dated series</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _month_axis(months: list[str]) -> list[str]:
    """Every month from the first to the last (an empty month is a gap, not left out); months that
    are not YYYY-MM ("(no date)") come after."""
    dated = sorted(m for m in months if len(m) == 7 and m[4] == "-" and m[:4].isdigit() and m[5:].isdigit())
    rest = [m for m in months if m not in dated]
    if not dated:
        return rest
    (y, mo), (last_y, last_mo) = (int(dated[0][:4]), int(dated[0][5:])), (int(dated[-1][:4]), int(dated[-1][5:]))
    axis = []
    while (y, mo) <= (last_y, last_mo):
        axis.append(f"{y:04d}-{mo:02d}")
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return axis + rest


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(peak))

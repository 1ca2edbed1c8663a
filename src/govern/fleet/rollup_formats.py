"""The fleet roll-up as JSON (tools), Markdown (terminals, tickets) and HTML (people).

One function per format, found through :data:`FORMATS`; each only turns a
:class:`~govern.fleet.rollup.FleetReport` into text. Unknown findings (a tenant never audited)
print as "unknown", never as 0; every name is escaped for its format.
"""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from govern.fleet.rollup import ACTIONS, SEVERITIES, FleetReport, TenantRow

NOTHING_SPREADS = "No shadow app or external network is in more than one tenant."


def to_json(rep: FleetReport) -> str:
    """Everything, ids included, for tools."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    data = dataclasses.asdict(rep)
    return json.dumps(data, indent=2, default=plain) + "\n"


def _md(text: object) -> str:
    # Table cells: a pipe or a newline would break the row; backslash-escape Markdown marks.
    out = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for mark in "*_`[]<>":
        out = out.replace(mark, "\\" + mark)
    return out


def _findings(row: TenantRow) -> list[str]:
    if row.findings is None:
        return ["unknown"] * len(SEVERITIES)
    return [str(row.findings.get(s, 0)) for s in SEVERITIES]


def _age(row: TenantRow) -> str:
    if row.last_success is None:
        return "never"
    hours = row.age_hours or 0.0
    ago = f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"
    return f"{row.last_success:%Y-%m-%d %H:%M} UTC ({row.last_success_kind}, {ago} ago)"


def to_markdown(rep: FleetReport) -> str:
    """Tables per tenant and of what spreads across tenants."""
    lines = [
        f"# Fleet roll-up ({len(rep.tenants)} tenants)",
        "",
        f"Generated {rep.generated_at:%Y-%m-%d %H:%M} UTC from {_md(rep.fleet_file)}.",
        "",
        "| tenant | shadow communities | " + " | ".join(ACTIONS) + " | " + " | ".join(SEVERITIES)
        + " | last successful run | failures |",
        "|---" * (4 + len(ACTIONS) + len(SEVERITIES)) + "|",
    ]  # fmt: skip
    for row in rep.tenants:
        failures = _md(row.failures[0]) + (
            f" (+{len(row.failures) - 1} more)" if len(row.failures) > 1 else ""
        ) if row.failures else ""  # fmt: skip
        cells = [
            _md(row.tenant),
            str(row.communities),
            *[str(row.recommendations.get(a, 0)) for a in ACTIONS],
            *_findings(row),
            _md(_age(row)),
            failures,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Spreading across tenants", ""]
    if rep.spreading:
        lines += ["| name | kind | tenants | members | recommendations |", "|---|---|---|---|---|"]
        for s in rep.spreading:
            recs = ", ".join(f"{k} {v}" for k, v in sorted(s.recommendations.items()))
            lines.append(
                f"| {_md(s.name)} | {s.category} | {len(s.tenants)}: {_md(', '.join(s.tenants))} "
                f"| {s.members} | {_md(recs)} |"
            )
    else:
        lines.append(NOTHING_SPREADS)
    if rep.notes:
        lines += ["", *[f"- {_md(n)}" for n in rep.notes]]
    return "\n".join(lines) + "\n"


def to_html(rep: FleetReport) -> str:
    """One self-contained page; failing and stale tenants stand out."""
    e = html.escape
    head = "".join(
        f"<th>{e(h)}</th>" for h in ("tenant", "shadow communities", *ACTIONS, *SEVERITIES)
    )
    body = []
    for row in rep.tenants:
        cls = ' class="failing"' if row.failures else ""
        cells = [row.tenant, str(row.communities)]
        cells += [str(row.recommendations.get(a, 0)) for a in ACTIONS] + _findings(row)
        tds = "".join(f"<td>{e(c)}</td>" for c in cells)
        fails = "".join(f"<li>{e(f)}</li>" for f in row.failures)
        body.append(f"<tr{cls}>{tds}<td>{e(_age(row))}</td><td><ul>{fails}</ul></td></tr>")
    spread = (
        "".join(
            f"<tr><td>{e(s.name)}</td><td>{e(s.category)}</td><td>{e(', '.join(s.tenants))}</td>"
            f"<td>{s.members}</td></tr>"
            for s in rep.spreading
        )
        or f'<tr><td colspan="4">{NOTHING_SPREADS}</td></tr>'
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in rep.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleet roll-up</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}tr.failing{{background:#fde8e8}}
ul{{margin:0;padding-left:1.2em}}</style></head><body>
<h1>Fleet roll-up ({len(rep.tenants)} tenants)</h1>
<p>Generated {e(f"{rep.generated_at:%Y-%m-%d %H:%M}")} UTC from {e(rep.fleet_file)}.</p>
<table><thead><tr>{head}<th>last successful run</th><th>failures</th></tr></thead>
<tbody>{"".join(body)}</tbody></table>
<h2>Spreading across tenants</h2>
<table><thead><tr><th>name</th><th>kind</th><th>tenants</th><th>members</th></tr></thead>
<tbody>{spread}</tbody></table>
<ul>{notes}</ul>
</body></html>
"""


FORMATS: dict[str, Callable[[FleetReport], str]] = {
    "json": to_json,
    "markdown": to_markdown,
    "html": to_html,
}
"""Renderers by ``--format`` name."""

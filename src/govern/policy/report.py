"""Findings rendered for people (table, Markdown) and tools (JSON, CSV, SARIF).

Only rendering: the audit computes, this turns results into a string. The table and Markdown
lead with counts per severity and rule, then list findings, at most ``limit`` per rule so that
a large inventory stays readable (JSON, CSV and SARIF always hold every finding).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from govern.model import Finding, Severity
from govern.output import md_code, md_text, render
from govern.policy.sarif import findings_sarif

FORMATS = ("table", "json", "csv", "markdown", "sarif")
_RANK = {s: i for i, s in enumerate(Severity)}
DETAIL_COLUMNS = ["severity", "rule", "community", "principal", "message"]


def render_findings(
    findings: Sequence[Finding],
    fmt: str,
    *,
    policies_root: Path,
    descriptions: dict[str, str],
    limit: int = 20,
) -> str:
    """Findings in one of :data:`FORMATS`."""
    if fmt == "sarif":
        return findings_sarif(findings, policies_root, descriptions)
    if fmt == "json":
        return json.dumps([f.model_dump(mode="json") for f in findings], indent=2) + "\n"
    if fmt == "csv":
        rows = [
            {
                "severity": f.severity.value,
                "rule_id": f.rule_id,
                "community_id": f.community_id,
                "path": f.evidence.get("path"),
                "principal_id": f.principal_id,
                "message": f.message,
                "policy_file": f.source.file if f.source else None,
                "policy_line": f.source.line if f.source else None,
                "evidence": f.evidence,
            }
            for f in findings
        ]
        cols = list(rows[0]) if rows else ["severity", "rule_id", "community_id", "message"]
        return render(rows, cols, "csv")
    summary = _summary(findings, descriptions)
    details = _details(findings, limit)
    if fmt == "markdown":
        return _markdown(findings, summary, details)
    title = f"{len(findings)} finding(s)"
    out = render(
        summary, ["severity", "rule", "count", "where", "description"], "table", title=title
    )
    if findings:
        shown = f"Findings (at most {limit} per rule)" if limit else "Findings"
        out += "\n" + render(details, DETAIL_COLUMNS, "table", title=shown)
    return out


def _summary(findings: Sequence[Finding], descriptions: dict[str, str]) -> list[dict[str, object]]:
    counts = Counter((f.severity, f.rule_id) for f in findings)
    where = {f.rule_id: f"{f.source.file}:{f.source.line}" if f.source else "" for f in findings}
    return [
        {
            "severity": sev.value,
            "rule": rid,
            "count": n,
            "where": where[rid],
            "description": descriptions.get(rid, ""),
        }
        for (sev, rid), n in sorted(counts.items(), key=lambda kv: (_RANK[kv[0][0]], kv[0][1]))
    ]


def _details(findings: Sequence[Finding], limit: int) -> list[dict[str, object]]:
    shown: Counter[str] = Counter()
    rows = []
    for f in findings:
        shown[f.rule_id] += 1
        if limit and shown[f.rule_id] > limit:
            continue
        rows.append(
            {
                "severity": f.severity.value,
                "rule": f.rule_id,
                "community": f.evidence.get("path") or f.community_id,
                # People read the email the evidence carries; the id is in the JSON.
                "principal": f.evidence.get("principal_email") or f.principal_id or "",
                "message": f.message,
            }
        )
    return rows


def _cell(value: object) -> str:
    return md_text(value)  # names come from the tools: no raw HTML, links or images


def _markdown(
    findings: Sequence[Finding], summary: list[dict[str, object]], details: list[dict[str, object]]
) -> str:
    lines = [f"## govern audit: {len(findings)} finding(s)", ""]
    if not findings:
        return "\n".join([*lines, "No findings.", ""])
    lines += ["| severity | rule | count | where | description |", "|---|---|---:|---|---|"]
    lines += [
        f"| {r['severity']} | `{r['rule']}` | {r['count']} | {_cell(r['where'])} "
        f"| {_cell(r['description'])} |"
        for r in summary
    ]
    lines += ["", "| severity | rule | community | principal | message |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['severity']} | `{r['rule']}` | `{md_code(r['community'])}` "
        f"| {_cell(r['principal'])} | {_cell(r['message'])} |"
        for r in details
    ]
    return "\n".join(lines) + "\n"

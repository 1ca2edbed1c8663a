"""The rows the human formats share: counts per severity and rule, and findings per rule."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from govern.model import Finding, Severity

_RANK = {s: i for i, s in enumerate(Severity)}
DETAIL_COLUMNS = ["severity", "rule", "community", "principal", "message"]


def summary(findings: Sequence[Finding], descriptions: dict[str, str]) -> list[dict[str, object]]:
    """One row per (severity, rule): how many findings and where the rule is written."""
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


def details(findings: Sequence[Finding], limit: int) -> list[dict[str, object]]:
    """One row per finding, at most ``limit`` per rule (0: all)."""
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

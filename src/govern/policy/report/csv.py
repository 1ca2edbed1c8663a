"""Findings as CSV: one row per finding, with the policy line of its rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from govern.model import Finding
from govern.output import render
from govern.policy.report.interface import Context, FindingsFormat


class Csv(FindingsFormat):
    """Every finding as a row (formulas neutralised by the one CSV writer)."""

    name: ClassVar[str] = "csv"

    def render(self, findings: Sequence[Finding], context: Context) -> str:
        """One row per finding."""
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

"""Findings for the terminal: counts per severity and rule, then at most ``limit`` per rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from govern.model import Finding
from govern.output import render
from govern.policy.report.interface import Context, FindingsFormat
from govern.policy.report.rows import DETAIL_COLUMNS, details, summary


class Table(FindingsFormat):
    """The summary table, then the findings."""

    name: ClassVar[str] = "table"

    def render(self, findings: Sequence[Finding], context: Context) -> str:
        """Two tables: counts, then findings."""
        title = f"{len(findings)} finding(s)"
        out = render(
            summary(findings, context.descriptions),
            ["severity", "rule", "count", "where", "description"],
            "table",
            title=title,
        )
        if findings:
            limit = context.limit
            shown = f"Findings (at most {limit} per rule)" if limit else "Findings"
            out += "\n" + render(details(findings, limit), DETAIL_COLUMNS, "table", title=shown)
        return out

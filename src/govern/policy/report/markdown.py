"""Findings in Markdown (a pull-request comment): counts per rule, then the findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from govern.model import Finding
from govern.output import md_code, md_text
from govern.policy.report.interface import Context, FindingsFormat
from govern.policy.report.rows import details, summary


def _cell(value: object) -> str:
    return md_text(value)  # names come from the tools: no raw HTML, links or images


class Markdown(FindingsFormat):
    """Two Markdown tables under one heading."""

    name: ClassVar[str] = "markdown"

    def render(self, findings: Sequence[Finding], context: Context) -> str:
        """The summary and the findings (at most ``limit`` per rule)."""
        lines = [f"## govern audit: {len(findings)} finding(s)", ""]
        if not findings:
            return "\n".join([*lines, "No findings.", ""])
        lines += ["| severity | rule | count | where | description |", "|---|---|---:|---|---|"]
        lines += [
            f"| {r['severity']} | `{r['rule']}` | {r['count']} | {_cell(r['where'])} "
            f"| {_cell(r['description'])} |"
            for r in summary(findings, context.descriptions)
        ]
        lines += [
            "",
            "| severity | rule | community | principal | message |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['severity']} | `{r['rule']}` | `{md_code(r['community'])}` "
            f"| {_cell(r['principal'])} | {_cell(r['message'])} |"
            for r in details(findings, context.limit)
        ]
        return "\n".join(lines) + "\n"

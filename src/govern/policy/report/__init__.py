"""Findings rendered for people (table, Markdown) and tools (JSON, CSV, SARIF).

Only rendering: the audit computes, a format turns results into a string. One module per
format, each a :class:`FindingsFormat`. The table and Markdown lead with counts per severity
and rule, then list findings, at most ``limit`` per rule so that a large inventory stays
readable (JSON, CSV and SARIF always hold every finding).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from govern.model import Finding
from govern.policy.report.csv import Csv
from govern.policy.report.interface import Context, FindingsFormat
from govern.policy.report.json import Json
from govern.policy.report.markdown import Markdown
from govern.policy.report.sarif import Sarif
from govern.policy.report.table import Table

__all__ = ["FORMATS", "Context", "FindingsFormat", "render_findings"]

FORMATS: dict[str, FindingsFormat] = {
    f.name: f for f in (Table(), Json(), Csv(), Markdown(), Sarif())
}
"""Every format by its ``--format`` name (the CLI's choices are checked against these)."""


def render_findings(
    findings: Sequence[Finding],
    fmt: str,
    *,
    policies_root: Path,
    descriptions: dict[str, str],
    limit: int = 20,
) -> str:
    """Findings in one of :data:`FORMATS`."""
    chosen = FORMATS.get(fmt)
    if chosen is None:  # the CLI offers only these; a caller in code asked for another
        raise ValueError(f"findings format {fmt!r} is not one of {', '.join(FORMATS)}")
    return chosen.render(findings, Context(policies_root, descriptions, limit))

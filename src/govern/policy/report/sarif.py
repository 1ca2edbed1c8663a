"""Findings as SARIF 2.1.0 for code scanning: each at the policy line of its rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from govern.model import Finding
from govern.policy.report.interface import Context, FindingsFormat
from govern.policy.sarif import findings_sarif


class Sarif(FindingsFormat):
    """Every finding, pointing at the rule it breaks."""

    name: ClassVar[str] = "sarif"

    def render(self, findings: Sequence[Finding], context: Context) -> str:
        """A SARIF log."""
        return findings_sarif(findings, context.policies_root, context.descriptions)

"""Findings as JSON: every finding, ids and evidence included, for tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from govern.model import Finding
from govern.policy.report.interface import Context, FindingsFormat


class Json(FindingsFormat):
    """Every finding as its model."""

    name: ClassVar[str] = "json"

    def render(self, findings: Sequence[Finding], context: Context) -> str:
        """A JSON list of findings."""
        return json.dumps([f.model_dump(mode="json") for f in findings], indent=2) + "\n"

"""The report as JSON: the report model itself, every entry, ids included."""

from __future__ import annotations

from typing import ClassVar

from govern.virality.formats.interface import ReportFormat
from govern.virality.report import Report


class Json(ReportFormat):
    """For tools: every entry, whatever the limit."""

    name: ClassVar[str] = "json"

    def render(self, report: Report, *, limit: int | None) -> str:
        """The report model as indented JSON."""
        return report.model_dump_json(indent=2) + "\n"

"""The report as JSON: the report model itself, every entry, ids included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from govern.virality.formats.interface import ReportFormat
from govern.virality.report import Report

_ENTRIES = '\n  "entries": []'
"""The empty entries list in the report's indented JSON, where the entries are written.

Only the report's own key sits at this depth on a line of its own: JSON strings carry no raw
newline (a name's newline is written ``\\n``), so no value can hold this text.
"""


class Json(ReportFormat):
    """For tools: every entry, whatever the limit."""

    name: ClassVar[str] = "json"

    def render(self, report: Report, *, limit: int | None) -> str:
        """The report model as indented JSON."""
        return "".join(self.chunks(report, limit=limit))

    def chunks(self, report: Report, *, limit: int | None) -> Iterator[str]:
        """The same text one entry at a time, as ``report.model_dump_json(indent=2)`` writes it.

        The entries are most of it (80 MiB at the xl size); written one by one, the text of
        the whole report is never held at once (pydantic would hold it twice while making it).
        """
        head = report.model_copy(update={"entries": []}).model_dump_json(indent=2)
        before, found, after = head.partition(_ENTRIES)
        if not report.entries or not found:  # (not found: no entries key, never in practice)
            yield report.model_dump_json(indent=2) + "\n"
            return
        yield before + '\n  "entries": [\n'
        for i, entry in enumerate(report.entries):
            # Each entry two levels deeper than on its own: four spaces more on every line.
            text = "    " + entry.model_dump_json(indent=2).replace("\n", "\n    ")
            yield text if i == 0 else ",\n" + text
        yield "\n  ]" + after + "\n"

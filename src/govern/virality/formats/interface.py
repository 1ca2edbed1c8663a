"""The interface every shadow-IT report format implements.

A format only turns a :class:`~govern.virality.report.Report` into a string; it computes
nothing, so every format shows the same figures. One module per format, registered in
:data:`govern.virality.formats.FORMATS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar

from govern.virality.report import Report


class ReportFormat(ABC):
    """One way to write the shadow-IT report."""

    name: ClassVar[str]
    """What ``--format`` calls it."""

    default_limit: ClassVar[int | None] = None
    """Entries shown when the caller sets no limit (None: every entry)."""

    @abstractmethod
    def render(self, report: Report, *, limit: int | None) -> str:
        """The report as text; ``limit`` caps the entries a human format shows."""

    def chunks(self, report: Report, *, limit: int | None) -> Iterator[str]:
        """The same text in parts, to be written one after the other (a large format streams)."""
        yield self.render(report, limit=limit)

"""The report as CSV: one row per entry, every component as a column."""

from __future__ import annotations

import io
from typing import ClassVar

from govern.output import csv_writer
from govern.virality.formats.cells import metric, recommendation
from govern.virality.formats.interface import ReportFormat
from govern.virality.measures import GROUPS
from govern.virality.report import Report

CSV_COLUMNS = (
    "rank", "id", "path", "name", "connector", "kind", "category", "recommendation", "viral",
    "score", *(n for names in GROUPS.values() for n in names), "inactive_days", "changes",
    "reasons",
)  # fmt: skip


def to_csv(report: Report) -> str:
    """One row per entry, every component as a column (figures only; notes are in JSON)."""
    buf = io.StringIO()
    w = csv_writer(buf)  # names come from the tools: formulas are neutralised
    w.writerow(CSV_COLUMNS)
    for e in report.entries:
        row: list[object] = [
            e.rank, e.id, e.path, e.name, e.connector, e.kind, e.category, recommendation(e),
            "yes" if e.viral else "no", e.score,
        ]  # fmt: skip
        for names in GROUPS.values():
            for n in names:
                v = metric(e, n).value
                row.append("" if v is None else _number(v))
        row += [e.inactive_days if e.inactive_days is not None else "", len(e.changes),
                " | ".join(e.reasons)]  # fmt: skip
        w.writerow(row)
    return buf.getvalue()


def _number(value: float) -> int | float:
    """A count as an integer (``12``, not ``12.0``); other figures to 4 decimals."""
    return int(value) if float(value).is_integer() else round(value, 4)


class Csv(ReportFormat):
    """For spreadsheets: every entry, whatever the limit."""

    name: ClassVar[str] = "csv"

    def render(self, report: Report, *, limit: int | None) -> str:
        """Every entry as a row."""
        return to_csv(report)

"""The report for the terminal: a ranked summary with the top reasons per community."""

from __future__ import annotations

from typing import ClassVar

from govern.output import render as render_rows
from govern.virality.formats.cells import metric, recommendation, short
from govern.virality.formats.interface import ReportFormat
from govern.virality.report import Report


def to_table(report: Report, *, limit: int | None = 25) -> str:
    """A ranked summary for the terminal, with the top reasons per community."""
    shown = report.entries[:limit] if limit else report.entries
    rows = [
        {
            "rank": e.rank,
            "do": recommendation(e),
            "community": e.path,
            "category": e.category,
            "members": short("members", metric(e, "members")),
            "score": f"{e.score:.0f}" if e.score is not None else "-",
            "why": "; ".join(e.reasons[:3]),
        }
        for e in shown
    ]
    out = render_rows(
        rows,
        ["rank", "do", "community", "category", "members", "score", "why"],
        "table",
        title=f"Shadow IT as of {report.generated_at:%Y-%m-%d}",
    )
    counts = ", ".join(f"{b.count} {b.name}" for b in report.organisation.by_recommendation)
    out += f"{len(report.entries)} communities listed ({counts})"
    if limit and len(report.entries) > limit:
        out += f"; top {limit} shown, --format json or csv for all"
    out += "\n"
    for note in report.notes:
        out += f"note: {note}\n"
    return out


class Table(ReportFormat):
    """For the terminal."""

    name: ClassVar[str] = "table"
    default_limit: ClassVar[int | None] = 25

    def render(self, report: Report, *, limit: int | None) -> str:
        """The ranked summary."""
        return to_table(report, limit=limit)

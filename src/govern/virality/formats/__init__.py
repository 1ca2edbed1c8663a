"""The shadow-IT report as text: one module per format, each a :class:`ReportFormat`.

Formats only turn a :class:`~govern.virality.report.Report` into a string; they compute
nothing, so every format shows the same figures. A new format is a module here with a
:class:`ReportFormat` subclass, added to :data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Iterator

from govern.virality.formats.csv import CSV_COLUMNS, Csv, to_csv
from govern.virality.formats.html import Html, to_html
from govern.virality.formats.interface import ReportFormat
from govern.virality.formats.json import Json
from govern.virality.formats.markdown import Markdown, to_markdown
from govern.virality.formats.table import Table, to_table
from govern.virality.report import Report

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "ReportFormat",
    "chunks",
    "render",
    "to_csv",
    "to_html",
    "to_markdown",
    "to_table",
]

FORMATS: dict[str, ReportFormat] = {f.name: f for f in (Table(), Markdown(), Json(), Csv(), Html())}
"""Every format by its ``--format`` name (the CLI's choices are checked against these)."""


def render(report: Report, fmt: str, *, limit: int | None = None) -> str:
    """The report in ``fmt`` (table, markdown, json, csv or html).

    ``limit`` caps the entries shown in the human formats (table 25, markdown 50, html 100 by
    default); JSON and CSV always carry every entry. The champions section follows the entries.
    """
    from govern.virality.people_render import append_to

    chosen = _format(fmt)
    text = chosen.render(report, limit=limit or chosen.default_limit)
    return append_to(text, report.champions, fmt)


def chunks(report: Report, fmt: str, *, limit: int | None = None) -> Iterator[str]:
    """:func:`render`'s text in parts, to write one after the other.

    JSON comes one entry at a time, so a file or a pipe gets the whole report without the
    process ever holding its text (80 MiB at the xl size, twice while pydantic makes it);
    the other formats are small and come whole.
    """
    from govern.virality.people_render import appends

    chosen = _format(fmt)
    if report.champions is not None and appends(fmt):
        return iter([render(report, fmt, limit=limit)])
    return chosen.chunks(report, limit=limit or chosen.default_limit)


def _format(fmt: str) -> ReportFormat:
    chosen = FORMATS.get(fmt)
    if chosen is None:  # the CLI offers only these; a caller in code asked for another
        raise ValueError(f"report format {fmt!r} is not one of {', '.join(FORMATS)}")
    return chosen

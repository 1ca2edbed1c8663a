"""The shadow-IT report: which grassroots networks went viral, why, and what to do about them.

Library entry points (the CLI and ``govern demo`` call these):

* :func:`build_report` measures every community in the store and returns a :class:`Report`;
* :func:`render` turns it into table, markdown, json, csv or html text;
* :func:`write_reports` does both and writes the files, returning their paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govern.store.store import Store
    from govern.virality.report import Report

FILE_NAMES = {
    "html": "shadow-it.html",
    "markdown": "shadow-it.md",
    "json": "shadow-it.json",
    "csv": "shadow-it.csv",
}


def build_report(store: Store, *, policies_dir: Path | None = None) -> Report:
    """Measure every community in ``store`` and recommend adopt, migrate, monitor or archive."""
    from govern.virality.build import build_report as build

    return build(store, policies_dir=policies_dir)


def render(report: Report, fmt: str, *, limit: int | None = None) -> str:
    """The report as text in ``fmt``: table, markdown, json, csv or html."""
    from govern.virality.formats import render as render_

    return render_(report, fmt, limit=limit)


def write_reports(
    store: Store,
    out_dir: Path,
    *,
    policies_dir: Path | None = None,
    formats: tuple[str, ...] = ("html", "markdown", "json", "csv"),
) -> dict[str, Path]:
    """Build the report once and write it in each format to ``out_dir``; return the paths."""
    from govern.private import private_dir, write_private_text
    from govern.virality.formats import chunks

    report = build_report(store, policies_dir=policies_dir)
    private_dir(out_dir)
    paths = {}
    for fmt in formats:
        path = out_dir / FILE_NAMES[fmt]
        write_private_text(path, chunks(report, fmt))  # owner-only, as the store; streamed
        paths[fmt] = path
    return paths


__all__ = ["FILE_NAMES", "build_report", "render", "write_reports"]

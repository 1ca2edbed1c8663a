"""Rendering rows of data as a table for people, or JSON / CSV for tools.

Data goes to stdout; messages go to stderr (the CLI's business, not this module's).

Every CSV govern writes goes through :func:`csv_writer`: community and people names come from
the tools, where anyone can name a team ``=HYPERLINK(...)``, and a spreadsheet opening the file
would run it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel


def _plain(value: Any) -> Any:
    """JSON-friendly form of a value."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


_MD_ESCAPE = re.compile(r"[\[\]`|]")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters a spreadsheet reads as a formula (OWASP, CSV injection)."""


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would run is prefixed with a quote.

    Numbers stay numbers (``-3`` is a figure, not a formula); only text is neutralised, as
    OWASP's CSV-injection rule says: prefix the cell with a single quote.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`csv_safe`."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, neutralising formula-like text."""
        self._writer.writerow([csv_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write rows, neutralising formula-like text."""
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any) -> _SafeWriter:
    """The CSV writer for anything govern writes (Unix line ends, formulas neutralised)."""
    return _SafeWriter(out)


def md_text(value: object) -> str:
    """``value`` as literal Markdown text (GitHub flavour), safe in a table cell.

    Names come from the tools: ``<img src=x onerror=...>`` or ``![](http://tracker/)`` in a
    community name must show as typed in a pull-request comment or a report, not load anything.
    So ``<`` is entity-escaped and the characters that open links, images and code spans are
    backslash-escaped; line breaks become spaces and ``|`` cannot end a table cell.
    """
    text = " ".join(str(value).splitlines()).replace("\\", "\\\\")
    # Raw HTML needs '<' (a lone '>' or '&' opens nothing): '->' in a reason stays readable.
    text = text.replace("<", "&lt;")
    return _MD_ESCAPE.sub(r"\\\g<0>", text)


def md_code(value: object, *, table: bool = True) -> str:
    """``value`` for the inside of a Markdown code span (backticks dropped, one line)."""
    text = " ".join(str(value).splitlines()).replace("`", "'")
    return text.replace("|", "\\|") if table else text


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def render(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
) -> str:
    """Render ``rows`` (dicts) in ``fmt``: table, json or csv. JSON keeps every key of a row."""
    data = list(rows)
    if fmt == "json":
        return json.dumps([_plain(r) for r in data], indent=2, sort_keys=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv_writer(buf)
        writer.writerow(columns)
        for r in data:
            # Numbers go in as numbers, so that a negative figure is not taken for a formula.
            writer.writerow([_csv_cell(r.get(c)) for c in columns])
        return buf.getvalue()
    return _table(data, columns, title)


def _csv_cell(value: Any) -> Any:
    plain = _plain(value)
    if isinstance(plain, int | float) and not isinstance(plain, bool):
        return plain
    return _cell(value)


def render_object(obj: Any, fmt: str) -> str:
    """Render one object: JSON for tools, ``key: value`` lines for people."""
    plain = _plain(obj)
    if fmt == "json":
        return json.dumps(plain, indent=2) + "\n"
    if fmt == "csv":
        return render([{"key": k, "value": v} for k, v in plain.items()], ["key", "value"], "csv")
    width = max((len(k) for k in plain), default=0)
    return "".join(f"{k.ljust(width)}  {_cell(v)}\n" for k, v in plain.items())


def table_width() -> int:
    """The width tables fit in: the terminal's (or ``COLUMNS``), 160 when output is piped."""
    import shutil

    # get_terminal_size reads COLUMNS first, then the terminal on stdout, else the fallback.
    columns = shutil.get_terminal_size((160, 24)).columns
    return max(40, columns)


def _table(data: list[Mapping[str, Any]], columns: Sequence[str], title: str | None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_edge=False, header_style="bold", pad_edge=False)
    for c in columns:
        table.add_column(c.replace("_", " "), overflow="fold")
    for r in data:
        table.add_row(*[_cell(r.get(c)) for c in columns])
    console = Console(
        file=io.StringIO(), width=table_width(), force_terminal=False, color_system=None
    )
    console.print(table)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return str(out) if data else (f"{title}: none\n" if title else "none\n")

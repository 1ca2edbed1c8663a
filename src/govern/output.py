"""Rendering rows of data as a table for people, or JSON / CSV for tools.

Data goes to stdout; messages go to stderr (the CLI's business, not this module's).
"""

from __future__ import annotations

import csv
import io
import json
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
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for r in data:
            writer.writerow([_cell(r.get(c)) for c in columns])
        return buf.getvalue()
    return _table(data, columns, title)


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

"""Options several commands share, declared once: ``--format``, ``--limit``, ``--policies``.

Each is a decorator factory, so a command names only what differs (its formats, its default
limit, what its policy directory must hold) and every command spells the option the same way.
The global ``--format`` rule (:mod:`govern.cli.formats`) reads the ``fmt`` parameter these
declare.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DATA_FORMATS = ("table", "json", "csv")
"""What a command that lists rows writes."""

REPORT_FORMATS = ("table", "markdown", "json", "csv", "html")
"""What the shadow-IT and champions reports write (govern.virality.formats.FORMATS)."""


def format_option(*formats: str, help: str | None = None) -> Callable[[F], F]:
    """``--format`` with these choices (default: the global ``--format``, else the first)."""
    return click.option("--format", "fmt", type=click.Choice(formats), default=None, help=help)


def limit_option(
    default: int, help: str | None = None, *, minimum: int | None = None
) -> Callable[[F], F]:
    """``--limit``: how many items a human format shows (0 means all unless ``minimum``)."""
    kind = click.IntRange(minimum) if minimum is not None else None
    return click.option("--limit", type=kind, default=default, show_default=True, help=help)


def policies_option(
    help: str = "Policy directory (default: the policies_dir setting).",
    *,
    directory_only: bool = False,
) -> Callable[[F], F]:
    """``--policies DIR`` as ``policies_dir`` (None: the ``policies_dir`` setting)."""
    return click.option(
        "--policies",
        "policies_dir",
        type=click.Path(file_okay=not directory_only, path_type=Path),
        help=help,
    )


THRESHOLDS_POLICIES = policies_option(
    "Policy directory with thresholds.yaml (default: the policies_dir setting).",
    directory_only=True,
)
"""``--policies`` of the reports that read thresholds.yaml (report viral, report champions)."""

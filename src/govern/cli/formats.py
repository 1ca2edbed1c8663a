"""One ``--format`` rule for every command.

A command supports the formats its own ``--format`` option lists (none if it has no such
option). The global ``govern --format X`` applies to every command that supports ``X``; asking
a command for a format it does not support is a one-line error naming the formats it has.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from govern.errors import GovernError

# The union of every command's formats: the global option accepts any of them, and each
# command then checks it against its own list.
FORMATS = ("table", "json", "csv", "markdown", "sarif", "html")

_GUARDED = "_govern_format_guarded"


class FormatError(GovernError):
    """A command was asked for an output format it does not write."""


def supported(cmd: click.Command) -> tuple[str, ...]:
    """The formats a command writes: the choices of its own ``--format`` option."""
    for param in cmd.params:
        if param.name == "fmt" and isinstance(param.type, click.Choice):
            return tuple(str(c) for c in param.type.choices)
    return ()


def refusal(command_path: str, wanted: str, formats: tuple[str, ...]) -> str:
    """The one-line message for a format a command does not write."""
    if not formats:
        return f"--format {wanted}: `{command_path}` writes no data in a format; drop --format"
    return (
        f"--format {wanted}: `{command_path}` supports {', '.join(formats)}; "
        f"use one of those or drop --format"
    )


def guard(cmd: click.Command) -> click.Command:
    """Make ``cmd`` (and every subcommand of a group) honour the global ``--format`` rule."""
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            guard(sub)
        return cmd
    if cmd.callback is None or getattr(cmd, _GUARDED, False):
        return cmd
    original = cmd.callback
    formats = supported(cmd)

    @functools.wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        wanted = getattr(ctx.find_root().obj, "fmt", None)
        # The command's own --format, when given, wins over the global one (its default not).
        source = ctx.get_parameter_source("fmt") if "fmt" in kwargs else None
        given = source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
        if wanted and not given:
            if wanted not in formats:
                from govern.cli import command_path

                raise FormatError(refusal(command_path(ctx), wanted, formats))
            kwargs["fmt"] = wanted
        return original(*args, **kwargs)

    cmd.callback = checked
    setattr(cmd, _GUARDED, True)
    return cmd


OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of stdout.",
)
"""The ``-o/--output`` option of every report command."""


def emit(text: str | Iterable[str], output: Path | None) -> bool:
    """Print ``text``, or write it to ``output`` readable by its owner only (0600).

    Reports name people and their communities, so every report file is private. ``text`` may
    come in parts (a large report streamed). Returns whether a file was written, so the
    caller can say what it holds.
    """
    if output is None:
        for part in [text] if isinstance(text, str) else text:
            click.echo(part, nl=False)
        return False
    from govern.private import write_private_text

    write_private_text(output, text)
    return True

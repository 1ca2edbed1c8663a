"""The command line: thin, lazy, and the one place where errors become exit codes.

Commands live one module each and are imported only when run, so ``govern --help`` imports none
of the SDKs (msgraph, atlassian, casbin) nor the store.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from govern import __version__
from govern.errors import ExitStatus, GovernError

if TYPE_CHECKING:
    from govern.registry import Discover

# name -> "module:attribute" (a click command or group), imported on first use.
COMMANDS: dict[str, tuple[str, str]] = {
    "apply": ("govern.cli.apply:apply", "Apply a reviewed plan file (resumes an interrupted run)."),
    "audit": ("govern.cli.audit:audit", "Findings for the latest inventory under the policies."),
    "config": ("govern.cli.config:config", "Show the effective settings and where each came from."),
    "demo": ("govern.cli.demo:demo", "Run the whole story on a simulated company (no account)."),
    "discover": ("govern.cli.discover:discover", "Read the configured tools into the inventory."),
    "connectors": (
        "govern.cli.connectors:connectors",
        "List installed connectors and permissions.",
    ),
    "fleet": ("govern.cli.fleet:fleet", "Many tenants in one store: queue their jobs, watch."),
    "history": ("govern.cli.history:history", "Runs that applied changes, and their journal."),
    "init": ("govern.cli.init:init", "Write a starter policy repository."),
    "inventory": ("govern.cli.inventory:inventory", "Browse the inventory store and its history."),
    "migrate": (
        "govern.cli.migrate:migrate",
        "Plan moving a shadow network into the sanctioned tool; `migrate status` for progress.",
    ),
    "plan": ("govern.cli.plan:plan", "Compute the changes the policies ask for, as a plan file."),
    "policy": ("govern.cli.policy:policy", "Validate and test the policy repository."),
    "report": ("govern.cli.report:report", "Shadow-IT report: what went viral and what to do."),
    "rollback": ("govern.cli.rollback:rollback", "Write the reverse plan of a run, to review."),
    "sandbox": ("govern.cli.sandbox:sandbox", "Serve a simulated organisation over HTTP."),
    "schema": ("govern.cli.schema:schema", "Print the JSON Schema of govern's data model."),
    "sync": ("govern.cli.sync:sync", "Discover, plan and (with --apply) apply, for schedulers."),
    "worker": ("govern.cli.worker:worker", "Take per-tenant jobs from the fleet's queue."),
}

# Kept in step with govern.cli.formats.FORMATS (a test checks), which is not imported here so
# that `govern --help` stays fast.
FORMATS = ("table", "json", "csv", "markdown", "sarif", "html")


class LazyGroup(click.Group):
    """A group whose subcommands are imported when invoked, and which maps errors to exits."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, without importing any command module."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one command."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target[0].split(":")
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        from govern.cli.formats import guard

        return guard(cmd)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the command; a mistyped name gets a "did you mean" naming the closest ones."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            import difflib  # only for a mistyped command: start-up stays fast

            close = difflib.get_close_matches(name, list(COMMANDS), n=2, cutoff=0.7)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise click.UsageError(f"no such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands in --help."""
        # Help text comes from COMMANDS so that `--help` imports no command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        """Run the CLI; turn every error into one line on stderr and an exit status."""
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv or os.environ.get("GOVERN_DEBUG") == "1"
        kw["standalone_mode"] = False
        try:
            rv = super().main(argv, *a, **kw)
        except GovernError as exc:
            if debug:
                _print_traceback()
            click.echo(f"error: {exc}", err=True)
            sys.exit(int(exc.exit_status))
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            # One line, like every other error: what is wrong, and where the usage is.
            where = command_path(exc.ctx)
            message = exc.format_message().rstrip(".")
            click.echo(f"error: {message} (see `{where} --help`)", err=True)
            sys.exit(int(ExitStatus.ERROR))
        except click.ClickException as exc:
            exc.show()
            sys.exit(int(ExitStatus.ERROR))
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("interrupted", err=True)
            sys.exit(int(ExitStatus.INTERRUPTED))
        except Exception as exc:  # a bug: one line, and the way to see more
            if debug:
                _print_traceback()
            else:
                click.echo(
                    f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)",
                    err=True,
                )
            sys.exit(int(ExitStatus.ERROR))
        sys.exit(int(rv) if isinstance(rv, int) else 0)


def command_path(ctx: click.Context | None) -> str:
    """``govern inventory list``, whatever name the program was started under."""
    parts = ctx.command_path.split(" ")[1:] if ctx else []
    return " ".join(["govern", *parts])


def _print_traceback() -> None:
    # Imported here: traceback (and linecache) cost ~10 ms on every start otherwise.
    import traceback

    traceback.print_exc()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govern")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs (never secrets).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format for every command that supports it (each lists its own; default: table).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Settings file (default: ./govern.toml or $GOVERN_CONFIG).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, fmt: str | None, config_file: str | None) -> None:
    """Govern the communities people built themselves in your collaboration tools.

    govern discovers them, keeps their history, applies access policies written as code, and
    reports on the shadow networks that went viral.
    """
    from govern.cli.app import App

    # A caller that chose the plugins (main(discover=...), tests) passes them in a bare App.
    discover = ctx.obj.discover if isinstance(ctx.obj, App) else None
    ctx.obj = App(debug=debug, fmt=fmt, config_file=config_file, discover=discover)


def main(discover: Discover | None = None) -> None:
    """Console-script entry point; ``discover`` replaces the installed connector plugins."""
    from govern.cli.app import App

    cli.main(prog_name="govern", obj=App(discover=discover) if discover else None)

"""``govern sync``: discover, plan and apply for schedulers; a dry run unless ``--apply``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from govern.cli._plans import apply_options, limit_options
from govern.cli.app import App
from govern.errors import ExitStatus, GovernError, LockedError

if TYPE_CHECKING:
    from govern.plan.sync import SyncOutcome


@click.command()
@click.option("--apply", "do_apply", is_flag=True, help="Make the changes (default: dry run).")
@click.option("--connector", "names", multiple=True, help="Only this connector (repeatable).")
@click.option("--full", is_flag=True, help="Full discovery instead of incremental.")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the plan file here (for review or a later `govern apply`).",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there were changes (made or pending)."
)
@click.option("--no-webhook", is_flag=True, help="Do not post the summary to [plan] webhook_url.")
@limit_options
@click.pass_obj
def sync(
    app: App,
    do_apply: bool,
    names: tuple[str, ...],
    full: bool,
    out: Path | None,
    detailed_exitcode: bool,
    no_webhook: bool,
    max_changes: int | None,
    max_removed_share: float | None,
) -> int:
    """Discover incrementally, plan, and with --apply apply; one sync per scope at a time."""
    from govern.plan.journal import RunKind
    from govern.plan.sync import run_sync
    from govern.progress import Progress

    wanted = app.configured(names)
    connectors = [app.connector(n) for n in wanted]
    options = apply_options(app, max_changes, max_removed_share, RunKind.SYNC)
    title = f"govern sync {'(apply)' if do_apply else '(dry run)'}: {', '.join(wanted)}"
    try:
        with Progress() as progress:
            outcome = run_sync(
                app.store,
                connectors,
                app.settings.values.policies_dir,
                options,
                apply=do_apply,
                full=full,
                plan_out=out,
                state_dir=app.settings.values.store_dir,
                log=progress.log,
                progress=progress,
            )
    except LockedError:
        raise  # another sync is running: no news for the channel
    except GovernError as exc:
        _notify(app, no_webhook, f"{title}: failed", [str(exc)], {"status": "error"})
        raise
    lines = outcome.lines()
    for line in lines:
        click.echo(line, err=True)
    status = exit_status(outcome, detailed_exitcode)
    data: dict[str, object] = {
        "status": "ok" if not outcome.failed else "failed",
        "changes": outcome.changes,
        "needs_a_person": (
            [n.to_json(outcome.built.names) for n in outcome.built.notes] if outcome.built else []
        ),
    }
    if outcome.report is not None:
        data["run"] = outcome.report.run.id
    _notify(app, no_webhook, title, lines, data)
    return int(status)


def exit_status(outcome: SyncOutcome, detailed: bool) -> ExitStatus:
    """1 if changes failed; with ``detailed``, 2 when there were changes (made or pending)."""
    if outcome.failed:
        return ExitStatus.ERROR
    if detailed and outcome.changes:
        return ExitStatus.CHANGES
    return ExitStatus.OK


def _notify(
    app: App, disabled: bool, title: str, lines: list[str], data: dict[str, object]
) -> None:
    from govern.plan.webhook import body, post

    conf = app.settings.values.plan
    if disabled or conf.webhook_url is None:
        return
    problem = post(
        conf.webhook_url.get_secret_value(), body(conf.webhook_format, title, lines, data)
    )
    if problem:
        click.echo(f"warning: {problem}", err=True)

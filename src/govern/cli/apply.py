"""``govern apply PLANFILE``: make exactly the reviewed changes, safely, resumably."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli._plans import apply_options, confirmer, echo_report, limit_options, names_for
from govern.cli.app import App
from govern.errors import ExitStatus


@click.command()
@click.argument("planfile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@limit_options
@click.pass_obj
def apply(
    app: App,
    planfile: Path,
    auto_approve: bool,
    max_changes: int | None,
    max_removed_share: float | None,
) -> int:
    """Apply a plan file; applying it again resumes an interrupted run."""
    from govern.migrate.planfile import is_migration

    if is_migration(planfile):  # `govern migrate -o FILE` wrote it (issue 16)
        from govern.cli.migrate import apply_file

        return apply_file(app, planfile, auto_approve, max_changes)
    from govern.model import Plan
    from govern.plan import planfile as files
    from govern.plan import summary
    from govern.plan.apply import apply_plan
    from govern.plan.journal import RunKind

    plan = files.read(planfile)
    options = apply_options(app, max_changes, max_removed_share, RunKind.APPLY)
    ask = confirmer(auto_approve)
    names = names_for(app, plan)

    def confirm(p: Plan) -> bool:
        if not auto_approve:
            click.echo(summary.render(p, names), nl=False)
        return ask(p)

    report = apply_plan(
        app.store,
        plan,
        app.connector,
        options,
        source=str(planfile),
        confirm=confirm,
        log=lambda m: click.echo(m, err=True),
        names=names,
    )
    if report is None:
        click.echo("Apply cancelled; nothing changed.", err=True)
        return int(ExitStatus.OK)
    if report.already_applied:
        click.echo(f"{planfile}: already applied in run {report.run.id}; nothing to do.", err=True)
        return int(ExitStatus.OK)
    echo_report(report, names)
    from govern.plan.journal import RunStatus

    return int(ExitStatus.OK if report.status is RunStatus.APPLIED else ExitStatus.ERROR)

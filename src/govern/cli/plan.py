"""``govern plan``: the changes the policies ask for, for review, optionally as a plan file."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli.app import App
from govern.cli.options import format_option
from govern.errors import ExitStatus


@click.command()
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the plan file here, for `govern apply PLANFILE`.",
)
@click.option("--connector", "names", multiple=True, help="Only this connector (repeatable).")
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes, 0 when none."
)
@format_option("table", "json")
@click.pass_obj
def plan(
    app: App, out: Path | None, names: tuple[str, ...], detailed_exitcode: bool, fmt: str | None
) -> int:
    """Compute changes from the latest inventory and the policies; people read a summary."""
    from govern.model import utcnow
    from govern.plan import planfile, summary
    from govern.plan.build import build_plan

    supported = {
        n: cls.supported_actions
        for n, cls in app.registry.connectors.items()
        if not names or n in names
    }
    from govern.progress import Progress

    store = app.inventory_store
    with Progress() as progress:
        progress.phase("planning")
        built = build_plan(
            store,
            app.settings.values.policies_dir,
            now=utcnow(),
            connectors=list(names) or None,
            supported=supported,
        )
    if out is not None:
        planfile.write(built.plan, out)
    if app.format(fmt) == "json":
        click.echo(planfile.dumps(built.plan), nl=False)
    else:
        click.echo(summary.render(built.plan, built.names, built.notes), nl=False)
    if out is not None:
        click.echo(f"Plan written to {out}; apply it with `govern apply {out}`.", err=True)
    if detailed_exitcode and built.plan.changes:
        return int(ExitStatus.CHANGES)
    return int(ExitStatus.OK)

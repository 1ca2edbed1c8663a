"""``govern rollback RUN -o PLANFILE``: the reverse plan of a run, to review and apply."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli._plans import names_for
from govern.cli.app import App


@click.command()
@click.argument("run_id")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the reverse plan here; apply it with `govern apply`.",
)
@click.pass_obj
def rollback(app: App, run_id: str, out: Path) -> None:
    """Write the plan that undoes what run RUN did; nothing changes until it is applied."""
    from govern.model import utcnow
    from govern.plan import planfile, summary
    from govern.plan.rollback import rollback_plan
    from govern.policy.repo import revision

    plan, notes = rollback_plan(
        app.inventory_store, run_id, policy=revision(app.settings.values.policies_dir), now=utcnow()
    )
    planfile.write(plan, out)
    click.echo(summary.render(plan, names_for(app, plan), notes), nl=False)
    click.echo(f"Reverse plan written to {out}; review it, then `govern apply {out}`.", err=True)

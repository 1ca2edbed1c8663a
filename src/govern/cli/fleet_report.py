"""``govern report fleet``: the roll-up across every tenant of the fleet."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli.app import App
from govern.cli.fleet import FLEET_OPTION, load
from govern.cli.formats import OUTPUT, emit


@click.command("fleet")
@FLEET_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json", "html"]),
    default="markdown",
    show_default=True,
)
@OUTPUT
@click.option(
    "--policies",
    "policies_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Base policies with thresholds.yaml (default: the fleet's or the policies_dir setting).",
)
@click.pass_obj
def fleet_report(
    app: App, fleet_file: Path | None, fmt: str, output: Path | None, policies_dir: Path | None
) -> None:
    """Per tenant: adopt/migrate/archive, findings by severity, last good run, failures.

    Also the shadow apps and external networks found in more than one tenant.
    """
    from govern.fleet.rollup import build_rollup
    from govern.fleet.rollup_formats import FORMATS

    f = load(app, fleet_file)
    policies = policies_dir or f.settings.policies_dir or app.settings.values.policies_dir
    rep = build_rollup(app.store, f, app.registry, policies)
    text = FORMATS[fmt](rep)
    if emit(text, output):
        click.echo(f"wrote {output} ({len(rep.tenants)} tenants)", err=True)
    failing = [t.tenant for t in rep.tenants if t.failures]
    if failing:
        click.echo(
            f"warning: tenants with failures since their last success: {', '.join(failing)}",
            err=True,
        )

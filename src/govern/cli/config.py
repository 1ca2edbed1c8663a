"""``govern config show``: the effective settings, secrets masked, with where each came from."""

from __future__ import annotations

import click

from govern.cli.app import App
from govern.output import render


@click.group()
def config() -> None:
    """Inspect govern's settings."""


@config.command("show")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None)
@click.pass_obj
def show(app: App, fmt: str | None) -> None:
    """Print every effective setting, its value (secrets masked) and its source."""
    rows = [
        {"setting": v.name, "value": v.value, "source": v.source, "secret": v.secret}
        for v in app.settings.explain()
    ]
    click.echo(render(rows, ["setting", "value", "source"], app.format(fmt)), nl=False)

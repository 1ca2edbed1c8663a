"""``govern config show``: the effective settings, secrets masked, with where each came from."""

from __future__ import annotations

import click

from govern.cli.app import App
from govern.cli.options import DATA_FORMATS, format_option
from govern.output import render


@click.group()
def config() -> None:
    """Inspect govern's settings."""


@config.command("show")
@format_option(*DATA_FORMATS)
@click.pass_obj
def show(app: App, fmt: str | None) -> None:
    """Print every effective setting, its value (secrets masked) and its source."""
    from govern.cli._plans import actor

    rows = [
        {"setting": v.name, "value": v.value, "source": v.source, "secret": v.secret}
        for v in app.settings.explain()
    ]
    # Settings left unset still have an effective value: show it, and where it comes from.
    derived = {
        "store_url": (
            _masked(app.settings.values.database_url()),
            "default: an SQLite file under store_dir",
        ),
        "plan.actor": (actor(app), "default: the login name @ this host"),
    }
    for row in rows:
        if row["setting"] in derived and row["source"] == "default":
            row["value"], row["source"] = derived[str(row["setting"])]
    click.echo(render(rows, ["setting", "value", "source"], app.format(fmt)), nl=False)


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

"""``govern connectors``: what is installed, what it can do and which permissions it needs."""

from __future__ import annotations

import click

from govern.cli.app import App
from govern.cli.options import DATA_FORMATS, format_option
from govern.output import render


@click.command()
@format_option(*DATA_FORMATS)
@click.pass_obj
def connectors(app: App, fmt: str | None) -> None:
    """List installed connectors, their capabilities and the least-privilege permissions needed."""
    rows = []
    for name, cls in sorted(app.registry.connectors.items()):
        for perm in cls.permissions or ():
            rows.append(
                {
                    "connector": name,
                    "title": cls.title,
                    "capability": perm.capability.value,
                    "permission": perm.name,
                    "purpose": perm.purpose,
                    "settings": sorted(cls.settings_model.model_fields),
                }
            )
        if not cls.permissions:
            rows.append(
                {
                    "connector": name,
                    "title": cls.title,
                    "capability": ", ".join(c.value for c in cls.capabilities()),
                    "permission": "",
                    "purpose": "",
                    "settings": sorted(cls.settings_model.model_fields),
                }
            )
    cols = ["connector", "capability", "permission", "purpose"]
    click.echo(render(rows, cols, app.format(fmt), title="Installed connectors"), nl=False)

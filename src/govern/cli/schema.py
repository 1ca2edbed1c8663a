"""``govern schema``: the JSON Schema of the data model, for tools that read our JSON."""

from __future__ import annotations

import json

import click


@click.command()
def schema() -> None:
    """Print the JSON Schema of govern's data model (all models, under $defs)."""
    from govern.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2))

"""``govern init``: write a starter policy repository for a company to own."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", required=False, default="policies", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(directory: Path, force: bool) -> None:
    """Write the default policies (model, rules, classification, tests) into DIRECTORY."""
    from govern.policy.starter import init as write

    written = write(directory, force=force)
    for path in written:
        click.echo(str(path))
    click.echo(
        f"wrote {len(written)} files to {directory}; next: `govern policy validate {directory}` "
        f"and `govern policy test {directory}`, then commit them to git",
        err=True,
    )

"""``govern demo``: the whole story on the embedded sandbox organisation."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli.app import App


@click.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("govern-demo"),
    show_default=True,
    help="Folder for the store, the reports and the plan (a previous demo's is replaced; "
    "any other non-empty folder is refused).",
)
@click.option(
    "--size",
    type=click.Choice(["tiny", "demo", "large"]),
    default="demo",
    show_default=True,
    help="Size of the simulated organisation.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated organisation.")
@click.option(
    "--days", default=30, show_default=True, help="Days of simulated time to move forward."
)
@click.pass_obj
def demo(app: App, out_dir: Path, size: str, seed: int, days: int) -> None:
    """Generate a company, serve it as Graph and Confluence, discover, audit, report and plan."""
    from govern.demo import check_out_dir, run_demo

    check_out_dir(out_dir)  # before the registry and the policies load: fail fast
    policies = app.settings.values.policies_dir
    result = run_demo(
        app.registry,
        out_dir,
        size=size,
        seed=seed,
        days=days,
        policies_dir=policies if (policies / "model.conf").is_file() else None,
        say=lambda m: click.echo(m, err=True),
    )
    click.echo(
        f"\nDone in {result.seconds:.0f} s: {result.snapshots} snapshots, "
        f"{result.findings} findings, {result.changes} planned changes."
    )
    for label, path in sorted(result.files.items()):
        click.echo(f"  {label:9} {path}")
    click.echo(
        f"\nOpen {result.files.get('html')} in a browser. Review the plan with "
        f"`cat {out_dir / 'plan.txt'}`. Explore it with the policies it used:\n"
        f"  export GOVERN_STORE_URL=sqlite:///{out_dir / 'inventory.db'}\n"
        f"  export GOVERN_POLICIES_DIR={out_dir / 'policies'}\n"
        f"  govern inventory list"
    )

"""``govern discover``: read the configured tools into the inventory store."""

from __future__ import annotations

from typing import Any

import click

from govern.cli.app import App
from govern.cli.options import DATA_FORMATS, format_option
from govern.output import render


@click.command()
@click.option(
    "--connector",
    "names",
    multiple=True,
    help="Only this connector (repeatable); default: every configured one.",
)
@click.option(
    "--full", is_flag=True, help="Read everything even if an incremental run is possible."
)
@format_option(*DATA_FORMATS)
@click.pass_obj
def discover(app: App, names: tuple[str, ...], full: bool, fmt: str | None) -> None:
    """Discover communities, people, grants and activity; write one snapshot per scope."""
    from govern.discovery import run_discovery
    from govern.policy.groups import directory_group_names

    # The directory groups the policies name (the steward pool, ...): their memberships are read.
    named = directory_group_names(app.settings.values.policies_dir)
    from govern.progress import Progress

    wanted = app.configured(names)
    rows: list[dict[str, Any]] = []
    outcomes = []
    with Progress() as progress:
        for name in wanted:
            outcomes.append(
                run_discovery(
                    app.store,
                    app.connector(name),
                    full=full,
                    log=progress.log,
                    progress=progress,
                    directory_groups=named,
                )
            )
    for name, outcome in zip(wanted, outcomes, strict=True):
        snap = outcome.snapshot
        rows.append(
            {
                "connector": name,
                "scope": snap.scope,
                "snapshot": snap.seq,
                "mode": snap.mode,
                "complete": snap.complete,
                "communities": snap.count("communities"),
                "principals": snap.count("principals"),
                "grants": snap.count("grants"),
                "requests": snap.stats.get("requests"),
                "seconds": round(outcome.seconds, 1),
                "incomplete": snap.incomplete,
                "stats": snap.stats,
            }
        )
    cols = [
        "connector",
        "scope",
        "snapshot",
        "mode",
        "complete",
        "communities",
        "grants",
        "requests",
        "seconds",
    ]
    click.echo(render(rows, cols, app.format(fmt), title="Discovery"), nl=False)
    for row in rows:
        for part in row["incomplete"]:
            click.echo(f"incomplete: {row['connector']}: {part}", err=True)
    from govern.cli.people import apply_retention

    apply_retention(app)  # retention_days: prune snapshots past the retention period

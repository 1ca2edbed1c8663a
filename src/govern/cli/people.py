"""``govern inventory forget | export-person | erasures | prune``: people's data and retention."""

from __future__ import annotations

import json
from pathlib import Path

import click

from govern.cli.app import App
from govern.errors import ConfigError


@click.command("forget")
@click.argument("person")
@click.option("--reason", default="", help="Why (e.g. a request reference); kept in the audit.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def forget(app: App, person: str, reason: str, yes: bool) -> None:
    """Erase PERSON (an email or a principal id) from the inventory and its history.

    Their ids become anonymous ones everywhere (grants, adds, communities they created, posts,
    plans and journal), so counts stay right; the erasure is kept in the audit trail
    (`govern inventory erasures`) without the person. Irreversible.
    """
    from govern.cli._plans import actor
    from govern.privacy.forget import forget as erase

    if not yes:
        click.confirm(f"erase {person} from {app.store.where} for good?", abort=True, err=True)
    done = erase(app.store, person, actor(app), reason)
    rows = ", ".join(f"{n} {table}" for table, n in done.rows.items() if n)
    click.echo(
        f"forgot {len(done.principals)} account(s) of {person} (erasure token {done.token}): "
        f"rewrote {rows or 'no other rows'}; a person still in a tool returns on the next "
        "discovery: remove them there first",
        err=True,
    )


@click.command("export-person")
@click.argument("person")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON to this file (0600) instead of stdout.",
)
@click.pass_obj
def export_person(app: App, person: str, output: Path | None) -> None:
    """Everything the inventory keeps about PERSON (an email or a principal id), as JSON."""
    from govern.privacy.export import export_person as export

    text = json.dumps(export(app.store, person), indent=2, default=str) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.touch(mode=0o600, exist_ok=True)
    output.chmod(0o600)  # personal data: readable by the owner only
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@click.command("erasures")
@click.pass_obj
def erasures(app: App) -> None:
    """The audit trail of `govern inventory forget`: when, by whom, how many rows."""
    from govern.output import render
    from govern.privacy.forget import erasures as trail

    rows = [
        {**r, "rows": ", ".join(f"{n} {t}" for t, n in r["rows"].items() if n)}
        for r in trail(app.store)
    ]
    cols = ["at", "actor", "token", "principals", "rows", "reason"]
    click.echo(render(rows, cols, app.format(), title="Erasures"), nl=False)


@click.command("prune")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep this many days of history (default: the retention_days setting).",
)
@click.option("--dry-run", is_flag=True, help="Say what would go; change nothing.")
@click.pass_obj
def prune(app: App, days: int | None, dry_run: bool) -> None:
    """Drop snapshots older than the retention period, and the history only they held."""
    from govern.privacy.retention import prune as cut

    keep = days or app.settings.values.retention_days
    if keep is None:
        raise ConfigError(
            "no retention period: set retention_days in govern.toml (or GOVERN_RETENTION_DAYS), "
            "or pass --days"
        )
    done = cut(app.store, keep, dry_run=dry_run)
    rows = ", ".join(f"{n} {t}" for t, n in done.rows.items() if n) or "no history rows"
    verb = "would drop" if dry_run else "dropped"
    click.echo(f"{verb} {done.snapshots} snapshots older than {keep} days and {rows}", err=True)


COMMANDS = (forget, export_person, erasures, prune)


def apply_retention(app: App) -> None:
    """After a discovery: drop snapshots past ``retention_days`` when it is set."""
    keep = app.settings.values.retention_days
    if keep is None:
        return
    from govern.privacy.retention import prune as cut

    done = cut(app.store, keep)
    if done.snapshots:
        click.echo(
            f"retention: dropped {done.snapshots} snapshots older than {keep} days", err=True
        )

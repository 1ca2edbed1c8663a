"""``govern inventory``: communities now, one community in detail, its history, and diffs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import click

from govern.cli.app import App
from govern.output import render, render_object

FMT = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None)


@click.group()
def inventory() -> None:
    """Browse the inventory store."""


@inventory.command("list")
@click.option("--connector", help="Only this connector's communities.")
@click.option("--kind", help="Only communities of this kind (team, group, space, ...).")
@click.option("--origin", help="Only this origin (self-service, it-provisioned, ...).")
@FMT
@click.pass_obj
def list_(
    app: App, connector: str | None, kind: str | None, origin: str | None, fmt: str | None
) -> None:
    """List current communities with their owners, members and guests."""
    from govern.store import queries

    counts = queries.grant_counts(app.store, connector=connector)
    rows: list[dict[str, Any]] = []
    for c in queries.communities(app.store, connector=connector):
        if (kind and c.kind != kind) or (origin and c.origin.value != origin):
            continue
        n = counts.get(c.id) or Counter()
        rows.append(
            {
                "id": c.id,
                "path": c.path,
                "kind": c.kind,
                "name": c.name,
                "visibility": c.visibility,
                "label": c.sensitivity_label,
                "origin": c.origin,
                "lifecycle": c.lifecycle,
                "owners": n.get("owner", 0),
                "members": n.get("member", 0),
                "guests": n.get("guests", 0),
                "last_activity": c.last_activity_at,
            }
        )
    rows.sort(key=lambda r: (-r["members"], r["path"]))
    cols = ["path", "kind", "origin", "label", "owners", "members", "guests", "last_activity"]
    click.echo(render(rows, cols, app.format(fmt), title="Communities"), nl=False)


@inventory.command("show")
@click.argument("community_id")
@FMT
@click.pass_obj
def show(app: App, community_id: str, fmt: str | None) -> None:
    """Show one community and who holds which role in it."""
    from govern.store import queries

    c = queries.community(app.store, community_id)
    grants = sorted(queries.grants(app.store, community_id=community_id), key=lambda g: g.key)
    f = app.format(fmt)
    if f == "table":
        click.echo(render_object(c, f), nl=False)
        rows = [
            {"principal": g.principal_id, "role": g.role, "since": g.since, "added_by": g.added_by}
            for g in grants
        ]
        click.echo(
            render(rows, ["principal", "role", "since", "added_by"], f, title="Grants"), nl=False
        )
    elif f == "json":
        click.echo(render_object({"community": c, "grants": grants}, f), nl=False)
    else:
        rows = [g.model_dump(mode="json") for g in grants]
        click.echo(
            render(rows, ["community_id", "principal_id", "role", "since", "added_by"], f), nl=False
        )


@inventory.command("history")
@click.argument("community_id")
@FMT
@click.pass_obj
def history(app: App, community_id: str, fmt: str | None) -> None:
    """Owners, members, guests and activity of one community at every snapshot."""
    from govern.store import queries

    h = queries.community_history(app.store, community_id)
    rows = []
    for p in h.points:
        d30 = p.activity.get("D30")
        rows.append(
            {
                "snapshot": p.seq,
                "at": p.at,
                "present": p.present,
                "owners": p.owners,
                "members": p.members,
                "guests": p.guests,
                "active_users_d30": d30.active_users if d30 else None,
            }
        )
    cols = ["snapshot", "at", "present", "owners", "members", "guests", "active_users_d30"]
    click.echo(
        render(rows, cols, app.format(fmt), title=f"History of {h.community.path}"), nl=False
    )


@inventory.command("snapshots")
@click.option("--connector", help="Only this connector's snapshots.")
@FMT
@click.pass_obj
def snapshots(app: App, connector: str | None, fmt: str | None) -> None:
    """List discovery snapshots, oldest first."""
    rows = [
        {
            "seq": s.seq,
            "id": s.id,
            "connector": s.connector,
            "scope": s.scope,
            "mode": s.mode,
            "at": s.at,
            "complete": s.complete,
            "incomplete": s.incomplete,
        }
        for s in app.store.snapshots(connector=connector)
    ]
    cols = ["seq", "connector", "scope", "mode", "at", "complete", "incomplete"]
    click.echo(render(rows, cols, app.format(fmt), title="Snapshots"), nl=False)


@inventory.command("diff")
@click.argument("before")
@click.argument("after")
@FMT
@click.pass_obj
def diff(app: App, before: str, after: str, fmt: str | None) -> None:
    """What changed between two snapshots (ids or seq numbers) of one scope."""
    from govern.store import queries

    d = queries.diff(app.store, app.store.snapshot_by_id(before), app.store.snapshot_by_id(after))
    rows: list[dict[str, object]] = []
    for what, items in (
        ("community added", d.communities_added),
        ("community removed", d.communities_removed),
        ("community changed", d.communities_changed),
        ("principal added", d.principals_added),
        ("principal removed", d.principals_removed),
    ):
        rows += [{"change": what, "community": i, "principal": "", "role": ""} for i in items]
    for what, keys in (("grant added", d.grants_added), ("grant removed", d.grants_removed)):
        rows += [{"change": what, "community": c, "principal": p, "role": r} for c, p, r in keys]
    title = f"Changes from snapshot {d.before.seq} to {d.after.seq}"
    click.echo(
        render(rows, ["change", "community", "principal", "role"], app.format(fmt), title=title),
        nl=False,
    )


def _open(path: str, mode: str) -> Any:
    """A text stream for FILE: ``-`` is stdin/stdout; ``.gz`` is gzip-compressed."""
    import gzip

    if path == "-":
        return click.open_file("-", mode)
    if path.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


@inventory.command("export")
@click.argument("file")
@click.option("--connector", help="Only this connector's scopes.")
@click.pass_obj
def export(app: App, file: str, connector: str | None) -> None:
    """Write the latest state of every scope to FILE (JSON lines; .gz compresses; - stdout).

    For CI jobs that review policy changes without access to the tools or the shared store:
    `govern inventory import FILE` reads it back. No secrets or delta tokens are written.
    """
    from govern.store.portable import export_inventory

    with _open(file, "w") as out:
        counts = export_inventory(app.store, out, connector=connector)
    for scope, n in counts.by_scope.items():
        click.echo(
            f"{scope}: {n['principal']} principals, {n['community']} communities, "
            f"{n['grant']} grants, {n['membership']} memberships, {n['activity']} activity reports",
            err=True,
        )


@inventory.command("import")
@click.argument("file")
@click.pass_obj
def import_(app: App, file: str) -> None:
    """Read an exported inventory FILE (.gz, - stdin) into the store: one snapshot per scope.

    The whole file is checked first; an error names its line and nothing is written.
    """
    from govern.store.portable import import_inventory

    if file == "-":
        # Import reads the file twice (check, then write): keep stdin's lines.
        import sys

        kept = sys.stdin.readlines()
        snaps = import_inventory(app.store, lambda: iter(kept), name="<stdin>")
    else:

        def lines() -> Iterator[str]:
            with _open(file, "r") as f:
                yield from f

        snaps = import_inventory(app.store, lines, name=file)
    for snap in snaps:
        stats = snap.stats
        click.echo(
            f"{snap.connector}/{snap.scope}: snapshot {snap.seq} as of {snap.at:%Y-%m-%d %H:%M} "
            f"({stats.get('principals_seen', 0)} principals, "
            f"{stats.get('communities_seen', 0)} communities, "
            f"{stats.get('grants_seen', 0)} grants)",
            err=True,
        )


def _people_commands() -> None:
    # People's data and retention live in their own module (src/govern/cli/people.py).
    from govern.cli.people import COMMANDS

    for command in COMMANDS:
        inventory.add_command(command)


_people_commands()

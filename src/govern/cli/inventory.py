"""``govern inventory``: communities now, one community in detail, its history, and diffs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from govern.cli.app import App
from govern.cli.options import DATA_FORMATS, format_option
from govern.output import render, render_object

FMT = format_option(*DATA_FORMATS)


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
    from govern.model import Role
    from govern.store import queries

    counts = queries.grant_counts(app.inventory_store, connector=connector)
    rows: list[dict[str, Any]] = []
    for c in queries.communities(app.inventory_store, connector=connector):
        if (kind and c.kind != kind) or (origin and c.origin.value != origin):
            continue
        n = counts.get(c.id) or queries.GrantCounts()
        rows.append(
            {
                "id": c.id,
                "path": c.path,
                "kind": c.kind,
                "name": c.name,
                "visibility": c.visibility,
                "sensitivity_label": c.sensitivity_label,
                "origin": c.origin,
                "lifecycle": c.lifecycle,
                "owners": n.of(Role.OWNER),
                "members": n.of(Role.MEMBER),
                "guests": n.guests,
                "last_activity_at": c.last_activity_at,
            }
        )
    rows.sort(key=lambda r: (-r["members"], r["path"]))
    f = app.format(fmt)
    # Field names as in `govern schema` (Community); people read paths, tools get ids too.
    cols = ["path", "kind", "origin", "sensitivity_label", "owners", "members", "guests"]
    cols.append("last_activity_at")
    if f == "csv":
        cols.insert(0, "id")
    click.echo(render(rows, cols, f, title="Communities"), nl=False)


@inventory.command("show")
@click.argument("community")
@FMT
@click.pass_obj
def show(app: App, community: str, fmt: str | None) -> None:
    """Show one community (by id or path) and who holds which role in it."""
    from govern.store import queries

    store = app.inventory_store
    community_id = queries.community_id_for(store, community)
    c = queries.community(store, community_id)
    grants = sorted(queries.grants(store, community_id=community_id), key=lambda g: g.key)
    who = queries.principal_labels(
        store, [g.principal_id for g in grants] + [g.added_by for g in grants if g.added_by]
    )
    rows = [
        {
            **g.model_dump(mode="json"),
            "principal": who.get(g.principal_id, g.principal_id),
            "added_by_name": who.get(g.added_by, g.added_by) if g.added_by else None,
        }
        for g in grants
    ]
    f = app.format(fmt)
    if f == "table":
        click.echo(render_object(c, f), nl=False)
        cols = ["principal", "role", "since", "added_by_name"]
        click.echo(render(rows, cols, f, title="Grants"), nl=False)
    elif f == "json":
        click.echo(render_object({"community": c, "grants": rows}, f), nl=False)
    else:
        cols = ["community_id", "principal_id", "principal", "role", "since", "added_by"]
        click.echo(render(rows, cols, f), nl=False)


@inventory.command("history")
@click.argument("community")
@FMT
@click.pass_obj
def history(app: App, community: str, fmt: str | None) -> None:
    """Owners, members, guests and activity of one community (by id or path) at every snapshot."""
    from govern.store import queries

    store = app.inventory_store
    h = queries.community_history(store, queries.community_id_for(store, community))
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
        for s in app.inventory_store.snapshots(connector=connector)
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

    store = app.inventory_store
    d = queries.diff(store, store.snapshot_by_id(before), store.snapshot_by_id(after))
    grants = [*d.grants_added, *d.grants_removed]
    paths = queries.community_paths(
        store,
        [*d.communities_added, *d.communities_removed, *d.communities_changed]
        + [c for c, _, _ in grants],
    )
    people = queries.principal_labels(
        store, [*d.principals_added, *d.principals_removed] + [p for _, p, _ in grants]
    )
    rows: list[dict[str, object]] = []

    def row(what: str, cid: str | None, pid: str | None, role: str | None) -> dict[str, object]:
        return {
            "change": what,
            "community": paths.get(cid, cid) if cid else None,
            "principal": people.get(pid, pid) if pid else None,
            "role": role,
            "community_id": cid,
            "principal_id": pid,
        }

    for what, items in (
        ("community added", d.communities_added),
        ("community removed", d.communities_removed),
        ("community changed", d.communities_changed),
    ):
        rows += [row(what, i, None, None) for i in items]
    for what, items in (
        ("principal added", d.principals_added),
        ("principal removed", d.principals_removed),
    ):
        rows += [row(what, None, i, None) for i in items]
    for what, keys in (("grant added", d.grants_added), ("grant removed", d.grants_removed)):
        rows += [row(what, c, p, r) for c, p, r in keys]
    title = f"Changes from snapshot {d.before.seq} to {d.after.seq}"
    f = app.format(fmt)
    cols = ["change", "community", "principal", "role"]
    if f == "csv":
        cols += ["community_id", "principal_id"]
    click.echo(render(rows, cols, f, title=title), nl=False)


def _open(path: str, mode: str) -> Any:
    """A text stream for FILE: ``-`` is stdin/stdout; ``.gz`` is gzip-compressed."""
    import gzip
    import io

    if path == "-":
        return click.open_file("-", mode)
    if "w" in mode:
        from govern.private import open_private

        # An export is the whole inventory: owner-only, like the store it came from.
        raw = open_private(Path(path), "wb")
        if path.endswith(".gz"):
            return io.TextIOWrapper(gzip.GzipFile(fileobj=raw, mode="wb"), encoding="utf-8")
        return io.TextIOWrapper(raw, encoding="utf-8")
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
        counts = export_inventory(app.inventory_store, out, connector=connector)
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
            import zlib

            from govern.errors import StoreError

            # A truncated or mislabelled file fails while it is read: one line naming it.
            try:
                with _open(file, "r") as f:
                    yield from f
            except FileNotFoundError:
                raise StoreError(f"{file}: no such file; give the path of an export") from None
            except (EOFError, zlib.error, OSError) as exc:  # gzip.BadGzipFile is an OSError
                reason = "truncated" if isinstance(exc, EOFError) else exc
                raise StoreError(
                    f"{file}: cannot read the export ({reason}); a .gz name needs a complete "
                    f"gzip file: export it again"
                ) from None
            except UnicodeDecodeError as exc:
                raise StoreError(
                    f"{file}: not UTF-8 text at byte {exc.start}; is it a govern export "
                    f"(compressed ones end in .gz)?"
                ) from None

        snaps = import_inventory(app.store, lines, name=file)
    for snap in snaps:
        click.echo(
            f"{snap.connector}/{snap.scope}: snapshot {snap.seq} as of {snap.at:%Y-%m-%d %H:%M} "
            f"({snap.count_text('principals')} principals, "
            f"{snap.count_text('communities')} communities, "
            f"{snap.count_text('grants')} grants)",
            err=True,
        )


def _people_commands() -> None:
    # People's data and retention live in their own module (src/govern/cli/people.py).
    from govern.cli.people import COMMANDS

    for command in COMMANDS:
        inventory.add_command(command)


_people_commands()

"""``govern migrate COMMUNITY -o migration.json`` plans a migration.

``govern migrate status`` shows where its runs stand. ``govern apply migration.json`` carries a
plan out (this module's :func:`apply_file`, called by ``govern apply`` for a migration plan).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govern.cli.app import App
from govern.errors import ConfigError, ExitStatus, PlanError

if TYPE_CHECKING:
    from govern.migrate.model import MigrationPlan


@click.command(context_settings={"ignore_unknown_options": False})
@click.argument("community")
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the migration plan here, for `govern apply PLANFILE`.",
)
@click.option(
    "--to",
    "target",
    default=None,
    help="Slack: name of the team to create (default: the source's). App: the team people move "
    "to. Confluence personal space: key of the team space to create.",
)
@click.option(
    "--fallback-author",
    default=None,
    help="Tenant account (email) that imports messages of people with no account.",
)
@click.option(
    "--owner",
    "owners",
    multiple=True,
    help="Owner of the new team (email) or space (username); repeatable.",
)
@click.option(
    "--import-rps",
    type=click.FloatRange(0.1, 1000),
    default=5.0,
    show_default=True,
    help="Message imports per second per channel (Graph allows 5).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None)
@click.pass_obj
def migrate(
    app: App,
    community: str,
    planfile: Path | None,
    out: Path | None,
    target: str | None,
    fallback_author: str | None,
    owners: tuple[str, ...],
    import_rps: float,
    fmt: str | None,
) -> int:
    """Plan moving COMMUNITY into the sanctioned tool, for review, as a plan file.

    A Slack workspace or channel moves to a Teams team, history included. A Confluence personal
    space moves to a team space (--to KEY), its pages copied with their tree. An unsanctioned app
    (m365 app) moves to the team or group named by --to: its users' consents are revoked once
    they are members there. COMMUNITY is an id, path or name from `govern inventory list`.
    `govern migrate status [PLANFILE]` shows the progress of migration runs instead.
    """
    if community == "status":
        return _status(app, planfile, fmt)
    from govern.migrate import planfile as files
    from govern.migrate import render
    from govern.migrate.slack_teams import Request, plan_slack_to_teams

    found = _community(app, community)
    if found.id.startswith("m365:app:"):
        from govern.migrate.app_consents import plan_app_consents

        if target is None:
            raise PlanError(
                f"{found.path}: name the team or group people move to with --to "
                "(its id, path or name from `govern inventory list`)"
            )
        plan = plan_app_consents(found, _community(app, target), _settings(app, "m365"))
    elif found.connector == "slack":
        request = Request(found.id, target, fallback_author, owners, import_rps)
        plan = plan_slack_to_teams(
            request,
            _settings(app, "slack"),
            _settings(app, "m365"),
            source_path=found.path,
            teams_of=_teams_per_person(app),
        )
    elif found.connector == "confluence" and found.path.rsplit("/", 1)[-1].startswith("~"):
        from govern.migrate.confluence_space import SpaceRequest, plan_confluence_space

        key = found.path.rsplit("/", 1)[-1]
        space = SpaceRequest(found.id, key, target, owners=owners)
        plan = plan_confluence_space(space, _settings(app, "confluence"), found.path)
    else:
        raise PlanError(
            f"{found.path}: govern migrate moves Slack workspaces and channels to Teams, "
            "Confluence personal spaces to a team space, and the users of an unsanctioned app "
            f"to a team; not {found.connector} {found.kind}"
        )
    if out is not None:
        files.write(plan, out)
    if app.format(fmt) == "json":
        click.echo(files.dumps(plan), nl=False)
    else:
        click.echo(render.review(plan), nl=False)
    if out is not None:
        click.echo(
            f"Migration plan written to {out}; apply it with `govern apply {out}`.", err=True
        )
    return int(ExitStatus.CHANGES if plan.review.blocking else ExitStatus.OK)


def _settings(app: App, name: str) -> Any:
    conf = app.settings.connector(name)
    if conf is None:
        raise ConfigError(
            f"migrating needs the {name} connector: add a [{name}] table to govern.toml or set "
            f"GOVERN_{name.upper()}__* variables (`govern connectors` lists settings)"
        )
    return conf


def _community(app: App, key: str) -> Any:
    from govern.store import queries

    matches = [c for c in queries.communities(app.store) if key in (c.id, c.path) or c.name == key]
    if not matches:
        raise PlanError(
            f"community {key!r} is not in the inventory; run `govern discover`, then "
            "`govern inventory list` shows ids and paths"
        )
    if len(matches) > 1:
        paths = ", ".join(sorted(c.path for c in matches)[:5])
        raise PlanError(f"community {key!r} names several ({paths}); give its id or path")
    return matches[0]


def _teams_per_person(app: App) -> dict[str, int]:
    """How many teams each directory user is in, from the inventory (for Teams' limit)."""
    from govern.store import queries

    out: dict[str, int] = {}
    for community_id, principal_id, *_ in queries.grant_rows(app.store, connector="m365"):
        if community_id.startswith("m365:team:") and principal_id.startswith("m365:user:"):
            uid = principal_id.split(":", 2)[2]
            out[uid] = out.get(uid, 0) + 1
    return out


def _open_tools(app: App) -> Any:
    def open_tools(plan: MigrationPlan) -> tuple[Any, Any]:
        if plan.source.tool == "confluence":
            from govern_confluence.migration import SpaceMover

            return None, SpaceMover(_settings(app, "confluence"))
        if plan.source.tool != "slack":
            return _settings(app, "m365"), None
        from govern_slack import export

        slack = export.open_api(_settings(app, "slack"), str(plan.options["team_id"]))
        return _settings(app, "m365"), slack

    return open_tools


def apply_file(app: App, path: Path, auto_approve: bool, max_changes: int | None) -> int:
    """Apply a migration plan file (what `govern apply` does with one)."""
    from govern.cli._plans import actor
    from govern.migrate import planfile as files
    from govern.migrate import render
    from govern.migrate.run import RunOptions, apply_migration

    plan = files.read(path)
    conf = app.settings.values.plan
    options = RunOptions(
        max_changes=max_changes or conf.max_changes,
        max_age=timedelta(hours=conf.max_age_hours),
        actor=actor(app),
    )

    def confirm(p: MigrationPlan) -> bool:
        if auto_approve:
            return True
        import sys

        if not sys.stdin.isatty():
            raise PlanError(
                "no terminal to confirm on; review the migration plan and pass --auto-approve "
                "to apply it without a question"
            )
        click.echo(render.review(p), nl=False)
        answer: str = click.prompt(
            f"\nApply these {len(p.steps)} steps? Only 'yes' will be accepted.",
            default="",
            show_default=False,
        )
        return answer.strip() == "yes"

    report = apply_migration(
        app.store,
        plan,
        _open_tools(app),
        options,
        source=str(path),
        confirm=confirm,
        log=lambda m: click.echo(m, err=True),
    )
    if report is None:
        click.echo("Apply cancelled; nothing changed.", err=True)
        return int(ExitStatus.OK)
    if report.already_applied:
        click.echo(f"{path}: already applied in run {report.run.id}; nothing to do.", err=True)
        return int(ExitStatus.OK)
    s = report.run.summary
    again = f" ({s.get('done_earlier', 0)} in an earlier attempt)" if s.get("done_earlier") else ""
    click.echo(
        f"Run {report.run.id}: {s.get('done', 0)} of {s.get('changes', 0)} steps done{again}, "
        f"{s.get('failed', 0)} failed; `govern migrate status {path}` shows each step.",
        err=True,
    )
    from govern.plan.journal import RunStatus

    return int(ExitStatus.OK if report.status is RunStatus.APPLIED else ExitStatus.ERROR)


def _status(app: App, path: Path | None, fmt: str | None) -> int:
    from govern.migrate import planfile as files
    from govern.migrate import render
    from govern.migrate.run import journal_plan
    from govern.output import render as table
    from govern.plan.journal import Journal

    journal = Journal(app.store)
    if path is None:
        # Migration runs carry no changes nor snapshots, and their plan ids start with "m".
        runs = [r for r in journal.runs(200) if not r.plan.changes and not r.plan.snapshots]
        rows = [
            {
                "run": r.id,
                "plan": r.plan_id,
                "status": r.status.value,
                "steps done": f"{r.summary.get('done', '-')}/{r.summary.get('changes', '-')}",
                "started": r.started_at.isoformat(timespec="seconds"),
            }
            for r in runs
            if r.plan_id.startswith("m")
        ]
        click.echo(
            table(rows, ["run", "plan", "status", "steps done", "started"], app.format(fmt)),
            nl=False,
        )
        return int(ExitStatus.OK)
    plan = files.read(path)
    run = journal.for_plan(journal_plan(plan).id)
    last = journal.last_phases(run.id) if run else {}
    rows = [
        {"step": label, "state": state, "latest": message}
        for label, state, message in render.progress(plan, last)
    ]
    where = f"run {run.id}: {run.status.value}" if run else "not applied yet"
    click.echo(f"{path}: {where}", err=True)
    click.echo(table(rows, ["step", "state", "latest"], app.format(fmt)), nl=False)
    return int(ExitStatus.OK)

"""``govern history [RUN]``: runs, newest first; or one run's journal."""

from __future__ import annotations

from typing import Any

import click

from govern.cli.app import App
from govern.cli.options import DATA_FORMATS, format_option, limit_option
from govern.output import render

# The journal's phases in the words apply and sync print.
_PHASE_WORDS = {"failed": "refused", "skipped": "kept back"}


@click.command()
@click.argument("run_id", required=False)
@limit_option(50, minimum=1)
@format_option(*DATA_FORMATS)
@click.pass_obj
def history(app: App, run_id: str | None, limit: int, fmt: str | None) -> None:
    """List runs (who, when, outcome), or every journal entry of RUN."""
    from govern.plan.journal import Journal

    journal = Journal(app.inventory_store)
    if run_id is None:
        rows: list[dict[str, Any]] = [
            {
                "run": r.id,
                "kind": r.kind.value,
                "status": r.status.value,
                "actor": r.actor,
                "started": r.started_at.isoformat(timespec="seconds"),
                "finished": r.finished_at.isoformat(timespec="seconds") if r.finished_at else "",
                "attempts": r.attempts,
                "changes": len(r.plan.changes),
                "done": r.summary.get("done", ""),
                # The words apply and sync print: refused by the tool, kept back by govern.
                "refused": r.summary.get("failed", ""),
                "kept_back": r.summary.get("skipped", ""),
                "plan": r.plan_id,
            }
            for r in journal.runs(limit)
        ]
        cols = [
            "run",
            "kind",
            "status",
            "actor",
            "started",
            "attempts",
            "changes",
            "done",
            "refused",
            "kept_back",
        ]
        click.echo(render(rows, cols, app.format(fmt), title="Runs"), nl=False)
        return
    from govern.store import queries

    run = journal.get(run_id)
    changes = {c.id: c for c in run.plan.changes}
    entries = journal.entries(run.id)
    wanted = [changes[e.change_id] for e in entries if e.change_id in changes]
    paths = queries.community_paths(app.inventory_store, [c.community_id for c in wanted])
    people = queries.principal_labels(
        app.inventory_store, [c.principal_id for c in wanted if c.principal_id]
    )
    rows = []
    for e in entries:
        c = changes.get(e.change_id)
        rows.append(
            {
                "at": e.at.isoformat(timespec="seconds"),
                "phase": _PHASE_WORDS.get(e.phase.value, e.phase.value),
                "change": e.change_id,
                "action": c.action.value if c else None,
                "community": paths.get(c.community_id) if c else None,
                "community_id": c.community_id if c else None,
                # A visibility or label change has a value, not a principal.
                "principal": people.get(c.principal_id) if c and c.principal_id else None,
                "principal_id": c.principal_id if c else None,
                "value": c.value if c else None,
                "rule_id": c.rule_id if c else None,
                "message": e.message,
                "actor": e.actor,
                "before": e.before,
                "after": e.after,
            }
        )
    cols = ["at", "phase", "action", "community", "principal", "value", "rule_id", "message"]
    title = f"Run {run.id} ({run.status.value}, {run.attempts} attempt(s))"
    click.echo(render(rows, cols, app.format(fmt), title=title), nl=False)

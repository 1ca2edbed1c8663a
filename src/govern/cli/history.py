"""``govern history [RUN]``: runs, newest first; or one run's journal."""

from __future__ import annotations

from typing import Any

import click

from govern.cli.app import App
from govern.output import render


@click.command()
@click.argument("run_id", required=False)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None)
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
                "failed": r.summary.get("failed", ""),
                "skipped": r.summary.get("skipped", ""),
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
            "failed",
            "skipped",
        ]
        click.echo(render(rows, cols, app.format(fmt), title="Runs"), nl=False)
        return
    run = journal.get(run_id)
    changes = {c.id: c for c in run.plan.changes}
    rows = []
    for e in journal.entries(run.id):
        c = changes.get(e.change_id)
        rows.append(
            {
                "at": e.at.isoformat(timespec="seconds"),
                "phase": e.phase.value,
                "change": e.change_id,
                "action": c.action.value if c else "",
                "community": c.community_id if c else "",
                "principal": (c.principal_id or c.value or "") if c else "",
                "rule": c.rule_id if c else "",
                "message": e.message,
                "actor": e.actor,
                "before": e.before,
                "after": e.after,
            }
        )
    cols = ["at", "phase", "action", "community", "principal", "rule", "message"]
    title = f"Run {run.id} ({run.status.value}, {run.attempts} attempt(s))"
    click.echo(render(rows, cols, app.format(fmt), title=title), nl=False)

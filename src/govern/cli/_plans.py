"""What the plan, apply, rollback and sync commands share: limits, options, names, prompts."""

from __future__ import annotations

import getpass
import socket
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from govern.cli.app import App
from govern.errors import PlanError

if TYPE_CHECKING:
    from govern.model import Plan
    from govern.plan.apply import ApplyOptions, ApplyReport
    from govern.plan.journal import RunKind


def limit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-changes`` and ``--max-removed-share``: raise a blast-radius limit for one run."""
    func = click.option(
        "--max-removed-share",
        type=click.FloatRange(0, 1),
        default=None,
        help="Raise the share of a community's members one run may remove ([plan] setting).",
    )(func)
    return click.option(
        "--max-changes",
        type=click.IntRange(1),
        default=None,
        help="Raise the number of changes one run may make ([plan] max_changes).",
    )(func)


def actor(app: App) -> str:
    """Who the journal records: the setting, else user@host."""
    configured = app.settings.values.plan.actor
    if configured:
        return configured
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers; the uid still identifies the run
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def apply_options(
    app: App, max_changes: int | None, max_removed_share: float | None, kind: RunKind
) -> ApplyOptions:
    """Apply options from settings, with limits raised by flags where given."""
    from govern.plan.apply import ApplyOptions
    from govern.plan.limits import Limits
    from govern.policy.repo import revision

    conf = app.settings.values.plan
    return ApplyOptions(
        limits=Limits(
            max_changes=max_changes or conf.max_changes,
            max_removed_share=(
                conf.max_removed_share if max_removed_share is None else max_removed_share
            ),
        ),
        max_age=timedelta(hours=conf.max_age_hours),
        actor=actor(app),
        policy_hash=revision(app.settings.values.policies_dir).content_hash,
        kind=kind,
    )


def names_for(app: App, plan: Plan) -> dict[str, str]:
    """Readable names (community paths, people's emails) for the ids a plan mentions."""
    from govern.plan.names import readable_names

    return readable_names(app.inventory_store, plan.changes)


def confirmer(auto_approve: bool) -> Callable[[Plan], bool]:
    """Terraform's question: only ``yes`` applies. Refuses to guess without a terminal."""

    def confirm(plan: Plan) -> bool:
        if auto_approve:
            return True
        if not sys.stdin.isatty():
            raise PlanError(
                "no terminal to confirm on; review the plan and pass --auto-approve to apply "
                "it without a question"
            )
        click.echo(f"\nApply these {len(plan.changes)} changes? Only 'yes' will be accepted.")
        answer: str = click.prompt("  Enter a value", default="", show_default=False)
        return answer.strip() == "yes"

    return confirm


def echo_report(report: ApplyReport, names: dict[str, str] | None = None) -> None:
    """The run's outcome for people: the problems one per line, then the totals (stderr)."""
    from govern.model import JournalPhase

    known = names or {}
    for o in report.outcomes:
        if o.phase in (JournalPhase.FAILED, JournalPhase.SKIPPED):
            c = o.change
            who = known.get(c.principal_id or "") or c.principal_id or c.value or ""
            where = known.get(c.community_id) or c.community_id
            label = "refused" if o.phase is JournalPhase.FAILED else "kept back"
            click.echo(f"{label}: {c.action.value} {where} {who}: {o.message}", err=True)
    s = report.summary()
    again = f" ({s.done_earlier} in an earlier attempt)" if s.done_earlier else ""
    click.echo(
        f"Run {report.run.id}: {s.done} of {s.changes} changes done{again}, "
        f"{s.failed} refused, {s.skipped} kept back.",
        err=True,
    )

"""Applying a migration plan: checks first, one lock, every step journaled, resumable.

Nothing is written until every check passed: no blocking check in the review, the plan not
older than ``[plan] max_age_hours``, the steps' changes to existing things (members added,
consents revoked) within ``[plan] max_changes``. Then the steps run in the plan's order, each
one's intent journaled before it starts and its result after (the same journal as policy plans:
``govern history`` lists the run). Steps depend on the ones before (no import before the
channel exists, no member before completion), except imports into different channels, which run
side by side (Graph's limit is per channel); the first failure stops the run; applying the
plan again resumes it: done steps are skipped, the step in flight is made again, and each step
finds what an earlier attempt already did, so nothing is created or imported twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from govern.errors import PlanError
from govern.migrate.model import MigrationPlan, Step, StepKind
from govern.model import JournalPhase, Plan, PolicyRevision, utcnow
from govern.plan import lock
from govern.plan.journal import Journal, Run, RunKind, RunStatus
from govern.store import Store

Log = Callable[[str], None]


@dataclass(frozen=True)
class RunOptions:
    """How a migration run is checked and recorded."""

    max_changes: int
    max_age: timedelta
    actor: str
    concurrency: int = 8
    """Requests in flight per channel import."""
    channels_in_parallel: int = 10
    """Channels imported at once (Graph's import limit is 5 requests per second per channel)."""


@dataclass
class Outcome:
    """What became of one step."""

    step_id: str
    label: str
    phase: JournalPhase
    message: str = ""
    earlier: bool = False


@dataclass
class MigrationReport:
    """The result of a migration run."""

    run: Run
    outcomes: list[Outcome] = field(default_factory=list)
    already_applied: bool = False

    @property
    def status(self) -> RunStatus:
        """Applied when every step is done (as the journal's run record says)."""
        return RunStatus.APPLIED if self.already_applied else self.run.status


def journal_plan(plan: MigrationPlan) -> Plan:
    """The record the journal keeps of a migration run (its steps are the journal's entries)."""
    return Plan(
        id=plan.id,
        created_at=plan.created_at,
        policy=PolicyRevision(content_hash=plan.checksum),
        snapshots={},
        changes=[],
    )


def lock_names(plan: MigrationPlan) -> list[str]:
    """One migration of one source at a time."""
    return [f"migrate:{plan.source.id or plan.source.name}"]


def check(plan: MigrationPlan, options: RunOptions, source: str, now: datetime) -> None:
    """Refuse a blocked, stale or over-limit plan, with one line that says what to do."""
    blocking = plan.review.blocking
    if blocking:
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        raise PlanError(
            f"{source}: blocked: {blocking[0].message}{more}; fix it, then plan again with "
            f"`govern migrate {plan.source.id} -o {source}`"
        )
    age = now - plan.created_at
    if age > options.max_age:
        raise PlanError(
            f"{source}: the plan is {age.total_seconds() / 3600:.1f} h old, older than [plan] "
            f"max_age_hours ({options.max_age.total_seconds() / 3600:g} h); plan again with "
            f"`govern migrate {plan.source.id} -o {source}`"
        )
    changes = sum(s.changes for s in plan.steps)
    if changes > options.max_changes:
        raise PlanError(
            f"{source}: {changes} changes to existing things (members added, consents revoked) "
            f"exceed the limit of {options.max_changes} per run ([plan] max_changes); review "
            f"the plan, then raise it with --max-changes {changes}"
        )


def apply_migration(
    store: Store,
    plan: MigrationPlan,
    open_tools: Callable[[MigrationPlan], tuple[Any, Any]],
    options: RunOptions,
    *,
    source: str,
    confirm: Callable[[MigrationPlan], bool] | None = None,
    log: Log | None = None,
    now: datetime | None = None,
) -> MigrationReport | None:
    """Check and apply ``plan``; None when ``confirm`` declined. Resumes an unfinished run.

    ``open_tools(plan)`` returns ``(m365 settings or None, the source tool's client)`` for the
    plan's tools; it is called after the checks so that a blocked plan needs no credentials.
    """
    journal = Journal(store)
    say = log or (lambda _m: None)
    with lock.hold(store, lock_names(plan), f"migrate {plan.id}"):
        existing = journal.for_plan(plan.id)
        if existing is not None and existing.status is RunStatus.APPLIED:
            return MigrationReport(existing, already_applied=True)
        check(plan, options, source, now or utcnow())
        m365, slack = open_tools(plan)
        if confirm is not None and not confirm(plan):
            return None
        run = journal.resume_or_start(
            existing, journal_plan(plan), RunKind.APPLY, options.actor, say
        )
        report = MigrationReport(run)
        asyncio.run(_steps(journal, run, plan, m365, slack, options, report, say))
        status = RunStatus.APPLIED if _all_done(report, plan) else RunStatus.PARTIAL
        journal.finish(run.id, status, _summary(report, plan))
        report.run = journal.get(run.id)
        return report


def _all_done(report: MigrationReport, plan: MigrationPlan) -> bool:
    done = {o.step_id for o in report.outcomes if o.phase is JournalPhase.DONE}
    return all(s.id in done for s in plan.steps)


def _summary(report: MigrationReport, plan: MigrationPlan) -> dict[str, int]:
    return {
        "changes": len(plan.steps),
        "done": sum(1 for o in report.outcomes if o.phase is JournalPhase.DONE),
        "done_earlier": sum(1 for o in report.outcomes if o.earlier),
        "failed": sum(1 for o in report.outcomes if o.phase is JournalPhase.FAILED),
        "skipped": len(plan.steps) - len(report.outcomes),
    }


async def _steps(
    journal: Journal,
    run: Run,
    plan: MigrationPlan,
    m365: Any,
    slack: Any,
    options: RunOptions,
    report: MigrationReport,
    say: Log,
) -> None:
    from contextlib import nullcontext

    from govern.migrate import space_steps
    from govern.migrate.steps import EXECUTORS as TEAMS_EXECUTORS
    from govern.migrate.steps import Context

    executors = {**TEAMS_EXECUTORS, **space_steps.EXECUTORS}
    known = journal.last_phases(run.id)
    results = {sid: dict(e.after or {}) for sid, e in known.items() if e.phase is JournalPhase.DONE}
    if m365 is not None:
        from govern_m365.session import Session

        graph: Any = Session(m365)
    else:  # a Confluence space migration writes no Graph
        graph = nullcontext(None)
    async with graph as session:

        def progress(step_id: str, message: str) -> None:
            journal.write(run.id, step_id, JournalPhase.INTENT, options.actor, message=message)
            say(f"  {message}")

        ctx = Context(plan, results, session, slack, progress, options.concurrency)
        total = len(plan.steps)

        async def one(n: int, step: Step) -> bool:
            prior = known.get(step.id)
            if prior is not None and prior.phase is JournalPhase.DONE:
                report.outcomes.append(
                    Outcome(step.id, step.label, JournalPhase.DONE, prior.message, earlier=True)
                )
                return True
            again = prior is not None and prior.phase is JournalPhase.INTENT
            journal.write(
                run.id,
                step.id,
                JournalPhase.INTENT,
                options.actor,
                message="again: an earlier attempt stopped during this step" if again else "",
            )
            try:
                after = await executors[step.kind](ctx, step)
            except Exception as exc:  # the step's failure stops the run, recorded
                message = f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
                journal.write(run.id, step.id, JournalPhase.FAILED, options.actor, message=message)
                report.outcomes.append(Outcome(step.id, step.label, JournalPhase.FAILED, message))
                say(f"[{n}/{total}] {step.label}: failed ({message})")
                return False
            message = str(after.get("note", ""))
            journal.write(
                run.id, step.id, JournalPhase.DONE, options.actor, after=after, message=message
            )
            results[step.id] = after
            report.outcomes.append(Outcome(step.id, step.label, JournalPhase.DONE, message))
            say(f"[{n}/{total}] {step.label}: done")
            return True

        for wave in _waves(plan.steps, options.channels_in_parallel):
            # Imports into different channels are independent: Graph's limit is per channel.
            ok = await asyncio.gather(*(one(n, step) for n, step in wave))
            if not all(ok):
                return


def _waves(steps: list[Step], width: int) -> list[list[tuple[int, Step]]]:
    """Steps in order, consecutive message imports grouped ``width`` at a time."""
    waves: list[list[tuple[int, Step]]] = []
    for n, step in enumerate(steps, 1):
        last = waves[-1] if waves else None
        parallel = step.kind is StepKind.IMPORT_MESSAGES
        if parallel and last and last[-1][1].kind is StepKind.IMPORT_MESSAGES and len(last) < width:
            last.append((n, step))
        else:
            waves.append([(n, step)])
    return waves


__all__ = ["MigrationReport", "RunOptions", "StepKind", "apply_migration", "check"]

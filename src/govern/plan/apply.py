"""Applying a plan: checks first, then each change journaled before and after, in a safe order.

Nothing is changed until every check has passed: the plan is fresh (same inventory snapshots and
policy content, not older than the maximum age, no other run changed its scopes since it was
made) and within the blast-radius limits. Then changes are made in :func:`~govern.plan.order`'s
order, each one's intent journaled before the connector is called and its result after. A
refusal by the tool is recorded and the run goes on; the :class:`~govern.plan.order.OwnerLedger`
skips a removal that would leave a community without an owner.

Applying a plan whose run did not finish resumes that run: changes done are not made again, an
intent without a result is made again (connectors apply idempotently), and refused or skipped
changes are retried. So any sequence of interrupted attempts ends where one uninterrupted run
would have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from govern.connector import ApplyResult, Connector
from govern.errors import PlanError
from govern.model import Change, Grant, JournalEntry, JournalPhase, Plan, split_id, utcnow
from govern.plan import limits as blast
from govern.plan import lock
from govern.plan.journal import Journal, Run, RunKind, RunStatus, RunSummary
from govern.plan.order import OwnerLedger, ordered
from govern.plan.state import effective_owners, projected_grants
from govern.store import Store

Log = Callable[[str], None]


@dataclass(frozen=True)
class ApplyOptions:
    """How a run is checked and recorded."""

    limits: blast.Limits
    max_age: timedelta
    actor: str
    policy_hash: str | None
    """The content hash of the policies in force now; None skips that check (tests only)."""
    kind: RunKind = RunKind.APPLY


@dataclass(frozen=True)
class Outcome:
    """What became of one change in this run."""

    change: Change
    phase: JournalPhase
    message: str = ""
    earlier: bool = False
    """Done in an earlier, interrupted attempt of the same run, so not made again."""


@dataclass
class ApplyReport:
    """The result of applying a plan."""

    run: Run
    outcomes: list[Outcome] = field(default_factory=list)
    resumed: bool = False
    already_applied: bool = False

    def count(self, phase: JournalPhase, *, earlier: bool | None = None) -> int:
        """How many changes ended in ``phase`` (optionally only earlier or only this attempt)."""
        return sum(
            1
            for o in self.outcomes
            if o.phase is phase and (earlier is None or o.earlier == earlier)
        )

    @property
    def status(self) -> RunStatus:
        """Applied when every change is done, partial otherwise."""
        if self.already_applied:
            return RunStatus.APPLIED
        ok = all(o.phase is JournalPhase.DONE for o in self.outcomes)
        return RunStatus.APPLIED if ok else RunStatus.PARTIAL

    def summary(self) -> RunSummary:
        """Counts for the run record, history and webhooks."""
        return RunSummary(
            changes=len(self.run.plan.changes),
            done=self.count(JournalPhase.DONE),
            done_earlier=self.count(JournalPhase.DONE, earlier=True),
            failed=self.count(JournalPhase.FAILED),
            skipped=self.count(JournalPhase.SKIPPED),
        )


def scope_key(key: str) -> tuple[str, str]:
    """``(connector, scope)`` of a plan's snapshot key ``<connector>/<scope>``."""
    connector, _, scope = key.partition("/")
    return connector, scope


def check_fresh(
    store: Store, journal: Journal, plan: Plan, options: ApplyOptions, source: str, now: datetime
) -> datetime | None:
    """Refuse a stale plan; return the time of its oldest snapshot (None if it has none)."""
    remake = "make a new plan with `govern plan`"
    age = now - plan.created_at
    if age > options.max_age:
        hours = age.total_seconds() / 3600
        limit = options.max_age.total_seconds() / 3600
        raise PlanError(
            f"{source}: the plan is {hours:.1f} h old, older than [plan] max_age_hours "
            f"({limit:g} h); {remake}, or raise max_age_hours in govern.toml"
        )
    if options.policy_hash is not None and options.policy_hash != plan.policy.content_hash:
        raise PlanError(
            f"{source}: the policies changed since the plan was made (plan "
            f"{plan.policy.content_hash[:19]}, now {options.policy_hash[:19]}); {remake}"
        )
    latest = store.latest()
    oldest: datetime | None = None
    for key, snapshot_id in plan.snapshots.items():
        snap = latest.get(scope_key(key))
        if snap is None or snap.id != snapshot_id:
            raise PlanError(
                f"{source}: the inventory of {key} changed since the plan was made "
                f"(snapshot {snapshot_id[:12]} is no longer the latest); {remake}"
            )
        oldest = snap.started_at if oldest is None else min(oldest, snap.started_at)
    # Another plan applied since this one was made changed the tools under it: its counts
    # (owners, blast radius) may no longer hold.
    mine = {scope_key(k)[0] for k in plan.snapshots}
    for run in journal.runs_since(plan.created_at):
        if run.plan_id == plan.id:
            continue
        touched = {split_id(c.community_id)[0] for c in run.plan.changes} & mine
        done = any(e.phase is JournalPhase.DONE for e in journal.last_phases(run.id).values())
        if done and touched:
            raise PlanError(
                f"{source}: run {run.id} changed {', '.join(sorted(touched))} after "
                f"this plan was made; run `govern discover`, then {remake}"
            )
    return oldest


def preflight(
    store: Store,
    journal: Journal,
    plan: Plan,
    options: ApplyOptions,
    source: str,
    now: datetime | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, list[Grant]]:
    """Every check made before the first change; returns the touched communities' grants now."""
    since = check_fresh(store, journal, plan, options, source, now or utcnow())
    grants = projected_grants(store, journal, plan, since)
    blast.check(plan, grants, options.limits, source, names)
    return grants


def apply_plan(
    store: Store,
    plan: Plan,
    connector_for: Callable[[str], Connector],
    options: ApplyOptions,
    *,
    source: str,
    confirm: Callable[[Plan], bool] | None = None,
    log: Log | None = None,
    take_lock: bool = True,
    now: datetime | None = None,
    names: Mapping[str, str] | None = None,
) -> ApplyReport | None:
    """Check and apply ``plan``; None when ``confirm`` declined. Resumes an unfinished run.

    ``names`` (community paths, people's emails) make the progress lines and messages readable.
    """
    journal = Journal(store)
    say = log or (lambda _m: None)
    known = dict(names or {})
    held = lock.hold(store, lock.scope_names(plan.snapshots), f"apply {plan.id}")
    with held if take_lock else nullcontext():
        existing = journal.for_plan(plan.id)
        if existing is not None and existing.status is RunStatus.APPLIED:
            return ApplyReport(existing, already_applied=True)
        grants = preflight(store, journal, plan, options, source, now, known)
        tools = sorted({split_id(c.community_id)[0] for c in plan.changes})
        connectors = {n: connector_for(n) for n in tools}  # a missing one fails before any change
        if confirm is not None and not confirm(plan):
            return None
        run = journal.resume_or_start(existing, plan, options.kind, options.actor, say)
        report = ApplyReport(run, resumed=existing is not None)
        every = [g for gs in grants.values() for g in gs]
        ledger = OwnerLedger.from_grants(effective_owners(store, every))
        ledger.track(grants)  # communities with no effective owner are tracked too
        _run_changes(journal, run, plan, connectors, ledger, report, options.actor, say, known)
        journal.finish(run.id, report.status, report.summary().record())
        report.run = journal.get(run.id)
        return report


def _run_changes(
    journal: Journal,
    run: Run,
    plan: Plan,
    connectors: Mapping[str, Connector],
    ledger: OwnerLedger,
    report: ApplyReport,
    actor: str,
    say: Log,
    names: Mapping[str, str],
) -> None:
    known = journal.last_phases(run.id)

    def name(ref: str) -> str:
        return names.get(ref) or ref

    changes = ordered(plan.changes)
    for n, change in enumerate(changes, 1):
        prior = known.get(change.id)
        if prior is not None and prior.phase is JournalPhase.DONE:
            ledger.record(change)
            report.outcomes.append(Outcome(change, JournalPhase.DONE, prior.message, earlier=True))
            continue
        outcome = _one(journal, run.id, change, connectors, ledger, actor, prior, name)
        report.outcomes.append(outcome)
        who = name(change.principal_id) if change.principal_id else change.value or ""
        say(
            f"[{n}/{len(changes)}] {change.action.value} {name(change.community_id)} "
            f"{who}: {outcome.phase.value}" + (f" ({outcome.message})" if outcome.message else "")
        )


def _one(
    journal: Journal,
    run_id: str,
    change: Change,
    connectors: Mapping[str, Connector],
    ledger: OwnerLedger,
    actor: str,
    prior: JournalEntry | None,
    name: Callable[[str], str] = str,
) -> Outcome:
    if ledger.would_orphan(change):
        message = (
            f"kept: removing {name(change.principal_id or '')} would leave "
            f"{name(change.community_id)} without an owner; add another owner first"
        )
        journal.write(run_id, change.id, JournalPhase.SKIPPED, actor, message=message)
        return Outcome(change, JournalPhase.SKIPPED, message)
    connector = connectors[split_id(change.community_id)[0]]
    if change.action not in connector.supported_actions:
        message = f"the {connector.name} connector cannot {change.action.value}"
        journal.write(run_id, change.id, JournalPhase.FAILED, actor, message=message)
        return Outcome(change, JournalPhase.FAILED, message)
    again = prior is not None and prior.phase is JournalPhase.INTENT
    journal.write(
        run_id,
        change.id,
        JournalPhase.INTENT,
        actor,
        message="again: an earlier attempt stopped before its result" if again else "",
    )
    try:
        result = connector.apply(change)
    except Exception as exc:  # one change's failure must not stop the others
        result = ApplyResult(False, f"{type(exc).__name__}: {exc}")
    phase = JournalPhase.DONE if result.ok else JournalPhase.FAILED
    journal.write(
        run_id,
        change.id,
        phase,
        actor,
        before=result.before,
        after=result.after,
        message=result.message,
    )
    if result.ok:
        ledger.record(change)
    return Outcome(change, phase, result.message)

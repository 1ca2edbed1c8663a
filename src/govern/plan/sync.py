"""``sync`` for schedulers: discover (incremental), plan, and apply, one run per scope at a time.

The lock on every scope is taken before discovery and held until the run ends, so a second
sync started meanwhile exits at once without reading or changing anything. Without ``apply`` a
sync only reports what it would change (a dry run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govern.connector import Connector
from govern.discovery import run_discovery
from govern.errors import ExitStatus
from govern.model import Snapshot, utcnow
from govern.plan import lock
from govern.plan.apply import ApplyOptions, Report, apply_plan
from govern.plan.build import Built, build_plan
from govern.plan.journal import RunKind
from govern.plan.planfile import write
from govern.plan.summary import totals_line
from govern.policy.groups import directory_group_names
from govern.store import Store

Log = Callable[[str], None]


@dataclass
class SyncOutcome:
    """What one sync did."""

    snapshots: list[Snapshot] = field(default_factory=list)
    built: Built | None = None
    report: Report | None = None
    plan_path: Path | None = None

    @property
    def changes(self) -> int:
        """How many changes the plan has."""
        return len(self.built.plan.changes) if self.built else 0

    @property
    def failed(self) -> int:
        """Changes refused by the tool or kept back (last owner) in this run."""
        if self.report is None:
            return 0
        return int(self.report.summary()["failed"] + self.report.summary()["skipped"])

    def lines(self) -> list[str]:
        """The short summary, for stderr and the webhook."""
        out = [
            f"discovered {s.connector}/{s.scope}: snapshot {s.seq} ({s.mode.value}, "
            f"{s.stats.get('communities_seen', 0)} communities read)"
            for s in self.snapshots
        ]
        if self.built is not None:
            plan = self.built.plan
            out.append(totals_line(plan.changes) if plan.changes else "Plan: no changes.")
            if self.built.notes:
                out.append(f"{len(self.built.notes)} requirement(s) need a person (see the plan)")
        if self.report is not None:
            s = self.report.summary()
            out.append(
                f"applied in run {self.report.run.id}: {s['done']} done, {s['failed']} refused, "
                f"{s['skipped']} kept back"
            )
        elif self.changes:
            out.append("dry run: nothing changed; run `govern sync --apply` to apply")
        return out

    def exit_status(self, detailed: bool) -> ExitStatus:
        """1 if changes failed; with ``detailed``, 2 when there were changes (made or pending)."""
        if self.failed:
            return ExitStatus.ERROR
        if detailed and self.changes:
            return ExitStatus.CHANGES
        return ExitStatus.OK


def run_sync(
    store: Store,
    connectors: list[Connector],
    policies_dir: Path,
    options: ApplyOptions,
    *,
    apply: bool,
    full: bool = False,
    plan_out: Path | None = None,
    log: Log | None = None,
) -> SyncOutcome:
    """Discover, plan and (with ``apply``) apply, holding the locks of every scope."""
    say = log or (lambda _m: None)
    names = [f"{c.name}/{c.scope()}" for c in connectors]
    outcome = SyncOutcome()
    with lock.hold(store, lock.scope_names(names), "sync"):
        for connector in connectors:
            found = run_discovery(
                store,
                connector,
                full=full,
                log=say,
                directory_groups=directory_group_names(policies_dir),
            )
            outcome.snapshots.append(found.snapshot)
        supported = {c.name: c.supported_actions for c in connectors}
        outcome.built = build_plan(
            store,
            policies_dir,
            now=utcnow(),
            connectors=[c.name for c in connectors],
            supported=supported,
        )
        plan = outcome.built.plan
        if plan_out is not None:
            write(plan, plan_out)
            outcome.plan_path = plan_out
        if apply and plan.changes:
            by_name = {c.name: c for c in connectors}
            outcome.report = apply_plan(
                store,
                plan,
                by_name.__getitem__,
                ApplyOptions(
                    limits=options.limits,
                    max_age=options.max_age,
                    actor=options.actor,
                    policy_hash=options.policy_hash,
                    kind=RunKind.SYNC,
                ),
                source=str(plan_out or "the sync's plan"),
                log=say,
                take_lock=False,
            )
    return outcome

"""``sync`` for schedulers: discover (incremental), plan, and apply, one run per scope at a time.

The lock on every scope is taken before discovery and held until the run ends, so a second
sync started meanwhile exits at once without reading or changing anything. Without ``apply`` a
sync only reports what it would change (a dry run). Every sync writes its plan (the JSON file
and the summary people read, with every item needing a person) to the state directory and says
where, so the reviewer can see all of it.

What needs a person (a last owner no one can replace, a steward no one can be) is not a change
and not a failure: it is listed in the summary and the webhook, and a sync whose changes are all
made exits 0, so a scheduled sync converges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govern.connector import Connector
from govern.discovery import run_discovery
from govern.model import Snapshot, utcnow
from govern.plan import lock
from govern.plan.apply import ApplyOptions, ApplyReport, apply_plan
from govern.plan.build import Built, build_plan
from govern.plan.journal import RunKind
from govern.plan.planfile import write
from govern.plan.summary import namer, render, totals_line
from govern.policy.groups import directory_group_names
from govern.progress import Progress
from govern.store import Store

Log = Callable[[str], None]


@dataclass
class SyncOutcome:
    """What one sync did."""

    snapshots: list[Snapshot] = field(default_factory=list)
    built: Built | None = None
    report: ApplyReport | None = None
    plan_path: Path | None = None
    summary_path: Path | None = None

    @property
    def changes(self) -> int:
        """How many changes the plan has."""
        return len(self.built.plan.changes) if self.built else 0

    @property
    def failed(self) -> int:
        """Changes refused by the tool or kept back (last owner) in this run."""
        if self.report is None:
            return 0
        s = self.report.summary()
        return s.failed + s.skipped

    def lines(self, max_items: int = 20) -> list[str]:
        """The short summary, for stderr and the webhook; at most ``max_items`` needing a person."""
        out = [
            f"discovered {s.connector}/{s.scope}: snapshot {s.seq} ({s.mode.value}, "
            f"{s.count_text('communities')} communities read)"
            for s in self.snapshots
        ]
        if self.built is not None:
            plan = self.built.plan
            out.append(totals_line(plan.changes) if plan.changes else "Plan: no changes.")
            notes = self.built.notes
            if notes:
                where = f" (all in {self.summary_path})" if self.summary_path else ""
                out.append(f"{len(notes)} item(s) need a person{where}:")
                name = namer(self.built.names)
                out.extend(f"  * {n.text(name)}" for n in notes[:max_items])
                if len(notes) > max_items:
                    out.append(f"  ... and {len(notes) - max_items} more")
        if self.report is not None:
            s = self.report.summary()
            out.append(
                f"applied in run {self.report.run.id}: {s.done} done, {s.failed} refused, "
                f"{s.skipped} kept back"
            )
        elif self.changes:
            out.append("dry run: nothing changed; run `govern sync --apply` to apply")
        if self.plan_path is not None:
            out.append(f"plan written to {self.plan_path}")
        return out


KEEP_PLANS = 50
"""Sync plans kept in the state directory: a scheduled sync must not fill the disk."""


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` sync plans (and their summaries) in ``folder``."""
    if not folder.is_dir():
        return
    old = sorted(folder.glob("sync-*.json"))[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
        path.with_suffix(".txt").unlink(missing_ok=True)


def run_sync(
    store: Store,
    connectors: list[Connector],
    policies_dir: Path,
    options: ApplyOptions,
    *,
    apply: bool,
    full: bool = False,
    plan_out: Path | None = None,
    state_dir: Path | None = None,
    log: Log | None = None,
    progress: Progress | None = None,
) -> SyncOutcome:
    """Discover, plan and (with ``apply``) apply, holding the locks of every scope.

    The plan goes to ``plan_out`` when given, else to ``state_dir``/plans (the newest
    :data:`KEEP_PLANS` are kept), with the summary for people next to it.
    """
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
                progress=progress,
                directory_groups=directory_group_names(policies_dir),
            )
            outcome.snapshots.append(found.snapshot)
        if progress is not None:
            progress.phase("planning")
        supported = {c.name: c.supported_actions for c in connectors}
        outcome.built = build_plan(
            store,
            policies_dir,
            now=utcnow(),
            connectors=[c.name for c in connectors],
            supported=supported,
            # The scopes just discovered, not every scope of these connectors: a store shared
            # by a fleet holds other tenants this sync must not plan.
            scopes=[(s.connector, s.scope) for s in outcome.snapshots],
        )
        plan = outcome.built.plan
        if plan_out is None and state_dir is not None:
            plans = state_dir / "plans"
            plan_out = plans / f"sync-{plan.created_at:%Y%m%d-%H%M%S}-{plan.id}.json"
            _prune(plans, keep=KEEP_PLANS - 1)
        if plan_out is not None:
            write(plan, plan_out)
            outcome.plan_path = plan_out
            text = render(plan, outcome.built.names, outcome.built.notes)
            outcome.summary_path = plan_out.with_suffix(".txt")
            outcome.summary_path.write_text(text, encoding="utf-8")
        if apply and plan.changes:
            if progress is not None:
                progress.phase(f"applying {len(plan.changes)} changes")
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
                names=outcome.built.names,
            )
    return outcome

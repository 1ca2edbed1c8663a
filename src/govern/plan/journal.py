"""The journal: every run, and every change in it written before (intent) and after (result).

Each entry is its own committed transaction, written before the connector is called and after
it answers, so a process killed at any point leaves an exact record: changes done, changes
refused, and at most one intent without a result (the change in flight, which is made again on
resume; connectors apply idempotently). The journal is append-only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from govern.errors import StoreError
from govern.model import JournalEntry, JournalPhase, Plan, utcnow
from govern.store import Store, runs
from govern.store.writer import parse_time


class RunKind(StrEnum):
    """What started a run."""

    APPLY = "apply"
    SYNC = "sync"
    ROLLBACK = "rollback"


class RunStatus(StrEnum):
    """Where a run stands. A run killed while running stays ``running`` until resumed."""

    RUNNING = "running"
    APPLIED = "applied"
    PARTIAL = "partial"
    """Finished, with changes refused or skipped: applying the plan again retries them."""


@dataclass(frozen=True)
class RunSummary:
    """What a run of a change plan did, counted, for the run record, history and webhooks."""

    changes: int
    done: int
    done_earlier: int
    """Done in an earlier attempt of the same run (a resumed run does not make them again)."""
    failed: int
    skipped: int
    """Kept back (the last owner of a community, say)."""

    def record(self) -> dict[str, int]:
        """The counts as the run record stores them."""
        return asdict(self)


@dataclass(frozen=True)
class Run:
    """One application of one plan."""

    id: str
    plan_id: str
    kind: RunKind
    status: RunStatus
    actor: str
    started_at: datetime
    finished_at: datetime | None
    attempts: int
    plan: Plan
    summary: dict[str, Any] = field(default_factory=dict)


def new_run_id(now: datetime) -> str:
    """A run id that sorts by time and reads well on a command line: ``20260105-091500-3f2a``."""
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class Journal:
    """Runs and journal entries in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- runs ------------------------------------------------------------------------------
    def start(self, plan: Plan, kind: RunKind, actor: str) -> Run:
        """Record a new run of ``plan``."""
        now = utcnow()
        run = Run(new_run_id(now), plan.id, kind, RunStatus.RUNNING, actor, now, None, 1, plan)
        runs.insert_run(
            self.store,
            id=run.id,
            plan_id=plan.id,
            kind=kind.value,
            status=run.status.value,
            actor=actor,
            started_at=now,
            attempts=1,
            plan=plan.model_dump(mode="json"),
            summary={},
        )
        return run

    def resume(self, run: Run) -> Run:
        """Mark an unfinished or partial run as running again, one attempt more."""
        runs.update_run(self.store, run.id, add_attempt=True, status=RunStatus.RUNNING.value)
        return self.get(run.id)

    def resume_or_start(
        self,
        existing: Run | None,
        plan: Plan,
        kind: RunKind,
        actor: str,
        say: Callable[[str], None],
    ) -> Run:
        """Resume the plan's unfinished run, or start its first, saying which."""
        if existing is not None:
            run = self.resume(existing)
            say(f"resuming run {run.id} (attempt {run.attempts})")
        else:
            run = self.start(plan, kind, actor)
            say(f"run {run.id}")
        return run

    def finish(self, run_id: str, status: RunStatus, summary: dict[str, Any]) -> None:
        """Record how a run ended."""
        runs.update_run(
            self.store, run_id, status=status.value, finished_at=utcnow(), summary=summary
        )

    def for_plan(self, plan_id: str) -> Run | None:
        """The run of a plan, if it was applied before (the newest, should there be several)."""
        rows = runs.run_rows_of_plan(self.store, plan_id, limit=1)
        return _run(rows[0]) if rows else None

    def get(self, run_id: str) -> Run:
        """A run by id, or by a unique prefix of its id."""
        rows = runs.run_rows_by_prefix(self.store, run_id, limit=2)
        if not rows:
            raise StoreError(f"run {run_id} not found; `govern history` lists runs")
        if len(rows) > 1:
            raise StoreError(f"run {run_id} is ambiguous; give more of its id (`govern history`)")
        return _run(rows[0])

    def runs(self, limit: int = 50) -> list[Run]:
        """The newest runs first."""
        return [_run(r) for r in runs.newest_run_rows(self.store, limit)]

    def runs_since(self, since: datetime | None) -> list[Run]:
        """Runs started after ``since`` (all runs when None), oldest first."""
        return [_run(r) for r in runs.run_rows_since(self.store, since)]

    # --- entries ---------------------------------------------------------------------------
    def write(
        self,
        run_id: str,
        change_id: str,
        phase: JournalPhase,
        actor: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        message: str = "",
    ) -> None:
        """Append one entry and commit it at once."""
        runs.insert_entry(
            self.store,
            run_id=run_id,
            change_id=change_id,
            phase=phase.value,
            at=utcnow(),
            actor=actor,
            before=before,
            after=after,
            message=message,
        )

    def entries(self, run_id: str) -> list[JournalEntry]:
        """Every entry of a run, in the order written."""
        return [
            JournalEntry(
                run_id=r.run_id,
                change_id=r.change_id,
                phase=JournalPhase(r.phase),
                at=parse_time(r.at) or utcnow(),
                actor=r.actor,
                before=r.before,
                after=r.after,
                message=r.message,
            )
            for r in runs.entry_rows(self.store, run_id)
        ]

    def last_phases(self, run_id: str) -> dict[str, JournalEntry]:
        """The latest entry of each change of a run: what is known of it now."""
        return {entry.change_id: entry for entry in self.entries(run_id)}

    def count(self, run_id: str) -> int:
        """How many entries a run has."""
        return runs.entry_count(self.store, run_id)


def _run(row: Any) -> Run:
    return Run(
        id=row.id,
        plan_id=row.plan_id,
        kind=RunKind(row.kind),
        status=RunStatus(row.status),
        actor=row.actor,
        started_at=parse_time(row.started_at) or utcnow(),
        finished_at=parse_time(row.finished_at),
        attempts=row.attempts,
        plan=Plan.model_validate(row.plan),
        summary=dict(row.summary or {}),
    )

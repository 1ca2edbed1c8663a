"""What every fleet job did: one row per attempt, in the store's database.

The queue (procrastinate) knows whether a job is waiting, running or failed; this table keeps
what govern needs for the roll-up: per tenant and kind, when an attempt started and ended, the
snapshot it wrote, its outcome and its one-line error, and a small summary (finding counts).
A worker killed mid-job leaves its row ``running``; the retried attempt writes a row of its own,
so the table shows both. The table is part of the store's schema (migration 0005), so opening the
store makes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from govern.model import utcnow
from govern.store import Store, fleet_runs

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"


@dataclass(frozen=True)
class Attempt:
    """One attempt of one job on one tenant."""

    id: int
    tenant: str
    kind: str
    job_id: int | None
    attempt: int
    worker: str | None
    round: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    snapshot_seq: int | None
    error: str | None
    summary: dict[str, Any]


def start(
    store: Store,
    *,
    tenant: str,
    kind: str,
    job_id: int | None,
    attempt: int,
    worker: str | None,
    round_: str | None,
) -> int:
    """Record an attempt as running; return its row id."""
    return fleet_runs.insert_attempt(
        store,
        tenant=tenant,
        kind=kind,
        job_id=job_id,
        attempt=attempt,
        worker=worker,
        round=round_,
        status=RUNNING,
        started_at=utcnow(),
    )


def finish(
    store: Store,
    run_id: int,
    *,
    status: str,
    snapshot_seq: int | None = None,
    error: str | None = None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Record how an attempt ended."""
    fleet_runs.update_attempt(
        store,
        run_id,
        status=status,
        finished_at=utcnow(),
        snapshot_seq=snapshot_seq,
        error=error,
        summary=summary or {},
    )


def runs(store: Store, *, tenant: str | None = None, round_: str | None = None) -> list[Attempt]:
    """Attempts, oldest first, optionally of one tenant or one round."""
    return [_attempt(r) for r in fleet_runs.attempt_rows(store, tenant=tenant, round_=round_)]


def latest_by_tenant(store: Store) -> dict[tuple[str, str], list[Attempt]]:
    """Per (tenant, kind): its attempts since the last success, newest first, that success last.

    The roll-up reads the last success (the row at the end) and the failures after it.
    """
    out: dict[tuple[str, str], list[Attempt]] = {}
    last_ok, rows = fleet_runs.rows_since_success(store, SUCCEEDED)
    for row in rows:
        run = _attempt(row)
        floor = last_ok.get((run.tenant, run.kind))
        if floor is not None and run.id < floor:
            continue
        out.setdefault((run.tenant, run.kind), []).append(run)
    return out


def _attempt(row: Any) -> Attempt:
    summary = row.summary
    if isinstance(summary, str):  # SQLite returns JSON as text on some drivers
        summary = json.loads(summary)
    return Attempt(
        id=row.id,
        tenant=row.tenant,
        kind=row.kind,
        job_id=row.job_id,
        attempt=row.attempt,
        worker=row.worker,
        round=row.round,
        status=row.status,
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at) if row.finished_at else None,
        snapshot_seq=row.snapshot_seq,
        error=row.error,
        summary=summary or {},
    )


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)

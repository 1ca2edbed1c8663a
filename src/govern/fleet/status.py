"""The queue as people read it: depth, running and failed jobs, live workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govern.fleet.queue import QUEUE, conninfo


@dataclass(frozen=True)
class JobRow:
    """One job of the queue."""

    id: int
    task: str
    tenant: str
    status: str
    attempts: int
    worker: int | None
    """procrastinate's worker id (the runs table names host and process)."""
    scheduled_at: datetime | None


@dataclass
class QueueStatus:
    """Counts per status, the jobs running now, recent failures, live workers."""

    counts: dict[str, int] = field(default_factory=dict)
    running: list[JobRow] = field(default_factory=list)
    failed: list[JobRow] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)
    lock_waits: int = 0
    """Jobs waiting although due, because another job of their tenant holds its lock."""


def queue_status(store_url: str, *, failed_limit: int = 20) -> QueueStatus:
    """Read procrastinate's tables (one short transaction, no locks taken)."""
    import psycopg

    out = QueueStatus()
    with psycopg.connect(conninfo(store_url), autocommit=True) as conn:
        for status, count in conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = %s "
            "GROUP BY status",
            (QUEUE,),
        ):
            out.counts[status] = int(count)
        cols = (
            "j.id, j.task_name, j.args->>'tenant', j.status::text, j.attempts, j.worker_id, "
            "j.scheduled_at"
        )
        base = f"SELECT {cols} FROM procrastinate_jobs j WHERE j.queue_name = %s AND j.status = %s "
        out.running = [_job(r) for r in conn.execute(base + "ORDER BY j.id", (QUEUE, "doing"))]
        out.failed = [
            _job(r)
            for r in conn.execute(
                base + "ORDER BY j.id DESC LIMIT %s", (QUEUE, "failed", failed_limit)
            )
        ]
        for wid, beat in conn.execute(
            "SELECT id, last_heartbeat FROM procrastinate_workers ORDER BY id"
        ):
            out.workers.append({"id": wid, "last_heartbeat": beat})
        row = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs t WHERE t.queue_name = %s AND "
            "t.status = 'todo' AND (t.scheduled_at IS NULL OR t.scheduled_at <= now()) AND "
            "t.lock IS NOT NULL AND EXISTS (SELECT 1 FROM procrastinate_jobs d WHERE "
            "d.lock = t.lock AND d.status = 'doing')",
            (QUEUE,),
        ).fetchone()
        out.lock_waits = int(row[0]) if row else 0
    return out


def _job(r: Any) -> JobRow:
    return JobRow(
        id=r[0],
        task=str(r[1]).rsplit(".", 1)[-1],
        tenant=r[2] or "",
        status=r[3],
        attempts=r[4],
        worker=r[5],
        scheduled_at=r[6],
    )

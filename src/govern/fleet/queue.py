"""The job queue: procrastinate in the store's own PostgreSQL database.

Jobs are per tenant (``discover``, ``audit``, ``plan``, ``sync``), deferred with ``lock`` = the
tenant's key, so procrastinate never runs two jobs of one tenant at once (one lock per scope), and
``queueing_lock`` = kind + tenant, so asking twice for the same job while one waits is refused
instead of queued twice. Failures that more attempts cannot fix (wrong credentials, a missing
permission, a broken policy: govern's own errors) fail at once with their one line; anything
else (a dropped connection, a timeout) is retried with backoff.

A worker killed mid-job stops sending heartbeats; the periodic ``retry_stalled`` task (the
procrastinate documentation's recipe for stalled jobs) puts its job back in the queue, where
another worker takes it. The snapshot the killed worker was writing was one transaction, so
the store is as it was.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate import Blueprint, JobContext, RetryDecision
from procrastinate.jobs import Job

from govern.errors import ConfigError, GovernError
from govern.fleet import runs, work
from govern.fleet.config import Fleet, Tenant
from govern.registry import Registry
from govern.store import Store

logger = logging.getLogger(__name__)

QUEUE = "govern"
MAINTENANCE = "govern-maintenance"
"""The stalled-job sweep runs here, apart from tenant jobs (status counts tenant jobs only)."""
TASK_PREFIX = "govern.fleet."
_SCHEMA_LOCK = 0x676F7665726E  # "govern": one advisory lock so workers apply the schema once


class _Retry(procrastinate.BaseRetryStrategy):
    """Retry transient failures with exponential backoff; never govern's own errors."""

    def __init__(self, max_attempts: int = 4, base_seconds: int = 2) -> None:
        self.max_attempts = max_attempts
        self.base_seconds = base_seconds

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        """No retry for configuration, credential, permission and policy errors."""
        if isinstance(exception, GovernError) or job.attempts + 1 >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.base_seconds ** (job.attempts + 1)})


tasks = Blueprint()


@dataclass
class Runtime:
    """What a worker process holds for its jobs: the fleet, the store, the connectors."""

    fleet: Fleet
    store: Store
    registry: Registry
    policies_dir: Path
    worker: str
    state_dir: Path | None = None
    """Where ``plan`` and ``sync`` jobs write their plan files (the ``store_dir`` setting)."""


def _runtime(context: JobContext) -> Runtime:
    runtime = context.additional_context.get("govern")
    assert isinstance(runtime, Runtime), "govern worker sets the runtime in the job context"
    return runtime


def _run(context: JobContext, kind: str, tenant_key: str, round_: str | None, full: bool) -> None:
    rt = _runtime(context)
    tenant = rt.fleet.get(tenant_key)
    job = context.job
    run_id = runs.start(
        rt.store,
        tenant=tenant.key,
        kind=kind,
        job_id=job.id,
        attempt=job.attempts,
        worker=rt.worker,
        round_=round_,
    )
    try:
        outcome = work.run_job(
            rt.store, tenant, rt.registry, rt.policies_dir, kind, full=full,
            state_dir=rt.state_dir,
        )  # fmt: skip
    except BaseException as exc:
        line = str(exc) if isinstance(exc, GovernError) else f"{type(exc).__name__}: {exc}"
        runs.finish(
            rt.store,
            run_id,
            status=runs.FAILED,
            error=f"tenant {tenant.id} ({tenant.source}): {line}",
        )
        logger.warning("tenant %s: %s failed: %s", tenant.id, kind, line)
        raise
    runs.finish(
        rt.store,
        run_id,
        status=runs.SUCCEEDED,
        snapshot_seq=outcome.snapshot_seq,
        summary=outcome.summary,
    )


@tasks.task(name=TASK_PREFIX + "discover", queue=QUEUE, pass_context=True, retry=_Retry())
def discover(
    context: JobContext, tenant: str, round: str | None = None, full: bool = False
) -> None:
    """Discover one tenant into the shared store."""
    _run(context, "discover", tenant, round, full)


@tasks.task(name=TASK_PREFIX + "audit", queue=QUEUE, pass_context=True, retry=_Retry())
def audit(context: JobContext, tenant: str, round: str | None = None, full: bool = False) -> None:
    """Audit one tenant under its layered policies; the counts go to the roll-up."""
    _run(context, "audit", tenant, round, full)


@tasks.task(name=TASK_PREFIX + "plan", queue=QUEUE, pass_context=True, retry=_Retry())
def plan(context: JobContext, tenant: str, round: str | None = None, full: bool = False) -> None:
    """Plan one tenant's changes (its scope only) and write the plan; nothing is changed."""
    _run(context, "plan", tenant, round, full)


@tasks.task(name=TASK_PREFIX + "sync", queue=QUEUE, pass_context=True, retry=_Retry())
def sync(
    context: JobContext,
    tenant: str,
    round: str | None = None,
    full: bool = False,
    timestamp: int | None = None,
) -> None:
    """Discover, plan and audit one tenant (what the periodic schedule runs; a dry run)."""
    _run(context, "sync", tenant, round or (f"schedule-{timestamp}" if timestamp else None), full)


@tasks.task(
    name=TASK_PREFIX + "retry_stalled",
    queue=MAINTENANCE,
    pass_context=True,
    queueing_lock=TASK_PREFIX + "retry_stalled",
)
async def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Put back in the queue the jobs of workers that stopped sending heartbeats."""
    seconds = float(context.additional_context.get("stalled_seconds", 30.0))
    manager = context.app.job_manager
    # The sweep runs every few seconds; its own finished jobs are not worth keeping.
    await manager.delete_old_jobs(nb_hours=1, queue=MAINTENANCE)
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        logger.warning("job %s (%s) was stalled; retrying it", job.id, job.task_kwargs)
        try:
            await manager.retry_job(job)
        except procrastinate.exceptions.UniqueViolation:
            # A newer job for the same tenant and kind is already waiting: it does the work.
            await manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)


TASKS = {"discover": discover, "audit": audit, "plan": plan, "sync": sync}


def conninfo(store_url: str) -> str:
    """The libpq connection string for procrastinate, from the store's SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    url = make_url(store_url)
    if not url.drivername.startswith("postgresql"):
        raise ConfigError(
            f"store_url is {url.drivername}: the fleet's job queue lives in the store's "
            f"PostgreSQL database; set store_url (GOVERN_STORE_URL) to postgresql+psycopg://... "
            f"(a single host with SQLite needs no queue: `govern fleet run` runs the jobs here)"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(store_url: str, *, pool_size: int = 4) -> procrastinate.App:
    """The procrastinate app over the store's database, with govern's tasks."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(store_url), kwargs={"application_name": "govern"}, min_size=1,
        max_size=pool_size,
    )  # fmt: skip
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(tasks, namespace="")
    return app


def ensure_schema(store_url: str) -> bool:
    """Apply procrastinate's schema if missing (once, under an advisory lock); True if applied."""
    import psycopg

    with psycopg.connect(conninfo(store_url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is not None and row[0] is not None:
                return False
            from procrastinate.schema import SchemaManager

            schema = SchemaManager.get_schema()
            conn.execute(schema)  # procrastinate's own SQL, a LiteralString
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


def register_schedules(app: procrastinate.App, fleet: Fleet, stalled_every: int) -> int:
    """Periodic syncs of every scheduled tenant, and the stalled-job sweep; return how many."""
    count = 0
    for tenant in fleet.tenants:
        if not tenant.schedule:
            continue
        app.periodic_registry.register_task(
            task=app.tasks[TASK_PREFIX + "sync"],
            cron=tenant.schedule,
            periodic_id=tenant.key,
            configure_kwargs={
                "task_kwargs": {"tenant": tenant.key},
                "lock": tenant.key,
                "queueing_lock": f"sync:{tenant.key}",
            },
        )
        count += 1
    app.periodic_registry.register_task(
        task=app.tasks[TASK_PREFIX + "retry_stalled"],
        cron=f"*/{max(1, stalled_every)} * * * * *"
        if stalled_every < 60
        else f"*/{stalled_every // 60} * * * *",
        periodic_id="",
        configure_kwargs={},
    )
    return count


@dataclass(frozen=True)
class Deferred:
    """A job deferred for one tenant, or why it was not."""

    tenant: Tenant
    kind: str
    job_id: int | None
    note: str = ""


def defer(
    app: procrastinate.App,
    tenants: Iterable[Tenant],
    kind: str,
    *,
    round_: str | None = None,
    full: bool = False,
) -> list[Deferred]:
    """Queue one job per tenant; a job already waiting for the same tenant is not queued twice."""
    task = app.tasks[TASK_PREFIX + kind]
    out: list[Deferred] = []
    for tenant in tenants:
        try:
            job_id = task.configure(
                lock=tenant.key,
                queueing_lock=f"{kind}:{tenant.key}",
                task_kwargs={"tenant": tenant.key, "round": round_, "full": full},
            ).defer()
        except procrastinate.exceptions.AlreadyEnqueued:
            out.append(Deferred(tenant, kind, None, "already queued"))
            continue
        out.append(Deferred(tenant, kind, job_id))
    return out


def worker_name() -> str:
    """Host and process id: which worker did what, in runs and logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class _OneLine(logging.Filter):
    """govern's own errors are one line: no traceback in procrastinate's job-failed log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, GovernError):
            record.exc_info = None
            record.exc_text = None
        return True


def run_worker(
    store_url: str,
    runtime: Runtime,
    *,
    concurrency: int = 1,
    heartbeat_seconds: float = 10.0,
    stalled_seconds: float = 30.0,
    wait: bool = True,
) -> None:
    """Run one worker until stopped (SIGTERM/SIGINT finish the current jobs first)."""
    ensure_schema(store_url)
    if not logging.getLogger().isEnabledFor(logging.DEBUG):  # --debug keeps every traceback
        logging.getLogger("procrastinate.worker").addFilter(_OneLine())
    app = build_app(store_url, pool_size=concurrency + 3)
    register_schedules(app, runtime.fleet, stalled_every=max(1, int(stalled_seconds // 2)))
    app.run_worker(
        queues=[QUEUE, MAINTENANCE],
        concurrency=concurrency,
        name=runtime.worker,
        wait=wait,
        additional_context={"govern": runtime, "stalled_seconds": stalled_seconds},
        update_heartbeat_interval=heartbeat_seconds,
        stalled_worker_timeout=stalled_seconds,
        fetch_job_polling_interval=2.0,
    )


def status_of(app: procrastinate.App, job_ids: Iterable[int]) -> dict[int, str]:
    """The queue's status of each job (todo, doing, succeeded, failed, ...)."""
    return {i: str(app.job_manager.get_job_status(i).value) for i in job_ids}


def app_for(store_url: str) -> Any:
    """An opened app for deferring and reading the queue (close it after use)."""
    ensure_schema(store_url)
    return build_app(store_url, pool_size=2).open()

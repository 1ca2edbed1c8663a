"""``govern worker``: take per-tenant jobs from the fleet's queue until stopped."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli.app import App
from govern.cli.fleet import FLEET_OPTION, load


@click.command()
@FLEET_OPTION
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    help="Jobs run at once by this worker (each a tenant; Graph's quota is per tenant).",
)
@click.option(
    "--heartbeat",
    "heartbeat_seconds",
    default=10.0,
    show_default=True,
    help="Seconds between the worker's heartbeats.",
)
@click.option(
    "--stalled-after",
    "stalled_seconds",
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat after which a worker's job is retried by another.",
)
@click.option("--once", is_flag=True, help="Stop when the queue is empty (for trials and CI).")
@click.pass_obj
def worker(
    app: App,
    fleet_file: Path | None,
    concurrency: int,
    heartbeat_seconds: float,
    stalled_seconds: float,
    once: bool,
) -> None:
    """Run a worker: per-tenant discover, audit, plan and sync jobs, and the fleet's schedules.

    Start as many as you like on as many hosts as you like; they share the queue in the
    store's PostgreSQL database, and one tenant is never worked on by two at once.
    """
    from govern.fleet.queue import Runtime, conninfo, run_worker, worker_name

    fleet = load(app, fleet_file)
    url = app.settings.values.database_url()
    conninfo(url)  # a worker needs the PostgreSQL queue: say so before anything starts
    policies = fleet.settings.policies_dir or app.settings.values.policies_dir
    name = worker_name()
    runtime = Runtime(
        fleet, app.store, app.registry, policies, name, state_dir=app.settings.values.store_dir
    )
    scheduled = sum(1 for t in fleet.tenants if t.schedule)
    click.echo(
        f"worker {name}: {len(fleet.tenants)} tenants in {fleet.path}, {scheduled} on a "
        f"schedule; concurrency {concurrency}",
        err=True,
    )
    run_worker(
        url,
        runtime,
        concurrency=concurrency,
        heartbeat_seconds=heartbeat_seconds,
        stalled_seconds=stalled_seconds,
        wait=not once,
    )
    click.echo(f"worker {name}: stopped", err=True)

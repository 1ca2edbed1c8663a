"""``govern fleet``: the tenants of a fleet, their jobs in the queue, and a sandbox fleet."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govern.cli.app import App
from govern.errors import ExitStatus
from govern.output import render

if TYPE_CHECKING:
    from govern.fleet.config import Fleet

FLEET_OPTION = click.option(
    "--fleet",
    "fleet_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="GOVERN_FLEET",
    default=None,
    help="Fleet file (default: ./fleet.toml or $GOVERN_FLEET).",
)
JOBS = ("discover", "audit", "plan", "sync")


def load(app: App, fleet_file: Path | None) -> Fleet:
    """The fleet, validated with the installed connectors' settings models."""
    from govern.fleet.config import fleet_path, load_fleet

    models = {n: c.settings_model for n, c in app.registry.connectors.items()}
    return load_fleet(fleet_path(fleet_file), models)


def tenant_policies(
    app: App, fleet_file: Path | None, tenant_id: str, base: Path | None
) -> tuple[Any, list[Any], Path]:
    """Validate the base policies layered with one tenant's overlay (``policy validate``)."""
    import tempfile

    from govern.fleet.overlay import validate_layered

    f = load(app, fleet_file)
    tenant = f.get(tenant_id)
    root = base or f.settings.policies_dir or app.settings.values.policies_dir
    with tempfile.TemporaryDirectory(prefix="govern-layered-") as work:
        result, found = validate_layered(root, tenant.overlay, Path(work) / "policies")
    label = Path(f"{root} + {tenant.overlay}") if tenant.overlay else root
    return result, found, label


def layered_copy(app: App, fleet_file: Path | None, tenant_id: str, base: Path | None) -> Path:
    """Write base + a tenant's overlay under store_dir/fleet/policies/<tenant> (for tests)."""
    from govern.fleet.overlay import layer

    f = load(app, fleet_file)
    tenant = f.get(tenant_id)
    root = base or f.settings.policies_dir or app.settings.values.policies_dir
    out = app.settings.values.store_dir / "fleet" / "policies" / tenant.id
    layer(root, tenant.overlay, out)
    overlay = f" and {tenant.overlay}" if tenant.overlay else ""
    click.echo(f"policies of tenant {tenant.id}: {root}{overlay}, layered in {out}", err=True)
    return out


@click.group()
def fleet() -> None:
    """Many tenants in one store: list them, queue their jobs, watch the queue."""


@fleet.command("list")
@FLEET_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None)
@click.pass_obj
def list_(app: App, fleet_file: Path | None, fmt: str | None) -> None:
    """The fleet's tenants, where each is defined, and which settings come from the environment."""
    f = load(app, fleet_file)
    rows = [
        {
            "tenant": t.id,
            "connector": t.connector,
            "scope": app.registry.get(t.connector)(t.settings).scope(),
            "schedule": t.schedule or "",
            "policies": str(t.overlay) if t.overlay else "base",
            "from_environment": ", ".join(t.from_environment),
            "defined_at": t.source,
        }
        for t in f.tenants
    ]
    cols = ["tenant", "connector", "scope", "schedule", "policies", "from_environment"]
    click.echo(render(rows, cols, app.format(fmt), title=f"Fleet {f.path}"), nl=False)


@fleet.command("run")
@FLEET_OPTION
@click.option("--tenants", default="", help="Comma-separated tenant ids (default: every tenant).")
@click.option("--job", "kind", type=click.Choice(JOBS), default="sync", show_default=True)
@click.option("--full", is_flag=True, help="Full discovery even when incremental is possible.")
@click.option("--round", "round_", default=None, help="A name for this round (default: a time).")
@click.option("--wait", is_flag=True, help="Wait until every job has finished; exit 1 on failure.")
@click.option("--timeout", default=3600.0, show_default=True, help="Seconds --wait waits at most.")
@click.option(
    "--local",
    is_flag=True,
    help="Run the jobs here, one after another, with no queue (any store, SQLite too).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None)
@click.pass_obj
def run(
    app: App,
    fleet_file: Path | None,
    tenants: str,
    kind: str,
    full: bool,
    round_: str | None,
    wait: bool,
    timeout: float,
    local: bool,
    fmt: str | None,
) -> int:
    """Queue one job per tenant (workers take them); with --wait, report how each ended."""
    f = load(app, fleet_file)
    chosen = f.select([t.strip() for t in tenants.split(",") if t.strip()])
    round_ = round_ or time.strftime("%Y%m%dT%H%M%S")
    url = app.settings.values.database_url()
    if local or url.startswith("sqlite"):
        return _run_local(app, f, chosen, kind, full, round_, fmt)
    from govern.fleet import queue

    qapp = queue.app_for(url)
    try:
        done = queue.defer(qapp, chosen, kind, round_=round_, full=full)
        for d in done:
            if d.job_id is None:
                click.echo(f"{d.tenant.id}: {kind} {d.note}; not queued again", err=True)
        click.echo(
            f"queued {sum(1 for d in done if d.job_id)} {kind} job(s), round {round_}", err=True
        )
        if not wait:
            return int(ExitStatus.OK)
        ids = {d.job_id: d.tenant for d in done if d.job_id is not None}
        final = _wait(qapp, list(ids), timeout)
    finally:
        qapp.close()
    return _outcome(app, ids, final, round_, fmt)


def _wait(qapp: Any, job_ids: list[int], timeout: float) -> dict[int, str]:
    from govern.fleet.queue import status_of

    deadline = time.monotonic() + timeout
    finished = {"succeeded", "failed", "cancelled", "aborted"}
    while True:
        states = status_of(qapp, job_ids)
        if all(s in finished for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(1.0)


def _outcome(
    app: App, ids: dict[int, Any], states: dict[int, str], round_: str, fmt: str | None
) -> int:
    from govern.fleet import runs

    errors: dict[str, str] = {}
    for attempt in runs.runs(app.store, round_=round_):
        if attempt.error:
            errors[attempt.tenant] = attempt.error
    rows = []
    for job_id, tenant in ids.items():
        state = states.get(job_id, "unknown")
        rows.append(
            {
                "tenant": tenant.id,
                "job": job_id,
                "status": state,
                "error": errors.get(tenant.key, "") if state != "succeeded" else "",
            }
        )
    click.echo(render(rows, ["tenant", "job", "status", "error"], app.format(fmt)), nl=False)
    bad = [r for r in rows if r["status"] != "succeeded"]
    for r in bad:
        click.echo(f"error: {r['error'] or r['tenant'] + ': ' + r['status']}", err=True)
    return int(ExitStatus.ERROR) if bad else int(ExitStatus.OK)


def _run_local(
    app: App, f: Fleet, chosen: list[Any], kind: str, full: bool, round_: str, fmt: str | None
) -> int:
    """The same jobs in this process, in order: a single host needs no queue."""
    from govern.errors import GovernError
    from govern.fleet import runs, work

    policies = f.settings.policies_dir or app.settings.values.policies_dir
    rows = []
    for tenant in chosen:
        run_id = runs.start(
            app.store, tenant=tenant.key, kind=kind, job_id=None, attempt=0,
            worker="local", round_=round_,
        )  # fmt: skip
        try:
            out = work.run_job(
                app.store, tenant, app.registry, policies, kind, full=full,
                state_dir=app.settings.values.store_dir,
            )  # fmt: skip
        except GovernError as exc:
            line = f"tenant {tenant.id} ({tenant.source}): {exc}"
            runs.finish(app.store, run_id, status=runs.FAILED, error=line)
            rows.append({"tenant": tenant.id, "status": "failed", "error": line})
            continue
        runs.finish(
            app.store, run_id, status=runs.SUCCEEDED, snapshot_seq=out.snapshot_seq,
            summary=out.summary,
        )  # fmt: skip
        rows.append({"tenant": tenant.id, "status": "succeeded", "error": ""})
    click.echo(render(rows, ["tenant", "status", "error"], app.format(fmt)), nl=False)
    bad = [r for r in rows if r["status"] != "succeeded"]
    for r in bad:
        click.echo(f"error: {r['error']}", err=True)
    return int(ExitStatus.ERROR) if bad else int(ExitStatus.OK)


@fleet.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None)
@click.pass_obj
def status(app: App, fmt: str | None) -> None:
    """Queue depth, the jobs running now and on which worker, failed jobs, live workers."""
    import dataclasses

    from govern.fleet.queue import ensure_schema
    from govern.fleet.status import queue_status
    from govern.output import render_object

    url = app.settings.values.database_url()
    ensure_schema(url)
    st = queue_status(url)
    if app.format(fmt) == "json":
        click.echo(render_object(dataclasses.asdict(st), "json"), nl=False)
        return
    counts = ", ".join(f"{k} {v}" for k, v in sorted(st.counts.items())) or "empty"
    click.echo(
        f"queue: {counts}; {len(st.workers)} worker(s) registered; {st.lock_waits} job(s) "
        f"waiting for their tenant's lock"
    )
    # The runs table names the host:process of each attempt and its one-line error.
    from govern.fleet import runs

    attempts = {r.job_id: r for r in runs.runs(app.store) if r.job_id is not None}

    def rows(jobs: list[Any]) -> list[dict[str, Any]]:
        out = []
        for job in jobs:
            last = attempts.get(job.id)
            out.append(
                {
                    **dataclasses.asdict(job),
                    "worker": last.worker if last else "",
                    "error": (last.error or "") if last else "",
                }
            )
        return out

    if st.running:
        cols = ["id", "task", "tenant", "attempts", "worker"]
        click.echo(render(rows(st.running), cols, "table", title="Running"), nl=False)
    if st.failed:
        cols = ["id", "task", "tenant", "attempts", "error"]
        click.echo(render(rows(st.failed), cols, "table", title="Failed"), nl=False)


@fleet.command("init")
@click.pass_obj
def init(app: App) -> None:
    """Create the queue's tables in the store's PostgreSQL database (workers also do it)."""
    from govern.fleet.queue import ensure_schema

    applied = ensure_schema(app.settings.values.database_url())
    app.store.upgrade()  # the store's own tables, the fleet's runs among them (migration 0005)
    click.echo("queue schema " + ("applied" if applied else "already present"), err=True)


@fleet.command("sandbox")
@click.option("--tenants", "count", default=3, show_default=True, help="How many tenants.")
@click.option("--size", default="tiny", show_default=True, help="Sandbox size of each tenant.")
@click.option("--seed", default=1, show_default=True, help="Seed of the first tenant.")
@click.option(
    "--budget",
    default=8000,
    show_default=True,
    help="Graph resource units per 10 s, per tenant (0: unlimited).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("fleet.toml"),
    show_default=True,
    help="Where to write the fleet file that points at these tenants.",
)
@click.option(
    "--schedule", default=None, help="Cron of every tenant's periodic sync in the fleet file."
)
def sandbox(
    count: int, size: str, seed: int, budget: int, output: Path, schedule: str | None
) -> None:
    """Serve COUNT simulated tenants (one Graph server each) until interrupted."""
    from govern.fleet.sandbox import start_fleet

    with start_fleet(
        count, size=size, first_seed=seed, resource_units_per_10s=budget or None
    ) as running:
        output.write_text(running.fleet_toml(schedule=schedule), encoding="utf-8")
        for t in running.tenants:
            click.echo(f"{t.id}: {t.url} (seed {t.seed})", err=True)
        click.echo(f"wrote {output}; Ctrl-C stops the tenants", err=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass

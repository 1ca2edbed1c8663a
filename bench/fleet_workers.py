"""A fleet of sandbox tenants discovered by 1, 2 and 4 workers through the PostgreSQL queue.

Run: GOVERN_TEST_POSTGRES_URL=postgresql+psycopg://... .venv/bin/python bench/fleet_workers.py \
        [--tenants 50] [--size demo] [--workers 1,2,4] [--job discover|sync]
(scripts/postgres.sh starts a server and prints the URL.) Each worker count gets a fresh
database and a first (full) discovery of every tenant (``--job sync``: discovery, the
tenant's plan and its audit, what the schedule runs); the tenants' Graph servers run in this
process, each with its own resource-unit budget. Prints per worker count: wall time, tenants
per minute in all and per worker, mean job seconds, the most database connections seen, the
most jobs seen waiting on a tenant lock, and the queue's failures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from govern.fleet import queue, runs
from govern.fleet.config import load_fleet
from govern.fleet.sandbox import start_fleet
from govern.fleet.status import queue_status
from govern.registry import load as load_registry
from govern.store import Store

ROOT = Path(__file__).resolve().parents[1]
GOVERN = str(ROOT / ".venv" / "bin" / "govern")


def fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"govern_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def connections(admin_url: str, name: str) -> int:
    admin = create_engine(admin_url)
    with admin.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"), {"d": name}
        ).scalar_one()
    admin.dispose()
    return int(n)


def one(
    admin_url: str, fleet_file: Path, workers: int, tenants: int, job: str = "discover"
) -> dict[str, Any]:
    registry = load_registry()
    fleet = load_fleet(fleet_file, {n: c.settings_model for n, c in registry.connectors.items()})
    name, url = fresh_database(admin_url)
    store = Store(url)
    queue.ensure_schema(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env.update(GOVERN_STORE_URL=url, GOVERN_FLEET=str(fleet_file),
               GOVERN_POLICIES_DIR=str(ROOT / "policies"),
               GOVERN_STORE_DIR=f"/tmp/govern-bench-state-{name}")  # fmt: skip
    procs = [
        subprocess.Popen(
            [GOVERN, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    time.sleep(3)  # let the workers start before the clock does
    app = queue.app_for(url)
    most_conns = most_waits = 0
    started = time.perf_counter()
    try:
        queue.defer(app, fleet.tenants, job, round_="bench")
        while True:
            done = [r for r in runs.runs(store, round_="bench") if r.status != runs.RUNNING]
            most_conns = max(most_conns, connections(admin_url, name))
            most_waits = max(most_waits, queue_status(url).lock_waits)
            if len(done) >= tenants:
                break
            time.sleep(0.5)
        wall = time.perf_counter() - started
    finally:
        app.close()
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
    attempts = runs.runs(store, round_="bench")
    seconds = [(r.finished_at - r.started_at).total_seconds() for r in attempts if r.finished_at]
    failed = sum(1 for r in attempts if r.status == runs.FAILED)
    store.dispose()
    drop_database(admin_url, name)
    shutil.rmtree(f"/tmp/govern-bench-state-{name}", ignore_errors=True)  # the plans written
    return {
        "job": job,
        "workers": workers,
        "wall_s": round(wall, 1),
        "tenants_per_min": round(tenants / wall * 60, 1),
        "per_worker_per_min": round(tenants / wall * 60 / workers, 1),
        "mean_job_s": round(statistics.mean(seconds), 2),
        "max_db_connections": most_conns,
        "max_lock_waits": most_waits,
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--size", default="demo")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--job", default="discover", choices=["discover", "sync"])
    args = parser.parse_args()
    admin = os.environ.get("GOVERN_TEST_POSTGRES_URL")
    if not admin:
        sys.exit("set GOVERN_TEST_POSTGRES_URL (scripts/postgres.sh prints one)")
    t = time.perf_counter()
    with start_fleet(args.tenants, size=args.size) as sandbox:
        print(f"{args.tenants} {args.size} tenants served in {time.perf_counter() - t:.1f} s",
              flush=True)  # fmt: skip
        fleet_file = Path(f"/tmp/govern-bench-fleet-{os.getpid()}.toml")
        fleet_file.write_text(sandbox.fleet_toml(), encoding="utf-8")
        rows = []
        for n in (int(w) for w in args.workers.split(",")):
            row = one(admin, fleet_file, n, args.tenants, args.job)
            print(row, flush=True)
            rows.append(row)
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in cols) + " |")
    base = rows[0]["wall_s"]
    for row in rows[1:]:
        print(f"speed-up with {row['workers']} workers: {base / row['wall_s']:.2f}x")
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Three worker processes on a real PostgreSQL queue discover twelve sandbox tenants.

Proves, through the real msgraph-sdk against the sandbox over HTTP: every tenant discovered
once per round, never two jobs of one tenant at once and no lock errors, a worker SIGKILLed
mid-job and its job finished by another, a thirteenth tenant with wrong credentials failing its
own jobs (once, not retried) with one line while the others go on, and the inventories equal
to a one-process run.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from govern.fleet import queue, runs
from govern.fleet.config import load_fleet
from govern.fleet.sandbox import start_fleet
from govern.registry import load as load_registry
from govern.store import Store, queries
from tests.fleet.conftest import GOVERN, govern_env

TENANTS = 12


def _inventory(store: Store, connector: str, scope: str) -> tuple[Any, ...]:
    snap = store.latest()[(connector, scope)]
    # JSON, compared as parsed objects: PostgreSQL's jsonb keeps object keys in its own order.
    people = {p.id: p.model_dump_json() for p in queries.principals(store, at=snap)}
    comms = {c.id: c.model_dump_json() for c in queries.communities(store, at=snap)}
    people = {k: json.loads(v) for k, v in people.items()}
    comms = {k: json.loads(v) for k, v in comms.items()}
    grants = {g.key for g in queries.grants(store, at=snap)}
    return people, comms, grants


def _wait_round(store: Store, round_: str, timeout: float = 90) -> list[runs.Attempt]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [r for r in runs.runs(store, round_=round_) if r.status == runs.SUCCEEDED]
        failed = [r for r in runs.runs(store, round_=round_) if r.status == runs.FAILED]
        if len({r.tenant for r in done}) == TENANTS and failed:
            return runs.runs(store, round_=round_)
        time.sleep(0.5)
    raise AssertionError(f"round {round_} did not finish: {runs.runs(store, round_=round_)}")


@pytest.mark.timeout(240)
def test_three_workers_twelve_tenants_one_killed(pg_url: str, tmp_path: Path) -> None:
    registry = load_registry()
    models = {n: c.settings_model for n, c in registry.connectors.items()}
    with start_fleet(TENANTS + 1, size="tiny", latency_seconds=0.02) as sandbox:
        fleet_file = tmp_path / "fleet.toml"
        fleet_file.write_text(sandbox.fleet_toml(wrong_token=["t13"]), encoding="utf-8")
        fleet = load_fleet(fleet_file, models)
        good = [t for t in fleet.tenants if t.id != "t13"]
        store = Store(pg_url)
        queue.ensure_schema(pg_url)
        env = govern_env(pg_url, fleet_file)
        logs = [tmp_path / f"worker{n}.log" for n in range(3)]
        workers = [
            subprocess.Popen(
                [GOVERN, "worker", "--heartbeat", "1", "--stalled-after", "4"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )
            for log in logs
        ]
        try:
            app = queue.app_for(pg_url)
            try:
                # Round 1: one worker is killed while it discovers a tenant.
                queue.defer(app, fleet.tenants, "discover", round_="r1")
                victim = _first_running(store, "r1")
                pid = int(str(victim.worker).rsplit(":", 1)[1])
                os.kill(pid, signal.SIGKILL)
                r1 = _wait_round(store, "r1")
            finally:
                app.close()
            # Round 2 (incremental) with the two workers left, queued by the CLI, which waits.
            cli = [GOVERN, "fleet", "run", "--job", "discover", "--round", "r2", "--wait"]
            second = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
            r2 = runs.runs(store, round_="r2")
            status = subprocess.run(
                [GOVERN, "fleet", "status", "--format", "json"],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(30)
        stderr = "\n".join(log.read_text() for log in logs)

        # Every tenant once per round: one successful attempt each; t13 failed once, no retry.
        for rnd in (r1, r2):
            ok = Counter(r.tenant for r in rnd if r.status == runs.SUCCEEDED)
            assert ok == Counter({t.key: 1 for t in good})
            (bad,) = [r for r in rnd if r.status == runs.FAILED]
            assert bad.tenant == "m365:t13" and bad.attempt == 0
            assert bad.error is not None and "\n" not in bad.error
            assert bad.error.startswith(f"tenant t13 ({fleet_file}:")
            assert "401 InvalidAuthenticationToken" in bad.error
        # Never two attempts of one tenant at the same time (one lock per scope).
        for t in good:
            spans = sorted(
                (r.started_at, r.finished_at)
                for r in r1 + r2
                if r.tenant == t.key and r.finished_at
            )
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), t.id
        # The CLI waited, printed each tenant's outcome, and exited 1 for t13 alone.
        assert second.returncode == 1, second.stderr
        assert second.stderr.count("error: ") == 1 and "error: tenant t13 (" in second.stderr
        assert "sandbox-tenant" not in second.stdout + second.stderr  # tokens never printed
        queue_now = json.loads(status.stdout)
        assert queue_now["counts"] == {"succeeded": 2 * TENANTS, "failed": 2}
        assert queue_now["running"] == [] and queue_now["lock_waits"] == 0
        # The killed worker's job: its attempt never finished, another worker finished the job.
        killed = [r for r in r1 if r.tenant == victim.tenant]
        assert [r.status for r in killed] == [runs.RUNNING, runs.SUCCEEDED]
        assert killed[0].worker == victim.worker and killed[1].worker != victim.worker
        assert killed[0].job_id == killed[1].job_id
        assert "LockedError" not in stderr and "Traceback" not in stderr, stderr
        # Workers took turns: more than one worker did jobs.
        assert len({r.worker for r in r1 + r2 if r.status == runs.SUCCEEDED}) >= 2
        # Nothing left in the queue.
        assert _queue_counts(pg_url).get("doing", 0) == 0

        # The same tenants discovered by one process into SQLite give the same inventories.
        from govern.fleet import work

        local = Store(f"sqlite:///{tmp_path / 'one.db'}")
        for _ in ("r1", "r2"):  # the same two rounds, full then incremental
            for t in good:
                work.discover(local, t, registry)
        for t in good:
            shared, alone = _inventory(store, "m365", t.id), _inventory(local, "m365", t.id)
            assert shared == alone, (t.id, _differences(shared, alone))
        # Two rounds, two snapshots per tenant, and nothing half-written by the killed worker.
        assert Counter(s.scope for s in store.snapshots()) == Counter({t.id: 2 for t in good})
        store.dispose()


def _differences(a: tuple[Any, ...], b: tuple[Any, ...]) -> list[str]:
    out = []
    for part, (x, y) in zip(
        ("principals", "communities", "grants"), zip(a, b, strict=True), strict=True
    ):
        if isinstance(x, dict):
            for key in sorted(set(x) | set(y)):
                if x.get(key) != y.get(key):
                    jx, jy = x.get(key) or {}, y.get(key) or {}
                    fields = {k for k in set(jx) | set(jy) if jx.get(k) != jy.get(k)}
                    out.append(
                        f"{part} {key}: {sorted(fields)} {[(jx.get(f), jy.get(f)) for f in fields]}"
                    )
        elif x != y:
            out.append(f"{part}: {sorted(x ^ y)[:5]}")
    return out[:5]


def _first_running(store: Store, round_: str) -> runs.Attempt:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = [r for r in runs.runs(store, round_=round_) if r.status == runs.RUNNING]
        if running:
            return running[0]
        time.sleep(0.05)
    raise AssertionError("no job started within 60 s; are the workers running?")


def _queue_counts(url: str) -> dict[str, int]:
    from govern.fleet.status import queue_status

    return queue_status(url).counts

"""Three worker processes on a real PostgreSQL queue discover twelve sandbox tenants.

Proves, through the real msgraph-sdk against the sandbox over HTTP: every tenant discovered
once per round, no lock errors, a worker SIGKILLed mid-job and its job finished by another,
and the inventories equal to a one-process run.
"""

from __future__ import annotations

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


def _wait_round(store: Store, round_: str, timeout: float = 90) -> list[runs.Run]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [r for r in runs.runs(store, round_=round_) if r.status == runs.SUCCEEDED]
        if len({r.tenant for r in done}) == TENANTS:
            return runs.runs(store, round_=round_)
        time.sleep(0.5)
    raise AssertionError(f"round {round_} did not finish: {runs.runs(store, round_=round_)}")


@pytest.mark.timeout(240)
def test_three_workers_twelve_tenants_one_killed(pg_url: str, tmp_path: Path) -> None:
    registry = load_registry()
    models = {n: c.settings_model for n, c in registry.connectors.items()}
    with start_fleet(TENANTS, size="tiny", latency_seconds=0.02) as sandbox:
        fleet_file = tmp_path / "fleet.toml"
        fleet_file.write_text(sandbox.fleet_toml(), encoding="utf-8")
        fleet = load_fleet(fleet_file, models)
        store = Store(pg_url)
        queue.ensure_schema(pg_url)
        runs.ensure_table(store)
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
                # Round 2 (incremental) with the two workers left.
                queue.defer(app, fleet.tenants, "discover", round_="r2")
                r2 = _wait_round(store, "r2")
            finally:
                app.close()
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(30)
        stderr = "\n".join(log.read_text() for log in logs)

        # Every tenant once per round: one successful attempt each.
        for rnd in (r1, r2):
            ok = Counter(r.tenant for r in rnd if r.status == runs.SUCCEEDED)
            assert ok == Counter({t.key: 1 for t in fleet.tenants})
            assert not [r for r in rnd if r.status == runs.FAILED]
        # The killed worker's job: its attempt never finished, another worker finished the job.
        killed = [r for r in r1 if r.tenant == victim.tenant]
        assert [r.status for r in killed] == [runs.RUNNING, runs.SUCCEEDED]
        assert killed[0].worker == victim.worker and killed[1].worker != victim.worker
        assert killed[0].job_id == killed[1].job_id
        assert "lock" not in stderr.lower() or "LockedError" not in stderr, stderr
        assert "Traceback" not in stderr, stderr
        # Workers took turns: more than one worker did jobs.
        assert len({r.worker for r in r1 + r2 if r.status == runs.SUCCEEDED}) >= 2
        # Nothing left in the queue.
        assert _queue_counts(pg_url).get("doing", 0) == 0

        # The same tenants discovered by one process into SQLite give the same inventories.
        from govern.fleet import work

        local = Store(f"sqlite:///{tmp_path / 'one.db'}")
        for _ in ("r1", "r2"):  # the same two rounds, full then incremental
            for t in fleet.tenants:
                work.discover(local, t, registry)
        for t in fleet.tenants:
            shared, alone = _inventory(store, "m365", t.id), _inventory(local, "m365", t.id)
            assert shared == alone, (t.id, _differences(shared, alone))
        # Two rounds, two snapshots per tenant, and nothing half-written by the killed worker.
        assert Counter(s.scope for s in store.snapshots()) == Counter(
            {t.id: 2 for t in fleet.tenants}
        )
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


def _first_running(store: Store, round_: str) -> runs.Run:
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

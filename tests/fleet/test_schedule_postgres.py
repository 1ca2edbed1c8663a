"""Periodic syncs live in the queue: a worker defers them on their cron, never two at once."""

from __future__ import annotations

import itertools
import signal
import subprocess
import time
from pathlib import Path

import pytest

from govern.fleet import queue, runs
from govern.fleet.sandbox import start_fleet
from govern.store import Store
from tests.fleet.conftest import GOVERN, govern_env


@pytest.mark.timeout(180)
def test_a_worker_runs_the_scheduled_syncs(pg_url: str, tmp_path: Path) -> None:
    with start_fleet(2, size="tiny", first_seed=31) as sandbox:
        fleet_file = tmp_path / "fleet.toml"
        # Every 4 seconds: croniter, which procrastinate uses, reads a sixth, TRAILING field as
        # seconds ("*/4 * * * * *" is every second of every fourth minute, so the test passed
        # or timed out by the time of day it started).
        fleet_file.write_text(sandbox.fleet_toml(schedule="* * * * * */4"), encoding="utf-8")
        store = Store(pg_url)
        queue.ensure_schema(pg_url)
        log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            [GOVERN, "worker", "--concurrency", "2"],
            env=govern_env(pg_url, fleet_file),
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                done = [r for r in runs.runs(store) if r.status == runs.SUCCEEDED]
                per = {t: sum(1 for r in done if r.tenant == t) for t in ("m365:t01", "m365:t02")}
                if min(per.values()) >= 2:
                    break
                time.sleep(0.5)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
        attempts = runs.runs(store)
        assert min(per.values()) >= 2, (per, log.read_text())
        assert {r.kind for r in attempts} == {"sync"}
        assert all(r.round and r.round.startswith("schedule-") for r in attempts)
        assert not [r for r in attempts if r.status == runs.FAILED], log.read_text()
        # The second scheduled sync of a tenant was incremental and audited the tenant.
        second = [r for r in attempts if r.tenant == "m365:t01" and r.status == runs.SUCCEEDED][1]
        assert second.summary["mode"] == "incremental"
        assert second.summary["audit"]["findings"] > 0
        # One tenant's syncs never overlapped, though a new one fell due every 4 seconds.
        for tenant in ("m365:t01", "m365:t02"):
            spans = sorted(
                (r.started_at, r.finished_at)
                for r in attempts
                if r.tenant == tenant and r.finished_at
            )
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), tenant
        store.dispose()

"""Faults give the same inventory; a killed run changes nothing; secrets never leak."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from govern_confluence.transport import Meter, RetryingSession

from govern.sandbox.confluence import Account, ConfluenceSandbox, Credentials, start
from govern.sandbox.http import Faults
from govern.sandbox.org import Organisation
from govern.store import Store
from tests.connectors.confluence.conftest import Discover
from tests.connectors.confluence.inventory import inventory


def test_faults_give_the_same_inventory(
    site: ConfluenceSandbox, discover: Discover, store: Store, tmp_path: Path
) -> None:
    discover()
    clean = inventory(store)
    # Retry-After 0 keeps the test fast; the waits themselves are checked below.
    site.faults.set(
        Faults(throttle_rate=0.1, unavailable_rate=0.1, drop_rate=0.1, retry_after=0, seed=3)
    )
    snap = discover(full=True).snapshot
    assert snap.stats["retries"] > 0 and site.requests.faults["drop"] > 0
    assert inventory(store) == clean


def test_retry_after_is_honoured() -> None:
    waits: list[float] = []
    session = RetryingSession(Meter(), max_retries=3, sleep=waits.append)
    org_free = Faults(throttle_rate=1.0, retry_after=7)
    from govern.sandbox.org import generate

    with start(generate("tiny", 2), faults=org_free) as sb:
        r = session.get(sb.url + "/rest/api/group", headers={"Authorization": "Bearer x"})
    assert r.status_code == 429 and waits == [7.0, 7.0, 7.0]


def _env(sandbox: ConfluenceSandbox, store_dir: Path, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env.update(
        {
            "GOVERN_STORE_DIR": str(store_dir),
            "GOVERN_CONFLUENCE__URL": sandbox.url,
            "GOVERN_CONFLUENCE__USERNAME": "canary-admin",
            "GOVERN_CONFLUENCE__PASSWORD": secret,
        }
    )
    return env


def _govern(*args: str) -> list[str]:
    return [sys.executable, "-m", "govern", *args]


def test_killed_run_leaves_the_store_as_it_was(org: Organisation, tmp_path: Path) -> None:
    creds = Credentials([Account("canary-admin", "s3cret-kill", site_admin=True)])
    with start(org, "datacenter", credentials=creds) as sb:
        env = _env(sb, tmp_path, "s3cret-kill")
        done = subprocess.run(
            _govern("discover"), env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
        before = (inventory(store), [s.id for s in store.snapshots()])
        sb.faults.set(Faults(latency_seconds=0.05))  # slow enough to be killed mid-run
        started = sb.requests.total
        proc = subprocess.Popen(
            _govern("discover", "--full"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while sb.requests.total < started + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL  # killed mid-run, not finished
        assert (inventory(store), [s.id for s in store.snapshots()]) == before
        store.dispose()


@pytest.mark.parametrize("flavour", ["datacenter", "cloud"])
def test_canary_secret_never_printed_logged_or_stored(
    org: Organisation, tmp_path: Path, flavour: str
) -> None:
    canary = "CANARY-7f3a9c-secret"
    creds = Credentials([Account("canary-admin", canary, site_admin=True)])
    with start(org, flavour, credentials=creds) as sb:
        env = _env(sb, tmp_path, canary)
        if flavour == "cloud":
            env.pop("GOVERN_CONFLUENCE__USERNAME")
            env.pop("GOVERN_CONFLUENCE__PASSWORD")
            env.update(
                {
                    "GOVERN_CONFLUENCE__DEPLOYMENT": "cloud",
                    "GOVERN_CONFLUENCE__EMAIL": "canary-admin",
                    "GOVERN_CONFLUENCE__API_TOKEN": canary,
                }
            )
        runs = [
            subprocess.run(
                _govern("--debug", *args),
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            for args in (["discover"], ["discover"], ["config", "show"])
        ]
        assert all(r.returncode == 0 for r in runs), [r.stderr[-500:] for r in runs]
        assert any("DEBUG" in r.stderr for r in runs)  # debug logging was on
        for r in runs:
            assert canary not in r.stdout and canary not in r.stderr
        raw = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
        assert b"CANARY" not in raw
        # and a wrong secret is refused, without echoing it either
        bad = requests.get(sb.url + "/rest/api/group", auth=("canary-admin", "nope"))
        assert bad.status_code == 401 and "nope" not in bad.text

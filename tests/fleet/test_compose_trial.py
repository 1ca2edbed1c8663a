"""The compose trial, run as the plain processes compose would start, on a real PostgreSQL.

No container engine can run here, so the services of deploy/compose/docker-compose.yml are
started as processes with the commands and environment the file gives them; only what a
container would change is mapped: the ``postgres`` service's address becomes the test's
database, the ``/shared`` volume and the image's ``/src`` become folders here, and the sandbox's
tenants are ``tiny`` instead of ``demo`` to keep the test fast. Then, as the file says: the
sandbox writes the fleet file (its healthcheck), two workers start, ``run`` queues a sync of
every tenant and waits, and ``report`` prints the roll-up.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from govern.fleet import runs
from govern.store import Store
from tests.fleet.conftest import GOVERN, ROOT, govern_env

COMPOSE = ROOT / "deploy" / "compose" / "docker-compose.yml"


def _mapped(value: str, pg_url: str, shared: Path) -> str:
    """A value of the compose file as it reads outside a container."""
    if value.startswith("postgresql+psycopg://"):
        return pg_url  # the `postgres` service
    return value.replace("/shared", str(shared)).replace("/src", str(ROOT))


def _command(service: dict[str, Any], pg_url: str, shared: Path) -> list[str]:
    args = [_mapped(a, pg_url, shared) for a in service["command"]]
    if "--size" in args:
        args[args.index("--size") + 1] = "tiny"
    return [GOVERN, *args]


def _env(service: dict[str, Any], pg_url: str, shared: Path) -> dict[str, str]:
    given = {k: _mapped(str(v), pg_url, shared) for k, v in service["environment"].items()}
    env = govern_env(given["GOVERN_STORE_URL"], Path(given["GOVERN_FLEET"])) | given
    if "GOVERN_STORE_DIR" not in given:  # as in the image: the default, under the WORKDIR
        del env["GOVERN_STORE_DIR"]
    return env


def _wait_live_workers(pg_url: str, count: int, env: dict[str, str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            [GOVERN, "fleet", "status", "--format", "json"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if done.returncode == 0 and len(json.loads(done.stdout)["workers"]) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"{count} workers did not start within {timeout} s")


@pytest.mark.timeout(300)
def test_compose_trial_as_processes(pg_url: str, tmp_path: Path) -> None:
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    shared = tmp_path / "shared"
    shared.mkdir()
    home = tmp_path / "home"  # the image's WORKDIR: the workers' state directory lives here
    home.mkdir()
    started: list[subprocess.Popen[str]] = []

    def start(name: str) -> subprocess.Popen[str]:
        service = services[name]
        env = _env(service, pg_url, shared) if "environment" in service else None
        log = (tmp_path / f"{name}.log").open("w")
        proc = subprocess.Popen(
            _command(service, pg_url, shared), env=env, cwd=home, stdout=log, stderr=log, text=True
        )
        started.append(proc)
        return proc

    try:
        start("sandbox")
        fleet_file = shared / "fleet.toml"  # the sandbox's healthcheck: the file exists
        deadline = time.monotonic() + 60
        while not fleet_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert fleet_file.exists(), (tmp_path / "sandbox.log").read_text()
        env = _env(services["run"], pg_url, shared)
        workers = [name for name, s in services.items() if s.get("command") == ["worker"]]
        assert len(workers) == 2
        for name in workers:
            start(name)
        _wait_live_workers(pg_url, 2, env, timeout=90)
        run = subprocess.run(
            _command(services["run"], pg_url, shared),
            env=env, cwd=home, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        report = subprocess.run(
            _command(services["report"], pg_url, shared),
            env=env, cwd=home, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    tenants = [f"t{n:02d}" for n in range(1, 7)]  # `--tenants 6` in the file
    assert report.returncode == 0, report.stderr
    rows = [line for line in report.stdout.splitlines() if line.startswith("| t0")]
    assert [r.split("|")[1].strip() for r in rows] == tenants
    store = Store(pg_url)
    attempts = runs.runs(store)
    store.dispose()
    synced = Counter(r.tenant for r in attempts if r.kind == "sync" and r.status == runs.SUCCEEDED)
    assert synced == Counter({f"m365:{t}": 1 for t in tenants})  # each once, none failed
    assert all(r.status == runs.SUCCEEDED for r in attempts)
    # Both workers took jobs (two workers share one queue), and each sync planned its tenant.
    assert len({r.worker for r in attempts}) == 2
    for r in attempts:
        plan_file = Path(r.summary["plan"]["plan_file"])
        assert plan_file.is_file() and plan_file.parent.name == r.tenant.split(":")[1]
        assert plan_file.is_relative_to(home)  # the workers' WORKDIR, as in the image

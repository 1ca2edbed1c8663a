"""Crash safety against the sandbox: `govern apply` through msgraph-sdk, SIGKILLed, resumed.

Each trial serves a fresh copy of the same sandbox organisation, discovers it, plans under the
e2e policies, and runs ``govern apply`` as a subprocess against the sandbox's Graph server over
HTTP, killing it (SIGKILL) once the journal has a random number of entries, up to twice, then
applying the same plan file again until it finishes. Each trial must end, as rediscovered, in
the state of an uninterrupted run; the journal must agree with the tenant; and the sandbox's own
record (``ownerless_moments``) must show no community left without an enabled owner.

GOVERN_SANDBOX_CRASH_TRIALS sets the number of trials (default 20).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from govern.discovery import run_discovery
from govern.model import ChangeAction, JournalPhase, utcnow
from govern.plan import planfile
from govern.plan.build import build_plan
from govern.plan.journal import Journal, RunStatus
from govern.store import Store
from govern.store import queries as q
from tests.plan.test_sandbox_e2e import policies

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("GOVERN_SANDBOX_CRASH_TRIALS", "20"))
ORIGIN = json.dumps({"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]})


def connector(sandbox: Any) -> Any:
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings

    conf: dict[str, Any] = dict(sandbox.graph.settings)
    conf["origin"] = json.loads(ORIGIN)
    return M365Connector(M365Settings(**conf))


def state(store: Store, communities: set[str]) -> dict[str, Any]:
    """What rediscovery shows of the touched communities: grants and visibility."""
    grants = sorted(g.key for g in q.grants(store) if g.community_id in communities)
    vis = {c: q.community(store, c).visibility.value for c in sorted(communities)}
    return {"grants": grants, "visibility": vis}


def entries(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=0.05)
        try:
            return int(conn.execute("SELECT count(*) FROM journal").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


class Tenant:
    """One sandbox copy with its own store, discovered and planned."""

    def __init__(self, sandbox_factory: Any, base: Path, name: str, pols: Path) -> None:
        self.dir = base / name
        self.dir.mkdir()
        self.sandbox = sandbox_factory(size="tiny", seed=0, servers=("graph",))
        self.db = self.dir / "inventory.db"
        self.url = f"sqlite:///{self.db}"
        self.store = Store(self.url)
        self.conn = connector(self.sandbox)
        run_discovery(self.store, self.conn, full=True)
        supported = {"m365": self.conn.supported_actions}
        self.plan = build_plan(self.store, pols, now=utcnow(), supported=supported).plan
        self.plan_path = self.dir / "plan.json"
        planfile.write(self.plan, self.plan_path)
        self.env = {
            # The plan was sealed in this process: its key file goes along (not other settings).
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith("GOVERN_") or k == "GOVERN_PLAN__KEY_FILE"
            },
            **self.sandbox.env(),
            "GOVERN_M365__ORIGIN": ORIGIN,
            "GOVERN_POLICIES_DIR": str(pols),
            "GOVERN_STORE_URL": self.url,
        }

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "govern",
                "apply",
                str(self.plan_path),
                "--auto-approve",
                "--max-removed-share",
                "1",
            ],
            cwd=self.dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def rediscovered(self) -> dict[str, Any]:
        run_discovery(self.store, self.conn, full=True)
        return state(self.store, {c.community_id for c in self.plan.changes})


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_sandbox_apply_killed_at_random_points_resumes_to_the_same_state(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    pols = policies(tmp_path)
    ref = Tenant(sandbox_factory, tmp_path, "reference", pols)
    proc = ref.start()
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    expected = ref.rediscovered()
    assert ref.sandbox.org.ownerless_moments == []
    n = len(ref.plan.changes)
    assert n >= 20

    rng = random.Random(7)
    figures: dict[str, Any] = {
        "trials": TRIALS,
        "changes": n,
        "kills": 0,
        "in_flight": 0,
        "entries_at_kill": [],
    }
    for trial in range(TRIALS):
        t = Tenant(sandbox_factory, tmp_path, f"t{trial}", pols)
        assert [c.id for c in t.plan.changes] == [c.id for c in ref.plan.changes]
        for _ in range(rng.randint(1, 2)):
            goal = entries(t.db) + rng.randint(1, max(1, 2 * n - entries(t.db)))
            proc = t.start()
            while proc.poll() is None and entries(t.db) < goal:
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.02))
            proc.send_signal(signal.SIGKILL)
            proc.wait(60)
            if proc.returncode == -signal.SIGKILL:
                figures["kills"] += 1
                figures["entries_at_kill"].append(entries(t.db))
                run = Journal(t.store).for_plan(t.plan.id)
                if run and any(
                    e.phase is JournalPhase.INTENT
                    for e in Journal(t.store).last_phases(run.id).values()
                ):
                    figures["in_flight"] += 1
        proc = t.start()
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err

        journal = Journal(t.store)
        run = journal.for_plan(t.plan.id)
        assert run is not None and run.status is RunStatus.APPLIED
        last = journal.last_phases(run.id)
        assert all(last[c.id].phase is JournalPhase.DONE for c in t.plan.changes)
        got = t.rediscovered()
        assert got == expected, f"trial {trial} diverged"
        keys = set(map(tuple, got["grants"]))
        for c in t.plan.changes:  # the journal agrees with the tenant
            if c.action is ChangeAction.ADD_GRANT:
                assert (c.community_id, c.principal_id, c.role.value) in keys
            elif c.action is ChangeAction.REMOVE_GRANT:
                assert (c.community_id, c.principal_id, c.role.value) not in keys
        assert t.sandbox.org.ownerless_moments == [], t.sandbox.org.ownerless_moments
        t.store.dispose()
        t.sandbox.stop()
    print("\nsandbox crash trials:", json.dumps(figures))
    assert figures["kills"] >= TRIALS

"""Crash safety: `govern apply` SIGKILLed at random points, resumed, ends as if never killed.

Each trial makes a plan of owner swaps, guest removals and visibility changes over a fake tool
kept in a JSON file, runs ``govern apply`` as a subprocess (the CLI, as an admin would), kills
it with SIGKILL after a random delay (up to three times), then applies the same plan file again
until it finishes. Each trial checks that:

* the tool ends in exactly the state an uninterrupted run leaves;
* the journal agrees with the tool: replaying the changes it records as done on the initial
  state gives the final state;
* the tool's own record shows no community that had an owner ever had none.

GOVERN_CRASH_TRIALS sets the number of trials (default 20); the figures are printed (-s).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from govern.discovery import run_discovery
from govern.model import Change, ChangeAction, JournalPhase, Role, utcnow
from govern.plan import planfile
from govern.plan.apply import apply_plan
from govern.plan.changes import make_change
from govern.plan.journal import Journal, RunStatus
from govern.plan.order import ordered
from govern.policy.repo import revision
from govern.store import Store
from tests.plan.conftest import options
from tests.plan.fake_tool import FakeSettings, FakeTool, FakeToolConnector, community

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "plan" / "govern_fake.py"
TRIALS = int(os.environ.get("GOVERN_CRASH_TRIALS", "20"))


def tool_state(n: int) -> dict[str, Any]:
    communities = {}
    for i in range(n):
        grants = [
            (f"fake:user:owner{i}", "owner"),
            (f"fake:user:m{i}", "member"),
            ("fake:user:ext", "member"),
        ]
        if i % 3 == 0:
            grants.append((f"fake:user:co{i}", "owner"))
        communities[f"fake:team:c{i:02d}"] = community(grants, visibility="public")
    return {"communities": communities, "principals": {"fake:user:ext": "guest"}}


def changes_for(n: int) -> list[Change]:
    out = []
    for i in range(n):
        cid = f"fake:team:c{i:02d}"
        out += [
            make_change(
                ChangeAction.ADD_GRANT,
                cid,
                principal_id=f"fake:user:steward{i % 4}",
                role=Role.OWNER,
                rule_id="REQ-STEWARD",
                reason="steward",
            ),
            make_change(
                ChangeAction.REMOVE_GRANT,
                cid,
                principal_id=f"fake:user:owner{i}",
                role=Role.OWNER,
                rule_id="ACC-X",
                reason="swap",
            ),
            make_change(
                ChangeAction.REMOVE_GRANT,
                cid,
                principal_id="fake:user:ext",
                role=Role.MEMBER,
                rule_id="ACC-GUEST",
                reason="guest",
            ),
            make_change(
                ChangeAction.SET_VISIBILITY,
                cid,
                value="private",
                rule_id="REQ-PRIV",
                reason="private",
            ),
        ]
        if i % 3 == 0:
            out.append(
                make_change(
                    ChangeAction.CHANGE_ROLE,
                    cid,
                    principal_id=f"fake:user:co{i}",
                    role=Role.MEMBER,
                    from_role=Role.OWNER,
                    rule_id="R",
                    reason="r",
                )
            )
    return out


def replay(initial: dict[str, Any], done: list[Change]) -> dict[str, Any]:
    tool = FakeTool(copy.deepcopy(initial))
    for change in done:
        assert tool.apply(change).ok
    return tool.snapshot()


class Trial:
    def __init__(self, base: Path, seed: int, policies: Path, n: int = 10) -> None:
        self.dir = base / f"trial{seed}"
        self.dir.mkdir()
        self.rng = random.Random(seed)
        self.state_file = self.dir / "tool.json"
        self.initial = tool_state(n)
        self.tool = FakeTool(copy.deepcopy(self.initial), self.state_file)
        self.url = f"sqlite:///{self.dir / 'inventory.db'}"
        store = Store(self.url)
        conn = FakeToolConnector(FakeSettings(state_file=str(self.state_file)), self.tool)
        run_discovery(store, conn, full=True)
        snaps = {f"{c}/{s}": x.id for (c, s), x in store.latest().items()}
        self.plan = planfile.new_plan(
            changes_for(n), policy=revision(policies), snapshots=snaps, created_at=utcnow()
        )
        self.plan_path = self.dir / "plan.json"
        planfile.write(self.plan, self.plan_path)
        store.dispose()
        self.env = {
            # The plan was sealed in this process: its key file goes along (not other settings).
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith("GOVERN_") or k == "GOVERN_PLAN__KEY_FILE"
            },
            "PYTHONPATH": str(ROOT),
            "GOVERN_STORE_URL": self.url,
            "GOVERN_POLICIES_DIR": str(policies),
            "GOVERN_FAKE__STATE_FILE": str(self.state_file),
            "GOVERN_FAKE__DELAY_MS": "4",
        }

    def entries(self) -> int:
        """Journal entries so far (0 before the store has a journal)."""
        import sqlite3

        try:
            conn = sqlite3.connect(self.dir / "inventory.db", timeout=0.05)
            try:
                return int(conn.execute("SELECT count(*) FROM journal").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.Error:  # not created yet, or busy
            return 0

    def wait_for_entries(self, proc: subprocess.Popen[str], target: int) -> bool:
        """Poll until the journal has ``target`` more entries; False if the process ended first."""
        if target == 0:
            time.sleep(self.rng.uniform(0.0, 1.0))  # somewhere in start-up
            return proc.poll() is None
        goal = self.entries() + target
        while proc.poll() is None:
            if self.entries() >= goal:
                return True
            time.sleep(0.001)
        return False

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                str(DRIVER),
                "apply",
                str(self.plan_path),
                "--auto-approve",
                "--max-removed-share",
                "0.7",
            ],
            cwd=self.dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def expected_state(base: Path, policies: Path, n: int = 10) -> dict[str, Any]:
    """The state one uninterrupted run leaves (in-process, same plan content)."""
    d = base / "reference"
    d.mkdir()
    tool = FakeTool(tool_state(n), d / "tool.json")
    store = Store(f"sqlite:///{d / 'inventory.db'}")
    conn = FakeToolConnector(FakeSettings(state_file=str(d / "tool.json")), tool)
    run_discovery(store, conn, full=True)
    snaps = {f"{c}/{s}": x.id for (c, s), x in store.latest().items()}
    plan = planfile.new_plan(
        changes_for(n), policy=revision(policies), snapshots=snaps, created_at=utcnow()
    )
    opts = dataclasses.replace(options(), policy_hash=plan.policy.content_hash)
    report = apply_plan(store, plan, lambda _n: conn, opts, source="reference")
    assert report is not None and report.status is RunStatus.APPLIED
    store.dispose()
    return tool.snapshot()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_apply_killed_at_random_points_resumes_to_the_same_state(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    expected = expected_state(tmp_path, policies)

    # How long one uninterrupted subprocess run takes, to spread the kills over it.
    probe = Trial(tmp_path, 10_000, policies)
    t0 = time.monotonic()
    out = probe.start()
    _, err = out.communicate(timeout=120)
    full = time.monotonic() - t0
    assert out.returncode == 0, err
    assert FakeTool(path=probe.state_file).snapshot() == expected

    figures: dict[str, Any] = {
        "trials": TRIALS,
        "kills": 0,
        "in_flight_at_kill": 0,
        "before_first_change": 0,
        "resumes": 0,
        "seconds_full_run": full,
        "entries_at_kill": [],
    }
    for seed in range(TRIALS):
        trial = Trial(tmp_path, seed, policies)
        kills = trial.rng.randint(1, 3)
        for _ in range(kills):
            # Kill at a random point of the apply: once the journal has a random number of
            # new entries (0 = during start-up), plus a jitter inside the next connector call.
            left = 2 * len(trial.plan.changes) - trial.entries()
            target = trial.rng.randint(0, max(left, 1))
            proc = trial.start()
            reached = trial.wait_for_entries(proc, target)
            time.sleep(trial.rng.uniform(0.0, 0.010))
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            if proc.returncode != -signal.SIGKILL or not reached:
                continue  # it finished first: nothing was interrupted
            figures["kills"] += 1
            store = Store(trial.url)
            journal = Journal(store)
            run = journal.for_plan(trial.plan.id)
            if run is None:
                figures["before_first_change"] += 1
            else:
                last = journal.last_phases(run.id)
                if any(e.phase is JournalPhase.INTENT for e in last.values()):
                    figures["in_flight_at_kill"] += 1
                figures["entries_at_kill"].append(journal.count(run.id))
            store.dispose()
        final = trial.start()
        _, err = final.communicate(timeout=120)
        figures["resumes"] += 1
        assert final.returncode == 0, err

        tool = FakeTool(path=trial.state_file)
        assert tool.snapshot() == expected, f"trial {seed} diverged"
        store = Store(trial.url)
        journal = Journal(store)
        run = journal.for_plan(trial.plan.id)
        assert run is not None and run.status is RunStatus.APPLIED
        last = journal.last_phases(run.id)
        done = [c for c in ordered(trial.plan.changes) if last[c.id].phase is JournalPhase.DONE]
        assert len(done) == len(trial.plan.changes)
        assert replay(trial.initial, done) == tool.snapshot()  # the journal agrees with the tool
        store.dispose()
        assert min(tool.state["min_owners"].values()) >= 1, tool.state["min_owners"]
    print("\ncrash trials:", json.dumps(figures, default=str))
    assert figures["kills"] >= TRIALS

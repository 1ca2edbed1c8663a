"""Crash trials: `govern apply migration.json` SIGKILLed at random moments, then resumed.

One sandbox serves every trial; each trial plans the migration of one Slack channel into a team
of its own name, starts ``govern apply`` as a subprocess, kills it (SIGKILL) at a random moment
of the run (after a random number of its journal entries) once or twice (mostly inside the
message import, the long step), then applies the same file again until it finishes. Every trial
must end where an uninterrupted run ends: the team with the channel's every message and reply
once, in order, with its original time and author, and the members in. A kill between Graph's
answer and the journal's record is the case that matters: the resumed run must find what the
killed one imported and not import it again.

GOVERN_MIGRATE_CRASH_TRIALS sets the number of trials (default 1; the closing note ran 20).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from govern.migrate import planfile
from govern.migrate.slack_teams import Request, plan_slack_to_teams
from govern.model import JournalPhase
from govern.plan.journal import Journal, RunStatus
from govern.store import queries as q
from tests.migrate.conftest import Tenant
from tests.migrate.test_slack_to_teams import CHANNEL, teams_channels

TRIALS = int(os.environ.get("GOVERN_MIGRATE_CRASH_TRIALS", "1"))


def _plan(tenant: Tenant, name: str, path: Path) -> Any:
    from govern_m365.settings import M365Settings
    from govern_slack import SlackSettings

    community = next(c for c in q.communities(tenant.store, connector="slack") if c.path == CHANNEL)
    request = Request(community.id, name, fallback_author=tenant.founder(), import_rps=1000.0)
    plan = plan_slack_to_teams(
        request,
        SlackSettings(**tenant.sandbox["slack"].settings),
        M365Settings(**tenant.sandbox.graph.settings),
        source_path=community.path,
    )
    planfile.write(plan, path)
    return plan


def _team_id(tenant: Tenant, run_id: str) -> str:
    entries = Journal(tenant.store).entries(run_id)
    return next(str(e.after["team_id"]) for e in entries if e.after and "team_id" in e.after)


def _members(tenant: Tenant, team_id: str) -> list[str]:
    org = tenant.sandbox.org
    gi = org.group_index(team_id)
    assert gi is not None
    return sorted(org.user_id(p) for p in org.groups[gi].members.ids)


def _killed_during(
    tenant: Tenant, path: Path, plan_id: str, rng: random.Random, entries: int, import_at: int
) -> bool:
    """Start ``govern apply`` and SIGKILL it once its journal has grown by a random number of
    entries, a random moment later; whether the kill found it running.

    Counted in journal entries, not seconds: a kill after a random share of the reference
    run's time misses a run that goes faster than the reference did (the machine's load
    moves). A first run is killed inside the message import half the time: ``import_at`` is
    the number of entries when the reference run began it.
    """
    journal = Journal(tenant.store)
    run = journal.for_plan(plan_id)
    done = journal.count(run.id) if run else 0
    if done == 0 and rng.random() < 0.5:
        target, wait = import_at, rng.uniform(0.0, 0.3)
    else:
        target, wait = done + rng.randint(1, max(1, entries * 4 // 5)), rng.uniform(0.0, 0.2)
    proc = tenant.popen("apply", path.name, "--auto-approve")
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        run = journal.for_plan(plan_id)
        if run is not None and journal.count(run.id) >= target:
            time.sleep(wait)
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    return proc.returncode == -signal.SIGKILL


@pytest.mark.timeout(3600)
def test_apply_killed_at_random_moments_resumes_without_duplicates(tenant: Tenant) -> None:
    ref_plan = _plan(tenant, "Crash Reference", tenant.dir / "reference.json")
    started = time.monotonic()
    tenant.govern("apply", "reference.json", "--auto-approve")
    duration = time.monotonic() - started
    ref_run = Journal(tenant.store).for_plan(ref_plan.id)
    assert ref_run is not None
    ref_team = _team_id(tenant, ref_run.id)
    expected = teams_channels(tenant, ref_team)
    expected_members = _members(tenant, ref_team)
    ref_entries = Journal(tenant.store).entries(ref_run.id)
    imports = {s.id for s in ref_plan.steps if s.kind.value == "import_messages"}
    import_at = next(i for i, e in enumerate(ref_entries, 1) if e.change_id in imports)
    assert sum(len(rows) for rows in expected.values()) > 100

    rng = random.Random(16)
    figures: dict[str, Any] = {"trials": TRIALS, "kills": 0, "in_import": 0, "apply_s": duration}
    for trial in range(TRIALS):
        path = tenant.dir / f"trial{trial}.json"
        plan = _plan(tenant, f"Crash Trial {trial}", path)
        for _ in range(rng.randint(1, 2)):
            if _killed_during(tenant, path, plan.id, rng, len(ref_entries), import_at):
                figures["kills"] += 1
                run = Journal(tenant.store).for_plan(plan.id)
                last = Journal(tenant.store).last_phases(run.id) if run else {}
                importing = [s.id for s in plan.steps if s.kind.value == "import_messages"]
                if any(last.get(i) and last[i].phase is JournalPhase.INTENT for i in importing):
                    figures["in_import"] += 1
        tenant.govern("apply", path.name, "--auto-approve")
        run = Journal(tenant.store).for_plan(plan.id)
        assert run is not None and run.status is RunStatus.APPLIED
        team = _team_id(tenant, run.id)
        assert team != ref_team
        got = teams_channels(tenant, team)
        for name, rows in expected.items():
            mine = got[name]
            assert len(mine) == len(rows), f"trial {trial}: {name} has {len(mine)} of {len(rows)}"
            assert [(ms, who, p is None) for ms, who, p in mine] == [
                (ms, who, p is None) for ms, who, p in rows
            ], f"trial {trial}: {name} diverged"
        assert _members(tenant, team) == expected_members
    print("\nmigration crash trials:", json.dumps(figures))
    assert figures["kills"] >= TRIALS

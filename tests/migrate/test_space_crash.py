"""The personal-space migration through the CLI, then SIGKILLed at random moments and resumed.

Confluence is discovered into a store; ``govern migrate <personal space> --to KEY -o plan.json``
plans the story's personal space used as a team space and ``govern apply`` carries it out
(the reference run). Each trial plans the same space into a new key, starts ``govern apply``,
kills it (SIGKILL) once or twice at a random moment (mostly inside the page copy, the long
step), then applies the same file again until it finishes. Every trial must end where the
reference ends: each page once, under the copy of its parent, the same grants, one pointer.
A kill between Confluence's answer and the journal's record is the case that matters: the
resumed copy must find the page by its title and not copy it again.

GOVERN_MIGRATE_CRASH_TRIALS sets the number of trials (default 1).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from atlassian import Confluence

from govern.plan.journal import Journal, RunStatus
from govern.sandbox.spaces import Subject
from govern.store import Store
from govern.store import queries as q

TRIALS = int(os.environ.get("GOVERN_MIGRATE_CRASH_TRIALS", "1"))
ROOT = Path(__file__).resolve().parents[2]


def _tree(c: Any, key: str) -> list[tuple[str, str | None]]:
    pages = c.get_all_pages_from_space_as_generator(key, expand="ancestors")
    out = [(p["title"], p["ancestors"][-1]["title"] if p["ancestors"] else None) for p in pages]
    return sorted(out, key=lambda t: (t[0], t[1] or ""))


def _grants(org: Any, key: str) -> set[tuple[str, str]]:
    s = org.spaces[org.space_index(key)]
    return {
        (r.permission, org.confluence_users[r.subject].username)
        for r in s.permissions()
        if r.subject_type == Subject.USER
    }


@pytest.mark.timeout(1800)
def test_space_migration_killed_at_random_moments_resumes(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    from govern_confluence import ConfluenceConnector
    from govern_confluence.settings import ConfluenceSettings

    from govern.discovery import run_discovery

    sandbox = sandbox_factory(size="tiny", seed=7, servers=("confluence",))
    org = sandbox.org
    settings = sandbox["confluence"].settings
    store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
    run_discovery(store, ConfluenceConnector(ConfluenceSettings(**settings)), full=True)
    key = org.spaces[org.stories["personal-space-team-wiki"].index].key
    path = next(
        c.path for c in q.communities(store, connector="confluence") if c.path.endswith(key)
    )
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("GOVERN_") or k == "GOVERN_PLAN__KEY_FILE"
        },
        **sandbox.env(),
        "GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'inventory.db'}",
        "GOVERN_POLICIES_DIR": str(ROOT / "policies"),
    }

    def govern(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "govern", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return proc

    shown = govern("migrate", path, "--to", "REFTEAM", "-o", "reference.json")
    assert "copy 340 pages" in shown.stdout and "page history" in shown.stdout
    started = time.monotonic()
    govern("apply", "reference.json", "--auto-approve")
    duration = time.monotonic() - started
    status = govern("migrate", "status", "reference.json")
    assert status.stdout.count("done") == 4 and "copy 340 pages" in status.stdout
    other = next(c.path for c in q.communities(store, connector="confluence") if "~" not in c.path)
    refused = subprocess.run(
        [sys.executable, "-m", "govern", "migrate", other],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 1 and "Confluence personal spaces" in refused.stderr
    c = Confluence(url=settings["url"], token=settings["token"])
    expected = _tree(c, "REFTEAM")
    assert len(expected) == 341
    expected_grants = _grants(org, "REFTEAM")

    # Rediscovered, the team space is a community of its own with its owners and editors.
    run_discovery(store, ConfluenceConnector(ConfluenceSettings(**settings)), full=True)
    team = next(
        c for c in q.communities(store, connector="confluence") if c.path.endswith("/REFTEAM")
    )
    roles = [str(r[2]) for r in q.grant_rows(store, community_id=team.id)]
    plan = json.loads((tmp_path / "reference.json").read_text())
    planned = plan["steps"][2]["params"]["grants"]
    owners = sum(1 for g in planned if g[2] == "owner")
    assert owners >= 2 and roles.count("owner") >= owners  # the creating account administers too
    assert roles.count("member") == sum(1 for g in planned if g[2] == "editor")

    rng = random.Random(16)
    figures: dict[str, Any] = {"trials": TRIALS, "kills": 0, "apply_s": round(duration, 2)}
    for trial in range(TRIALS):
        target = f"CRASH{trial}"
        govern("migrate", path, "--to", target, "-o", f"{target}.json")
        plan_id = json.loads((tmp_path / f"{target}.json").read_text())["id"]
        for _ in range(rng.randint(1, 2)):
            proc = subprocess.Popen(
                [sys.executable, "-m", "govern", "apply", f"{target}.json", "--auto-approve"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.5, max(1.0, duration * 0.9)))
            proc.send_signal(signal.SIGKILL)
            proc.wait(60)
            figures["kills"] += proc.returncode == -signal.SIGKILL
        govern("apply", f"{target}.json", "--auto-approve")
        run = Journal(store).for_plan(plan_id)
        assert run is not None and run.status is RunStatus.APPLIED
        pointer = f"This space has moved to {target}"
        # The same tree as the reference; the home page takes the new space's name.
        got = _tree(c, target)
        assert len(got) == len(expected), f"trial {trial}: {len(got)} pages, not {len(expected)}"
        assert len({t for t, _ in got}) == len(got), f"trial {trial}: a page copied twice"
        assert _grants(org, target) == expected_grants
        titles = [p["title"] for p in c.get_all_pages_from_space_as_generator(key)]
        assert titles.count(pointer) == 1
    print("\nspace migration crash trials:", json.dumps(figures))
    assert figures["kills"] >= TRIALS
    store.dispose()

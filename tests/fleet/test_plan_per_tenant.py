"""A per-tenant plan, through the PostgreSQL queue, holds that tenant's changes and no other's.

Two sandbox tenants are discovered into one shared PostgreSQL store. A ``plan`` job for t01 is
queued and a real worker process takes it: its plan file names only t01's communities and
people, and it is the very plan a store holding t01 alone gives. Planning the connector as a
whole (what the planner did before it knew scopes) would have mixed t02's changes in: the test
checks that too, so it proves the scope, not an empty plan. ``govern sync``'s planning reads
only the scopes it discovered, in the same shared store.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from govern.fleet import queue, runs, work
from govern.fleet.config import load_fleet
from govern.fleet.sandbox import start_fleet
from govern.model import utcnow
from govern.plan.apply import ApplyOptions
from govern.plan.build import build_plan
from govern.plan.limits import Limits
from govern.plan.planfile import read
from govern.plan.sealkey import load_key
from govern.plan.sync import run_sync
from govern.registry import load as load_registry
from govern.store import Store, queries
from tests.fleet.conftest import GOVERN, ROOT, govern_env

POLICIES = ROOT / "policies"


def _scope_ids(store: Store, connector: str, scope: str) -> tuple[set[str], set[str]]:
    snap = store.latest()[(connector, scope)]
    communities = {c.id for c in queries.communities(store, at=snap)}
    people = {p.id for p in queries.principals(store, at=snap)}
    return communities, people


@pytest.mark.timeout(180)
def test_a_tenant_plan_from_the_queue_has_only_that_tenants_changes(
    pg_url: str, tmp_path: Path
) -> None:
    registry = load_registry()
    models = {n: c.settings_model for n, c in registry.connectors.items()}
    with start_fleet(2, size="tiny", first_seed=7) as sandbox:
        fleet_file = tmp_path / "fleet.toml"
        fleet_file.write_text(sandbox.fleet_toml(), encoding="utf-8")
        fleet = load_fleet(fleet_file, models)
        t01, t02 = fleet.tenants
        shared = Store(pg_url)
        for tenant in (t01, t02):
            work.discover(shared, tenant, registry, policies=POLICIES)
        scope1 = registry.get("m365")(t01.settings).scope()
        scope2 = registry.get("m365")(t02.settings).scope()
        comms1, people1 = _scope_ids(shared, "m365", scope1)
        comms2, _ = _scope_ids(shared, "m365", scope2)
        assert comms1 and comms2 and not comms1 & comms2  # two organisations, distinct ids

        app = queue.app_for(pg_url)
        try:
            (deferred,) = queue.defer(app, [t01], "plan", round_="p1")
        finally:
            app.close()
        env = govern_env(pg_url, fleet_file)  # GOVERN_STORE_DIR: tmp_path / "state"
        worker = subprocess.run(
            [GOVERN, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
        )
        assert worker.returncode == 0, worker.stderr
        (attempt,) = runs.runs(shared, round_="p1")
        assert (attempt.tenant, attempt.kind, attempt.status) == ("m365:t01", "plan", "succeeded")
        assert attempt.job_id == deferred.job_id
        summary = attempt.summary["plan"]
        plan_file = Path(summary["plan_file"])
        assert plan_file.parent == tmp_path / "state" / "plans" / "fleet" / "t01"
        # Sealed with the worker's key, next to its state (<store_dir>/plan.key).
        plan = read(plan_file, key=load_key(tmp_path / "state" / "plan.key"))
        assert summary["changes"] == len(plan.changes) > 0
        assert {c.community_id for c in plan.changes} <= comms1
        assert {c.principal_id for c in plan.changes if c.principal_id} <= people1
        assert list(plan.snapshots) == [f"m365/{scope1}"]
        text = plan_file.with_suffix(".txt").read_text(encoding="utf-8")
        assert "m365/t01" in text or scope1 in text  # people read community paths

        # Planning the whole connector mixes the other tenant in: the scope is what kept it out.
        whole = build_plan(shared, POLICIES, now=utcnow(), connectors=["m365"]).plan
        assert {c.community_id for c in whole.changes} & comms2

        # The same plan as a store that holds t01 alone.
        alone = Store(f"sqlite:///{tmp_path / 'alone.db'}")
        work.discover(alone, t01, registry, policies=POLICIES)
        only = build_plan(alone, POLICIES, now=utcnow(), connectors=["m365"]).plan
        assert sorted(c.id for c in plan.changes) == sorted(c.id for c in only.changes)

        # `govern sync` on one tenant of the shared store plans what it discovered, nothing else.
        connector = registry.get("m365")(t02.settings)
        dry = ApplyOptions(
            limits=Limits(max_changes=1000, max_removed_share=1.0),
            max_age=timedelta(hours=1),
            actor="tester@host",
            policy_hash=None,
        )
        synced = run_sync(shared, [connector], POLICIES, dry, apply=False)
        assert synced.built is not None and synced.built.plan.changes
        assert {c.community_id for c in synced.built.plan.changes} <= comms2
        alone.dispose()
        shared.dispose()

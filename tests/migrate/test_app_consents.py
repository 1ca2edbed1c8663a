"""An unsanctioned app's users moved to a team: consents revoked for the people in it only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from govern.discovery import run_discovery
from govern.errors import PlanError
from govern.migrate.app_consents import plan_app_consents
from govern.migrate.run import RunOptions, apply_migration
from govern.plan.journal import Journal
from govern.sandbox.entities import GroupKind
from govern.store import Store
from govern.store import queries as q

OPTIONS = RunOptions(max_changes=500, max_age=timedelta(hours=24), actor="test")


def _live_consents(org: Any, app: int) -> set[int]:
    c = org.consents
    return {c.principal[r] for r in range(len(c)) if c.app[r] == app and c.revoked[r] == -1}


def test_consents_revoked_only_for_people_in_the_target(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings

    sandbox = sandbox_factory(size="tiny", seed=21, servers=("graph",))
    org = sandbox.org
    m365 = M365Settings(**sandbox.graph.settings)
    store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
    run_discovery(store, M365Connector(m365), full=True)
    apps = [c for c in q.communities(store, connector="m365") if c.kind == "app"]
    source = max(apps, key=lambda c: c.attributes.get("user_consents", 0))
    app = org.app_index(source.id.split(":", 2)[2])
    assert app is not None
    users = _live_consents(org, app) - {-1}
    # The team sharing most people with the app's users, without holding all of them.
    teams = [g for g in org.groups if g.kind == GroupKind.TEAM and g.deleted == -1]
    best = max(teams, key=lambda g: len(users & set(g.members.ids)))
    inside = users & set(best.members.ids)
    assert inside and users - inside
    target = next(c for c in q.communities(store) if c.id == f"m365:team:{org.group_id(best.idx)}")

    plan = plan_app_consents(source, target, m365)
    moved = {p.target_id for p in plan.review.people if p.role == "moved"}
    assert moved == {org.user_id(p) for p in inside}
    assert not plan.review.blocking and plan.steps[0].changes == len(inside)

    # One person leaves the team between plan and apply: they keep the app.
    leaver = sorted(inside)[0]
    org.remove_member(best.idx, leaver)
    report = apply_migration(store, plan, lambda p: (m365, None), OPTIONS, source="apps.json")
    assert report is not None and report.status.value == "applied"
    assert _live_consents(org, app) - {-1} == (users - inside) | {leaver}
    entries = Journal(store).entries(report.run.id)
    after = next(e.after for e in entries if e.after)
    assert len(after["revoked"]) == len(inside) - 1 and all(r["undo"] for r in after["revoked"])
    assert after["kept"] and "keep the app" in next(e.message for e in entries if e.after)

    # Nobody in the target: the plan is blocked, and apply refuses it before any change.
    empty = next(g for g in teams if not users & set(g.members.ids) and len(g.members.ids) > 0)
    other = next(c for c in q.communities(store) if c.id == f"m365:team:{org.group_id(empty.idx)}")
    blocked = plan_app_consents(source, other, m365)
    assert blocked.review.blocking
    with pytest.raises(PlanError, match="blocked: none of the"):
        apply_migration(store, blocked, lambda p: (m365, None), OPTIONS, source="b.json")
    store.dispose()

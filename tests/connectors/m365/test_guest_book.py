"""Incremental runs know new members' guest status from the guests token (real SDK, real HTTP).

``members@delta`` names members by id only. A run that met new members listed every guest of
the tenant to tell them apart (7 pages at xl); the guests are now kept as a delta token, current
through ``users/delta``, so the listing happens only when no token is there.
"""

from __future__ import annotations

import pytest

from govern.model import Role
from govern.sandbox.entities import GroupKind
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_new_guest_member_known_without_listing_guests(sandbox, discover: Discover) -> None:
    org = sandbox.org
    settings = m365_settings(sandbox)
    outcome, _ = discover(settings)
    store = discover.stores["inventory"]
    guests = set(outcome.snapshot.delta_tokens["guests"].split())
    assert guests == {org.user_id(p.idx) for p in org.people if p.guest and p.alive}
    team = next(g for g in org.groups if g.kind == GroupKind.TEAM and g.deleted == -1)
    guest = next(p for p in org.people if p.guest and p.alive and p.idx not in team.members)
    member = next(p for p in org.people if not p.guest and p.alive and p.idx not in team.members)
    org.add_member(team.idx, guest.idx)
    org.add_member(team.idx, member.idx)
    sandbox.reset_counts()
    outcome, _ = discover(settings)
    assert outcome.snapshot.mode.value == "incremental"
    assert sandbox.graph.log.snapshot().get("GET /v1.0/users", 0) == 0, "guests not listed"
    cid = f"m365:team:{org.group_id(team.idx)}"
    roles = {g.principal_id: g.role for g in q.grants(store, community_id=cid)}
    assert roles[f"m365:user:{org.user_id(guest.idx)}"] is Role.GUEST
    assert roles[f"m365:user:{org.user_id(member.idx)}"] is Role.MEMBER
    assert set(outcome.snapshot.delta_tokens["guests"].split()) == guests

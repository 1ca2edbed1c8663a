"""Incremental runs keep the IT groups' members from the group delta (real SDK, real HTTP).

The origin rules need every IT group member; a full run reads them (5 pages at xl), and an
incremental run updates them from the membership round of ``groups/delta`` it reads anyway.
"""

from __future__ import annotations

import json

import pytest

from tests.connectors.m365.conftest import Discover, m365_settings


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_it_members_follow_the_group_delta(sandbox, discover: Discover) -> None:
    org = sandbox.org
    settings = m365_settings(sandbox)
    outcome, _ = discover(settings)
    it = next(g for g in org.groups if g.name == "IT Staff")
    token = json.loads(outcome.snapshot.delta_tokens["it_groups"])
    members = {org.user_id(p) for p in it.members.ids}
    assert token["IT Staff"] == {"id": org.group_id(it.idx), "members": sorted(members)}

    joining = next(p for p in org.people if p.alive and p.idx not in it.members)
    leaving = it.members.ids[0]
    org.add_member(it.idx, joining.idx)
    org.remove_member(it.idx, leaving)
    sandbox.reset_counts()
    outcome, _ = discover(settings)
    counts = sandbox.graph.log.snapshot()
    assert outcome.snapshot.mode.value == "incremental"
    assert not counts.get("GET /v1.0/groups/{gid}/members") and not counts.get("GET /v1.0/groups")
    kept = json.loads(outcome.snapshot.delta_tokens["it_groups"])["IT Staff"]["members"]
    assert set(kept) == members - {org.user_id(leaving)} | {org.user_id(joining.idx)}

    # The same members as a full run reads.
    fresh, _ = discover(settings, db="fresh", full=True)
    assert json.loads(fresh.snapshot.delta_tokens["it_groups"])["IT Staff"]["members"] == kept

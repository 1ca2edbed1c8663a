from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.sandbox import Organisation, advance_org, generate, ids
from govern.sandbox.changelog import Op
from govern.sandbox.entities import NEVER


def test_advance_moves_people_communities_and_stories(fresh_demo: Organisation) -> None:
    org = fresh_demo
    viral = org.groups[org.story("viral-ai-builders").index]
    before = (len(org.people), len(org.groups), len(viral.members), org.today)
    network = org.networks[org.story("external-network-contoso-labs").index]
    net_before = len(network.members)
    advance_org(org, 45)
    assert org.today == before[3] + 45
    assert len(org.people) > before[0]  # hires
    assert any(p.disabled != NEVER and p.deleted != NEVER for p in org.people)  # leavers gone
    assert len(org.groups) > before[1]  # new communities
    assert len(viral.members) > before[2]  # the story goes on
    assert len(network.members) > net_before
    ops = {c.op for c in org.log.since(0)}
    expected = {Op.USER_ADDED, Op.USER_UPDATED, Op.USER_REMOVED, Op.GROUP_ADDED, Op.MEMBER_ADDED}
    assert expected | {Op.MEMBER_REMOVED, Op.SPACE_UPDATED, Op.CONSENT_ADDED} <= ops
    assert list(org.log.ts) == sorted(org.log.ts)


def test_deleted_people_leave_every_group(fresh_demo: Organisation) -> None:
    org = fresh_demo
    advance_org(org, 40)
    gone = {p.idx for p in org.people if p.deleted != NEVER}
    for g in org.groups:
        assert not gone & set(g.members.ids)
        assert not gone & set(g.owners.ids)


def test_group_delta_nets_changes_since_a_token(fresh_demo: Organisation) -> None:
    org = fresh_demo
    advance_org(org, 2)
    token = org.log.seq
    advance_org(org, 3)
    changes = org.log.group_changes(token)
    assert changes
    for group, delta in changes.items():
        members = set(org.groups[group].members.ids)
        assert delta.members_added <= members or delta.removed
        assert not delta.members_removed & members
    assert org.log.group_changes(org.log.seq) == {}
    users = org.log.user_changes(token)
    assert any(d.added for d in users.values()) and any(d.updated for d in users.values())
    assert org.log.seq_at(org.now) == org.log.seq


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 6), st.integers(0, 6))
def test_advancing_in_steps_equals_advancing_at_once(seed: int, a: int, b: int) -> None:
    stepwise, at_once = generate("tiny", seed), generate("tiny", seed)
    advance_org(stepwise, a)
    advance_org(stepwise, b)
    advance_org(at_once, a + b)
    assert stepwise.fingerprint() == at_once.fingerprint()


def test_the_clock_only_moves_forward(fresh_demo: Organisation) -> None:
    with pytest.raises(ValueError):
        advance_org(fresh_demo, -1)
    assert fresh_demo.now == (ids.START_DAY + 1) * ids.DAY - 1

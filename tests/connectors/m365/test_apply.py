"""Applying changes through the SDK, proven by rediscovering the tenant."""

from __future__ import annotations

import pytest
from govern_m365 import M365Connector

from govern.model import Change, ChangeAction, Role, Visibility
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings


def _change(action: ChangeAction, cid: str, **kw: object) -> Change:
    return Change(id=f"c-{action.value}", action=action, community_id=cid, rule_id="T1",
                  reason="test", **kw)  # fmt: skip


@pytest.mark.sandbox(size="tiny", seed=6, servers=("graph",))
def test_apply_is_idempotent_and_seen_by_rediscovery(sandbox, discover: Discover) -> None:
    settings = m365_settings(sandbox)
    discover(settings)
    store = discover.stores["inventory"]
    team = next(c for c in q.communities(store) if c.kind == "team" and not c.archived)
    grants = list(q.grants(store, community_id=team.id))
    members = {g.principal_id for g in grants if g.role is not Role.OWNER}
    owners = {g.principal_id for g in grants if g.role is Role.OWNER}
    outsider = next(p.id for p in q.principals(store) if p.id not in members | owners)
    conn = M365Connector(settings)

    add = _change(ChangeAction.ADD_GRANT, team.id, principal_id=outsider, role=Role.MEMBER)
    assert conn.apply(add).ok
    again = conn.apply(add)
    assert again.ok and "already" in again.message
    owner = _change(ChangeAction.ADD_GRANT, team.id, principal_id=outsider, role=Role.OWNER)
    assert conn.apply(owner).ok
    gone = next(iter(members - owners))
    assert conn.apply(_change(ChangeAction.REMOVE_GRANT, team.id, principal_id=gone,
                              role=Role.MEMBER)).ok  # fmt: skip
    target = Visibility.PUBLIC if team.visibility is Visibility.PRIVATE else Visibility.PRIVATE
    assert conn.apply(_change(ChangeAction.SET_VISIBILITY, team.id, value=target.value)).ok
    assert conn.apply(_change(ChangeAction.ARCHIVE, team.id)).ok

    discover(settings)
    now = q.community(store, team.id)
    assert now.visibility is target and now.archived
    keys = {g.key for g in q.grants(store, community_id=team.id)}
    assert (team.id, outsider, "member") in keys and (team.id, outsider, "owner") in keys
    assert not any(k[1] == gone and k[2] == "member" for k in keys)


@pytest.mark.sandbox(size="tiny", seed=6, servers=("graph",))
def test_the_last_owner_is_never_removed(sandbox, discover: Discover) -> None:
    settings = m365_settings(sandbox)
    discover(settings)
    store = discover.stores["inventory"]
    owners_of: dict[str, list[str]] = {}
    for g in q.grants(store):
        if g.role is Role.OWNER and not g.community_id.startswith("m365:app"):
            owners_of.setdefault(g.community_id, []).append(g.principal_id)
    cid, (only,) = next((c, o) for c, o in owners_of.items() if len(o) == 1)
    result = M365Connector(settings).apply(
        _change(ChangeAction.REMOVE_GRANT, cid, principal_id=only, role=Role.OWNER)
    )
    assert not result.ok and "last owner" in result.message
    discover(settings)
    assert (cid, only, "owner") in {g.key for g in q.grants(store, community_id=cid)}


@pytest.mark.sandbox(size="tiny", seed=6, servers=("graph",))
def test_refusals_carry_graphs_message_and_the_permission(sandbox, discover: Discover) -> None:
    settings = m365_settings(sandbox)
    discover(settings)
    store = discover.stores["inventory"]
    team = next(c for c in q.communities(store) if c.kind == "team")
    user = next(iter(q.principals(store))).id
    limited = m365_settings(sandbox, static_token="sandbox-scoped:GroupMember.Read.All")
    result = M365Connector(limited).apply(
        _change(ChangeAction.ADD_GRANT, team.id, principal_id=user, role=Role.OWNER)
    )
    assert not result.ok
    assert "403" in result.message and "Group.ReadWrite.All" in result.message
    assert "Insufficient privileges" in result.message

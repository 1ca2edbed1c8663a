from __future__ import annotations

from typing import Any

import pytest

from govern.sandbox import NotFound, Organisation, WriteRefused
from govern.sandbox.changelog import Op
from govern.sandbox.entities import GroupKind, Visibility
from govern.sandbox.spaces import Subject


def a_team(org: Organisation, owners: int) -> int:
    return next(
        g.idx for g in org.groups
        if g.kind == GroupKind.TEAM and len(g.owners) == owners and len(g.members) > 5
        and g.visibility == Visibility.PRIVATE
    )  # fmt: skip


def outsider(org: Organisation, group: int) -> int:
    members = org.groups[group].members
    return next(p.idx for p in org.people if p.alive and not p.guest and p.idx not in members)


def test_member_writes_change_the_group_and_the_log(fresh_demo: Organisation) -> None:
    org = fresh_demo
    g = a_team(org, 1)
    p = outsider(org, g)
    seen: list[tuple[str, tuple[Any, ...]]] = []
    org.write_listeners.append(lambda m, a: seen.append((m, a)))
    org.add_member(g, p, org.groups[g].owners.ids[0])
    assert p in org.groups[g].members and g in org.person_groups(p)
    with pytest.raises(WriteRefused) as err:
        org.add_member(g, p)
    assert err.value.code == "already_exists"
    org.remove_member(g, p)
    assert p not in org.groups[g].members and g not in org.person_groups(p)
    with pytest.raises(NotFound):
        org.remove_member(g, p)
    last = list(org.log.since(0))[-2:]
    assert [(c.op, c.target, c.subject) for c in last] == [
        (Op.MEMBER_ADDED, g, p), (Op.MEMBER_REMOVED, g, p)]  # fmt: skip
    assert [m for m, _ in seen] == ["add_member", "remove_member"]


def test_the_last_owner_cannot_be_removed(fresh_demo: Organisation) -> None:
    org = fresh_demo
    g = a_team(org, 1)
    owner = org.groups[g].owners.ids[0]
    with pytest.raises(WriteRefused) as err:
        org.remove_owner(g, owner)
    assert err.value.code == "last_owner"
    other = org.groups[g].members.ids[-1]
    org.add_owner(g, other)
    org.remove_owner(g, owner)  # add before remove: allowed
    assert list(org.groups[g].owners.ids) == [other]
    assert org.ownerless_moments == []


def test_removing_the_only_enabled_owner_is_an_ownerless_moment(fresh_demo: Organisation) -> None:
    org = fresh_demo
    g = a_team(org, 1)
    owner = org.groups[g].owners.ids[0]
    leaver = org.groups[g].members.ids[-1]
    org.add_owner(g, leaver)
    org.people[leaver].enabled = False  # their account was disabled (leaving)
    org.remove_owner(g, owner)
    assert [m.community for m in org.ownerless_moments] == [f"group:{g}"]


def test_group_rules(fresh_demo: Organisation) -> None:
    org = fresh_demo
    g = a_team(org, 1)
    guest = next(p.idx for p in org.people if p.guest)
    with pytest.raises(WriteRefused, match="guest"):
        org.add_owner(g, guest)
    org.set_visibility(g, "Public")
    assert org.groups[g].visibility == Visibility.PUBLIC
    assert list(org.log.since(0))[-1].op == Op.GROUP_UPDATED
    with pytest.raises(WriteRefused) as err:
        org.set_visibility(g, "HiddenMembership")
    assert err.value.code == "hidden_membership"
    with pytest.raises(WriteRefused) as err:
        org.set_visibility(g, "Secret")
    assert err.value.code == "invalid_value"
    org.archive_team(g)
    assert org.groups[g].archived
    plain = next(x.idx for x in org.groups if x.kind == GroupKind.UNIFIED)
    with pytest.raises(WriteRefused) as err:
        org.archive_team(plain)
    assert err.value.code == "not_a_team"
    with pytest.raises(NotFound):
        org.add_member(len(org.groups) + 5, 0)


def test_space_permission_rules(fresh_demo: Organisation) -> None:
    org = fresh_demo
    s = next(x for x in org.spaces if x.personal and len(x.admins()) == 1)
    owner = s.creator
    with pytest.raises(WriteRefused) as err:
        org.remove_space_permission(s.idx, "SETSPACEPERMISSIONS", Subject.USER, owner)
    assert err.value.code == "last_admin"
    newcomer = next(u.idx for u in org.confluence_users if u.active and u.idx != owner)
    with pytest.raises(WriteRefused) as err:
        org.add_space_permission(s.idx, "SETSPACEPERMISSIONS", Subject.USER, newcomer)
    assert err.value.code == "view_required"
    org.add_space_permission(s.idx, "VIEWSPACE", Subject.USER, newcomer)
    org.add_space_permission(s.idx, "SETSPACEPERMISSIONS", Subject.USER, newcomer)
    with pytest.raises(WriteRefused) as err:
        org.add_space_permission(s.idx, "VIEWSPACE", Subject.USER, newcomer)
    assert err.value.code == "already_exists"
    org.remove_space_permission(s.idx, "SETSPACEPERMISSIONS", Subject.USER, owner)
    assert s.admins() == [(Subject.USER, newcomer)]
    assert list(org.log.since(0))[-1].op == Op.SPACE_PERMISSION_REMOVED
    assert org.ownerless_moments == []


def test_losing_the_last_active_space_admin_is_an_ownerless_moment(
    fresh_demo: Organisation,
) -> None:
    org = fresh_demo
    s = next(x for x in org.spaces if x.personal and len(x.admins()) == 1)
    owner = s.creator
    inactive = next(u.idx for u in org.confluence_users if u.idx != owner)
    org.add_space_permission(s.idx, "VIEWSPACE", Subject.USER, inactive)
    org.add_space_permission(s.idx, "SETSPACEPERMISSIONS", Subject.USER, inactive)
    org.confluence_users[inactive].active = False
    org.remove_space_permission(s.idx, "SETSPACEPERMISSIONS", Subject.USER, owner)
    assert [m.community for m in org.ownerless_moments] == [f"space:{s.idx}"]

"""The planner on the default policies: removals, stewards chosen least-loaded, demotions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govern.model import (
    ChangeAction,
    Community,
    Grant,
    Membership,
    Principal,
    PrincipalKind,
    Role,
    Visibility,
)
from govern.plan.changes import inverse, make_change
from govern.plan.planner import Planner
from govern.policy.inventory import Inventory
from govern.policy.validate import load_policies
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def person(n: str, kind: PrincipalKind = PrincipalKind.EMPLOYEE, **kw: object) -> Principal:
    return factories.person(n, kind, domain="c.example", **kw)


def team(n: str, **kw: object) -> Community:
    return factories.team(n, tenant="c", **kw)


def g(c: str, p: str, role: Role) -> Grant:
    return factories.grant(f"m365:team:{c}", f"m365:user:{p}", role)


@pytest.fixture
def policies(tmp_path: Path):  # type: ignore[no-untyped-def]
    dest = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", dest)
    (dest / "lifecycle.yaml").write_text(
        "decisions:\n  - id: m365:team:old-project\n    state: archived\n"
        "    reason: Closed in 2025 (GOV-9)\n"
    )
    return load_policies(dest)


def inventory() -> Inventory:
    stewards = [person("s1"), person("s2")]
    people = [
        person("alice"),
        person("bob"),
        person("guest", PrincipalKind.GUEST),
        person("gowner", PrincipalKind.GUEST),
    ]
    group = Principal(id="m365:group:it", kind=PrincipalKind.GROUP, display_name="IT Stewards")
    communities = [
        team("finance-close", visibility=Visibility.PUBLIC),  # confidential by name
        team("payroll-2026"),
        team("lunch"),
        team("old-project"),
    ]
    grants = [
        g("finance-close", "alice", Role.OWNER),
        g("finance-close", "guest", Role.MEMBER),
        g("payroll-2026", "bob", Role.OWNER),
        g("lunch", "gowner", Role.OWNER),
        g("lunch", "bob", Role.OWNER),
        g("old-project", "alice", Role.OWNER),
        g("old-project", "s1", Role.OWNER),
    ]
    members = [Membership(group_id=group.id, member_id=s.id) for s in stewards]
    return Inventory.of([*stewards, *people, group], communities, grants, members)


def test_plan_on_the_default_policies(policies) -> None:  # type: ignore[no-untyped-def]
    result = Planner(policies, inventory()).plan()
    got = {
        (c.action, c.community_id.split(":")[2], c.principal_id or c.value, c.rule_id)
        for c in result.changes
    }
    assert got == {
        (ChangeAction.REMOVE_GRANT, "finance-close", "m365:user:guest", "ACC-GUEST-CONFIDENTIAL"),
        (ChangeAction.SET_VISIBILITY, "finance-close", "private", "REQ-CONFIDENTIAL-PRIVATE"),
        # Two confidential communities need a second owner: one steward each, balanced (s1
        # already owns old-project, so s2 goes first; then both own one).
        (ChangeAction.ADD_GRANT, "finance-close", "m365:user:s2", "REQ-CONFIDENTIAL-OWNERS"),
        (ChangeAction.ADD_GRANT, "payroll-2026", "m365:user:s1", "REQ-CONFIDENTIAL-OWNERS"),
        # A guest may not own, but may be a member: demoted, not removed.
        (ChangeAction.CHANGE_ROLE, "lunch", "m365:user:gowner", "ACC-GUEST-OWNER"),
        (ChangeAction.ARCHIVE, "old-project", None, "lifecycle:lifecycle.yaml:2"),
    }
    texts = [i.text() for i in result.notes]
    assert any("REQ-CONFIDENTIAL-LABEL" in n and "names none" in n for n in texts)


def test_what_a_connector_cannot_do_is_a_note_and_demotion_falls_back(policies) -> None:  # type: ignore[no-untyped-def]
    supported = {"m365": frozenset({ChangeAction.ADD_GRANT, ChangeAction.REMOVE_GRANT})}
    result = Planner(policies, inventory(), supported=supported).plan()
    actions = {
        (c.action, c.community_id.split(":")[2], c.principal_id, c.role)
        for c in result.changes
        if c.community_id.endswith("lunch")
    }
    assert actions == {
        (ChangeAction.ADD_GRANT, "lunch", "m365:user:gowner", Role.MEMBER),
        (ChangeAction.REMOVE_GRANT, "lunch", "m365:user:gowner", Role.OWNER),
    }
    assert any("cannot set_visibility" in n for n in (i.text() for i in result.notes))
    assert any("cannot archive" in n for n in (i.text() for i in result.notes))
    assert not any(c.action is ChangeAction.SET_VISIBILITY for c in result.changes)


def test_planning_is_deterministic(policies) -> None:  # type: ignore[no-untyped-def]
    first = Planner(policies, inventory()).plan().changes
    assert Planner(policies, inventory()).plan().changes == first


def test_inverse_reads_the_tools_spelling_of_visibility() -> None:
    change = make_change(
        ChangeAction.SET_VISIBILITY, "m365:team:x", value="private", rule_id="R", reason="r"
    )
    back = inverse(change, {"visibility": "Public"}, rule_id="rollback:1")
    assert back is not None and back.value == "public"
    assert inverse(change, {"visibility": "Private"}, rule_id="rollback:1") is None


def test_a_last_owner_no_one_can_replace_is_kept_and_needs_a_person(policies) -> None:  # type: ignore[no-untyped-def]
    # A confidential team owned only by a guest, and no steward to add: removing the guest
    # would leave it ownerless, which apply refuses on every run. So it is not planned.
    guest = person("ext", PrincipalKind.GUEST)
    inv = Inventory.of(
        [guest, person("bob")],
        [team("finance-deal")],
        [g("finance-deal", "ext", Role.OWNER), g("finance-deal", "bob", Role.MEMBER)],
        [],
    )
    result = Planner(policies, inv).plan()
    assert not [c for c in result.changes if c.principal_id == "m365:user:ext"]
    (item,) = [n for n in result.notes if n.principal_id == "m365:user:ext"]
    assert (item.community_id, item.rule_id) == ("m365:team:finance-deal", "ACC-GUEST-OWNER")
    assert "last owner" in item.problem and "add an owner" in item.unblock
    names = {"m365:team:finance-deal": "m365/c/team/finance-deal", "m365:user:ext": "ext@c.example"}
    assert item.text(lambda ref: names.get(ref, ref)).startswith(
        "m365/c/team/finance-deal: ACC-GUEST-OWNER: the last owner is to be removed"
    )
    assert item.to_json(names)["principal"] == "ext@c.example"
    # With a steward to add, the guest's removal is planned as before (after the add).
    s1 = person("s1")
    group = Principal(id="m365:group:it", kind=PrincipalKind.GROUP, display_name="IT Stewards")
    inv = Inventory.of(
        [guest, person("bob"), s1, group],
        [team("finance-deal")],
        [g("finance-deal", "ext", Role.OWNER), g("finance-deal", "bob", Role.MEMBER)],
        [Membership(group_id=group.id, member_id=s1.id)],
    )
    planned = Planner(policies, inv).plan().changes
    assert any(c.principal_id == "m365:user:ext" for c in planned)
    assert any(c.principal_id == "m365:user:s1" and c.role is Role.OWNER for c in planned)

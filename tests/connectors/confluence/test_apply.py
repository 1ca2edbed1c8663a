"""Applying grant changes, proven by rediscovery; idempotent; never the last admin."""

from __future__ import annotations

from govern_confluence import ConfluenceConnector

from govern.model import Change, ChangeAction, Role
from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.org import Organisation
from govern.sandbox.spaces import ADMIN, PERMISSIONS, Subject
from govern.store import Store
from tests.connectors.confluence.conftest import Discover, settings_for
from tests.connectors.confluence.inventory import grants_of


def change(action: ChangeAction, key: str, principal: str, role: Role, **kw: object) -> Change:
    return Change(
        id=f"{action}-{key}-{principal}",
        action=action,
        community_id=f"confluence:space:{key}",
        principal_id=principal,
        role=role,
        rule_id="test",
        reason="test",
        **kw,
    )  # type: ignore[arg-type]


def user_ref(site: ConfluenceSandbox, org: Organisation, index: int) -> str:
    u = org.confluence_users[index]
    native = org.confluence_account_id(index) if site.site.cloud else u.username
    return f"confluence:user:{native}"


def test_grant_change_and_revoke(
    site: ConfluenceSandbox, discover: Discover, store: Store, org: Organisation
) -> None:
    connector = ConfluenceConnector(settings_for(site))
    space = next(s for s in org.spaces if not s.personal and s.deleted == -1)
    outsider = next(
        u.idx
        for u in org.confluence_users
        if u.active
        and not any(
            p.subject == u.idx for p in space.permissions() if p.subject_type == Subject.USER
        )
    )
    who = user_ref(site, org, outsider)
    add = change(ChangeAction.ADD_GRANT, space.key, who, Role.MEMBER)
    first = connector.apply(add)
    assert first.ok and first.message == "done"
    assert connector.apply(add).message == "already so"  # idempotent
    discover()
    assert grants_of(store, space.key)[who] == "member"

    up = change(ChangeAction.CHANGE_ROLE, space.key, who, Role.OWNER, from_role=Role.MEMBER)
    assert connector.apply(up).ok
    down = change(ChangeAction.CHANGE_ROLE, space.key, who, Role.VIEWER, from_role=Role.OWNER)
    assert connector.apply(down).ok
    discover()
    assert grants_of(store, space.key)[who] == "viewer"

    assert connector.apply(change(ChangeAction.REMOVE_GRANT, space.key, who, Role.VIEWER)).ok
    discover()
    assert who not in grants_of(store, space.key)


def test_group_grant(
    site: ConfluenceSandbox, discover: Discover, store: Store, org: Organisation
) -> None:
    connector = ConfluenceConnector(settings_for(site))
    space = next(s for s in org.spaces if s.personal and s.deleted == -1)
    group = org.confluence_groups[org.directory.department_groups[4]].name
    result = connector.apply(
        change(ChangeAction.ADD_GRANT, space.key, f"confluence:group:{group}", Role.VIEWER)
    )
    assert result.ok
    discover()
    assert grants_of(store, space.key)[f"confluence:group:{group}"] == "viewer"


def test_never_removes_the_last_admin(site: ConfluenceSandbox, org: Organisation) -> None:
    connector = ConfluenceConnector(settings_for(site))
    space = next(s for s in org.spaces if s.personal and len(s.admins()) == 1)
    ((kind, who),) = space.admins()
    assert kind == Subject.USER
    result = connector.apply(
        change(ChangeAction.REMOVE_GRANT, space.key, user_ref(site, org, who), Role.OWNER)
    )
    assert not result.ok and "last space administrator" in result.message
    assert space.admins() == [(kind, who)]


def test_confluence_message_on_refusal(site: ConfluenceSandbox, org: Organisation) -> None:
    connector = ConfluenceConnector(settings_for(site))
    result = connector.apply(
        change(
            ChangeAction.ADD_GRANT, "NOSUCHSPACE", "confluence:group:confluence-users", Role.VIEWER
        )
    )
    assert not result.ok and "NOSUCHSPACE" in result.message
    assert PERMISSIONS[ADMIN] == "SETSPACEPERMISSIONS"

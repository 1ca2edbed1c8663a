"""From Confluence's terms to govern's model: roles, visibility, origin, records.

A subject's permission names in a space decide its one role there: ``SETSPACEPERMISSIONS``
(administer) makes an owner; adding or editing content makes a member; viewing (and commenting,
exporting) only makes a viewer. The names themselves are kept as the grant's ``source``.
Anonymous view makes a space public; view for an everyone-group makes it org-visible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from govern.model import (
    Community,
    Grant,
    Origin,
    Principal,
    PrincipalKind,
    Role,
    Visibility,
    make_id,
)
from govern_confluence.records import Perm, SpaceInfo, UserInfo
from govern_confluence.settings import ConfluenceSettings

NAME = "confluence"

ADMIN = "SETSPACEPERMISSIONS"
VIEW = "VIEWSPACE"
EDIT = frozenset(
    {
        "EDITSPACE",
        "EDITBLOG",
        "CREATEATTACHMENT",
        "REMOVEPAGE",
        "REMOVEBLOG",
        "REMOVEATTACHMENT",
        "SETPAGEPERMISSIONS",
    }
)
"""Permissions to add or change content: holding any makes a member."""

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.VIEWER: ("VIEWSPACE",),
    Role.MEMBER: (
        "VIEWSPACE",
        "EDITSPACE",
        "REMOVEOWNCONTENT",
        "COMMENT",
        "EDITBLOG",
        "CREATEATTACHMENT",
    ),
    Role.OWNER: (
        "VIEWSPACE",
        "EDITSPACE",
        "EXPORTSPACE",
        "SETSPACEPERMISSIONS",
        "REMOVEOWNCONTENT",
        "COMMENT",
        "REMOVECOMMENT",
        "EDITBLOG",
        "REMOVEBLOG",
        "CREATEATTACHMENT",
        "REMOVEATTACHMENT",
        "REMOVEPAGE",
        "SETPAGEPERMISSIONS",
    ),
}
"""What ``apply`` grants for a role: Confluence's own default sets for view, edit and admin."""


ROLE_PREFIX = "role:"
"""Cloud on role-based access: a grant's evidence is the space role, ``role:<name>``."""


def role_of(names: set[str]) -> Role:
    """The role a set of permission names (or Cloud space roles) amounts to."""
    if ADMIN in names:
        return Role.OWNER
    if names & EDIT:
        return Role.MEMBER
    roles = {n[len(ROLE_PREFIX) :].lower() for n in names if n.startswith(ROLE_PREFIX)}
    if any("admin" in r for r in roles):
        return Role.OWNER
    if any("viewer" not in r for r in roles):
        return Role.MEMBER  # Collaborator, and custom roles: more than viewing
    return Role.VIEWER


def _views(name: str) -> bool:
    """Whether a permission name (or space role) lets its holder view the space."""
    return name == VIEW or name.startswith(ROLE_PREFIX)  # every space role includes view


def space_id(key: str) -> str:
    """The community id of a space."""
    return make_id(NAME, "space", key)


def user_id(native: str) -> str:
    """The principal id of a user (DC username, Cloud accountId)."""
    return make_id(NAME, "user", native)


def group_id(name: str) -> str:
    """The principal id of a group (by name)."""
    return make_id(NAME, "group", name)


def grants(
    space: SpaceInfo,
    group_name: Any,
    granted: Mapping[tuple[str, str, str], datetime] | None = None,
) -> tuple[list[Grant], bool, set[str]]:
    """The grants of a space, whether anonymous users may view it, and the groups viewing it.

    ``group_name`` turns a group reference (Cloud id or name) into its name. ``granted`` (from
    the audit log: space name, subject kind, subject) gives a grant's ``since`` where known.
    """
    by_subject: dict[tuple[str, str], set[str]] = defaultdict(set)
    anonymous = False
    for p in space.perms or []:
        if p.subject_type == "anonymous":
            anonymous = anonymous or _views(p.permission)
            continue
        ref = group_name(p.subject) if p.subject_type == "group" else p.subject
        by_subject[(p.subject_type, ref)].add(p.permission)
    out: list[Grant] = []
    viewing_groups: set[str] = set()
    cid = space_id(space.key)
    for (kind, ref), names in sorted(by_subject.items()):
        pid = user_id(ref) if kind == "user" else group_id(ref)
        if kind == "group" and any(_views(n) for n in names):
            viewing_groups.add(ref)
        out.append(
            Grant(
                community_id=cid,
                principal_id=pid,
                role=role_of(names),
                source=",".join(sorted(names)),
                since=(granted or {}).get((space.name, kind, ref)),
            )
        )
    return out, anonymous, viewing_groups


def community(
    settings: ConfluenceSettings,
    space: SpaceInfo,
    *,
    anonymous: bool,
    viewing_groups: set[str],
    it_creators: set[str],
    content_count: int | None,
    last_modified: datetime | None,
    contributors_90d: int,
    remembered: Visibility | None = None,
) -> Community:
    """The community record of a space.

    ``remembered`` is the visibility the space's permissions gave when last read, for a space
    restated without re-reading them (its grants then stay as stored).
    """
    if remembered is not None and space.perms is None:
        visibility = remembered
    elif anonymous:
        visibility = Visibility.PUBLIC
    elif viewing_groups & set(settings.everyone_groups):
        visibility = Visibility.ORG
    else:
        visibility = Visibility.PRIVATE
    personal = space.type == "personal"
    origin = Origin.SELF_SERVICE
    if not personal and space.creator is not None and space.creator in it_creators:
        origin = Origin.IT_PROVISIONED
    attributes: dict[str, Any] = {
        "space_type": space.type,
        "status": space.status,
        "content_count": content_count,
        "contributors_90d": contributors_90d,
        "permissions_read": space.perms is not None or remembered is not None,
    }
    if space.perms is None and remembered is None:
        # Not read is unknown, not "nobody": visibility and grants are not known this run.
        attributes["visibility_known"] = False
        # The store keeps the grants last read (keep_grants): they are shown, not re-read.
        attributes["grants_not_reread"] = True
        if space.unreadable:
            attributes["permissions_unreadable"] = space.unreadable
    if personal and contributors_90d >= settings.team_space_contributors:
        # A personal space many people write in is a team space nobody registered.
        attributes["team_space_in_disguise"] = True
    base = settings.url.rstrip("/")
    return Community(
        id=space_id(space.key),
        path=f"{NAME}/{settings.site_name}/space/{space.key}",
        kind="space",
        name=space.name,
        url=f"{base}{space.webui}" if space.webui else None,
        visibility=visibility,
        created_at=space.created_at,
        created_by=user_id(space.creator) if space.creator else None,
        origin=origin,
        archived=space.status == "archived",
        last_activity_at=last_modified,
        attributes=attributes,
    )


def user_principal(user: UserInfo) -> Principal:
    """The principal record of a user."""
    kind = (
        PrincipalKind.SERVICE
        if user.app
        else (PrincipalKind.GUEST if user.guest else PrincipalKind.EMPLOYEE)
    )
    return Principal(
        id=user_id(user.id),
        kind=kind,
        display_name=user.display_name or user.id,
        email=user.email.lower() if user.email else None,
    )


def group_principal(name: str) -> Principal:
    """The principal record of a group."""
    return Principal(id=group_id(name), kind=PrincipalKind.GROUP, display_name=name)


__all__ = ["ROLE_PERMISSIONS", "Perm", "role_of"]

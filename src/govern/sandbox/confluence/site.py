"""The Confluence site over the organisation: lookups, permission rows, audit events, writes.

The servers' route modules speak HTTP; this module speaks the organisation: it finds spaces,
users and groups by the identifiers the two flavours use (Data Center: space key, username,
userKey, group name; Cloud: numeric space id, accountId, group id), reads a space's permission
rows, derives audit records from the change log and applies permission writes through the
organisation's rules (``OrgWrites``), so "never remove the last space admin" holds here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from threading import RLock

from govern.sandbox import ids
from govern.sandbox.changelog import Change, Op
from govern.sandbox.confluence.auth import Account, Credentials
from govern.sandbox.confluence.content import ContentIndex
from govern.sandbox.confluence.pages import PageStore
from govern.sandbox.entities import NEVER
from govern.sandbox.org import Organisation
from govern.sandbox.spaces import (
    ADMIN,
    PERMISSIONS,
    ConfluenceGroup,
    ConfluenceUser,
    Space,
    SpacePermission,
    Subject,
    unpack,
)

DEFAULT_DC_VERSION = "9.4.0"
"""The Data Center version served unless told otherwise: every DC read described below works."""

REST_SPACE_PERMISSIONS = (9, 1)
"""From this version Data Center serves ``/rest/api/space/{key}/permissions`` and
``/rest/api/server-information``; before it, space permissions are JSON-RPC only (the REST
``permissions`` expansion is Cloud's: Data Center leaves it out)."""

ACTIVE_USERS_LIST = (9, 4)
"""From this version Data Center serves ``/rest/api/admin/users/list/active`` (with emails)."""

SPACE_ID_BASE = 65_536
"""Numeric space ids are ``SPACE_ID_BASE + index``, so an id maps back without a table."""


class Flavour(StrEnum):
    """Which Confluence the server pretends to be."""

    DATACENTER = "datacenter"
    CLOUD = "cloud"


@dataclass(frozen=True)
class AuditEvent:
    """One audit record derived from the change log: about a space, or about a user."""

    ts: int
    summary: str
    category: str
    space: Space | None
    changes: tuple[tuple[str, str, str], ...]  # (name, old value, new value)
    user: ConfluenceUser | None = None


class Site:
    """One Confluence site: the organisation seen through Confluence's identifiers."""

    def __init__(
        self,
        org: Organisation,
        flavour: Flavour,
        credentials: Credentials | None = None,
        version: str = DEFAULT_DC_VERSION,
        roles: bool = False,
    ) -> None:
        self.org = org
        self.flavour = flavour
        self.version = version
        """The Data Center version this site answers as (Cloud has none)."""
        self.roles = roles and flavour is Flavour.CLOUD
        """Cloud: the site has moved to role-based space access (space roles)."""
        self.credentials = credentials or Credentials()
        self.content = ContentIndex(org)
        self.pages = PageStore(org, self.content)
        """Page records (tree, bodies, versions) of the spaces a page endpoint touched."""
        self.lock = RLock()
        """Held around reads and writes, as tests and time advance mutate the org concurrently."""

    @property
    def cloud(self) -> bool:
        """Whether this is the Cloud flavour."""
        return self.flavour is Flavour.CLOUD

    def serves(self, since: tuple[int, int]) -> bool:
        """Whether this Data Center version is ``since`` or later (never on Cloud)."""
        if self.cloud:
            return False
        parts = tuple(int(p) for p in self.version.split(".")[:2] if p.isdigit())
        return parts >= since

    @property
    def now(self) -> int:
        """The site's clock (the organisation's simulated time)."""
        return self.org.now

    # -- spaces ------------------------------------------------------------------------------

    def space_id(self, space: Space) -> int:
        """The numeric space id."""
        return SPACE_ID_BASE + space.idx

    def space_by_key(self, key: str) -> Space | None:
        """A live space by key."""
        i = self.org.space_index(key)
        s = self.org.spaces[i] if i is not None else None
        return s if s is not None and s.deleted == NEVER else None

    def space_by_id(self, value: str) -> Space | None:
        """A live space by numeric id."""
        try:
            i = int(value) - SPACE_ID_BASE
        except ValueError:
            return None
        if not 0 <= i < len(self.org.spaces) or self.org.spaces[i].deleted != NEVER:
            return None
        return self.org.spaces[i]

    def live_spaces(self, kind: str | None = None) -> list[Space]:
        """Live spaces in index order, optionally only ``global`` or ``personal`` ones."""
        return [
            s
            for s in self.org.spaces
            if s.deleted == NEVER and (kind is None or s.space_type == kind)
        ]

    def permissions(self, space: Space) -> list[SpacePermission]:
        """The permission rows of a space."""
        return space.permissions()

    # -- people ------------------------------------------------------------------------------

    def user(self, index: int) -> ConfluenceUser:
        """A Confluence user by index."""
        return self.org.confluence_users[index]

    def user_by_username(self, username: str) -> ConfluenceUser | None:
        """A user by Data Center username."""
        i = self.org.confluence_user_index(username)
        return self.org.confluence_users[i] if i is not None else None

    def user_by_key(self, key: str) -> ConfluenceUser | None:
        """A user by Data Center userKey (32 hex digits)."""
        guid = (
            f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}" if len(key) == 32 else ""
        )
        i = ids.decode(self.org.salt, ids.IdKind.CONFLUENCE_USER, guid) if guid else None
        return (
            self.org.confluence_users[i]
            if i is not None and i < len(self.org.confluence_users)
            else None
        )

    def user_by_account_id(self, account_id: str) -> ConfluenceUser | None:
        """A user by Cloud accountId."""
        _, _, guid = account_id.partition(":")
        i = ids.decode(self.org.salt, ids.IdKind.CONFLUENCE_USER, guid) if guid else None
        return (
            self.org.confluence_users[i]
            if i is not None and i < len(self.org.confluence_users)
            else None
        )

    def user_ref(self, value: str) -> ConfluenceUser | None:
        """A user by whatever id this flavour uses (username or key; accountId)."""
        if self.cloud:
            return self.user_by_account_id(value)
        return self.user_by_username(value) or self.user_by_key(value)

    def group_by_name(self, name: str) -> ConfluenceGroup | None:
        """A group by name."""
        return next((g for g in self.org.confluence_groups if g.name == name), None)

    def group_by_id(self, value: str) -> ConfluenceGroup | None:
        """A group by Cloud id."""
        i = ids.decode(self.org.salt, ids.IdKind.CONFLUENCE_GROUP, value)
        groups = self.org.confluence_groups
        return groups[i] if i is not None and i < len(groups) else None

    def is_site_admin(self, account: Account) -> bool:
        """Whether an account has Confluence administrator rights."""
        return account.site_admin

    # -- audit -------------------------------------------------------------------------------

    def audit(self, start: int, end: int) -> Iterator[AuditEvent]:
        """Audit events from ``start`` (inclusive) to ``end`` (exclusive), oldest first.

        Grants a scenario dates before the change log began (``Space.granted``) come first, as
        the "Space permission added" records Confluence would have kept of them.
        """
        yield from self._granted_before_log(start, end)
        log = self.org.log
        first = log.seq_at(start - 1)
        for change in log.since(first):
            if change.ts >= end:
                break
            if change.ts < start:
                continue
            yield from self._event(change)

    def _granted_before_log(self, start: int, end: int) -> Iterator[AuditEvent]:
        began = getattr(self.org, "recorded_from", -1)
        rows = sorted(
            (ts, space.idx, row)
            for space in self.org.spaces
            if space.deleted == -1
            for row, ts in space.granted.items()
            if start <= ts < end and (began < 0 or ts < began) and row in space.perms
        )
        for ts, idx, row in rows:
            yield self._permission_event(ts, self.org.spaces[idx], row, True)

    def _permission_event(self, ts: int, space: Space, packed: int, added: bool) -> AuditEvent:
        row = unpack(packed)
        who = self.subject_label(row)
        changes = (
            ("Permission", "" if added else row.permission, row.permission if added else ""),
            (who[0], "" if added else who[1], who[1] if added else ""),
        )
        summary = "Space permission added" if added else "Space permission removed"
        return AuditEvent(ts, summary, "Permissions", space, changes)

    def _event(self, change: Change) -> Iterator[AuditEvent]:
        """The audit record of one change-log row, if it makes one."""
        if change.op in _USER_OPS:
            user = self.user(change.target)
            added = change.op == Op.CONFLUENCE_USER_ADDED
            summary = "User created" if added else "User deactivated"
            yield AuditEvent(change.ts, summary, "Users", None, (), user)
            return
        space = self.org.spaces[change.target] if change.op in _SPACE_OPS else None
        if space is None:
            return
        if change.op in (Op.SPACE_PERMISSION_ADDED, Op.SPACE_PERMISSION_REMOVED):
            added = change.op == Op.SPACE_PERMISSION_ADDED
            yield self._permission_event(change.ts, space, int(change.subject), added)
        elif change.op == Op.SPACE_ADDED:
            yield AuditEvent(change.ts, "Space created", "Spaces", space, ())
        elif change.op == Op.SPACE_REMOVED:
            yield AuditEvent(change.ts, "Space deleted", "Spaces", space, ())

    def subject_label(self, row: SpacePermission) -> tuple[str, str]:
        """``(User|Group|Anonymous, name)`` of a permission row's subject."""
        if row.subject_type == Subject.USER:
            u = self.user(row.subject)
            return ("User", self.org.confluence_account_id(u.idx) if self.cloud else u.username)
        if row.subject_type == Subject.GROUP:
            return ("Group", self.org.confluence_groups[row.subject].name)
        return ("Anonymous", "anonymous")

    # -- writes ------------------------------------------------------------------------------

    def grant(self, space: Space, permission: str, subject_type: Subject, subject: int) -> None:
        """Add a permission row (raises ``WriteRefused``)."""
        with self.lock:
            self.org.add_space_permission(space.idx, permission, subject_type, subject)

    def revoke(self, space: Space, permission: str, subject_type: Subject, subject: int) -> None:
        """Remove a permission row (raises ``WriteRefused``, e.g. for the last admin)."""
        with self.lock:
            self.org.remove_space_permission(space.idx, permission, subject_type, subject)


_USER_OPS = frozenset({Op.CONFLUENCE_USER_ADDED, Op.CONFLUENCE_USER_UPDATED})

_SPACE_OPS = frozenset(
    {Op.SPACE_ADDED, Op.SPACE_REMOVED, Op.SPACE_PERMISSION_ADDED, Op.SPACE_PERMISSION_REMOVED}
)

OPERATION_OF: dict[str, tuple[str, str]] = {
    "VIEWSPACE": ("read", "space"),
    "EDITSPACE": ("create", "page"),
    "EXPORTSPACE": ("export", "space"),
    "SETSPACEPERMISSIONS": ("administer", "space"),
    "REMOVEOWNCONTENT": ("delete", "space"),
    "COMMENT": ("create", "comment"),
    "REMOVECOMMENT": ("delete", "comment"),
    "EDITBLOG": ("create", "blogpost"),
    "REMOVEBLOG": ("delete", "blogpost"),
    "CREATEATTACHMENT": ("create", "attachment"),
    "REMOVEATTACHMENT": ("delete", "attachment"),
    "REMOVEPAGE": ("delete", "page"),
    "SETPAGEPERMISSIONS": ("restrict_content", "space"),
}
"""Cloud: permission name -> (operation key, target type), as v1 and v2 name them.

The pairs of Atlassian's Cloud table for space permissions (v1 ``SpacePermissionRequest``):
Delete Own is ``delete`` on ``space``; ``archive`` on ``page`` exists too, but the organisation
holds no such rows. REMOVEMAIL (mail archives) has no Cloud form.
"""

PERMISSION_OF: dict[tuple[str, str], str] = {v: k for k, v in OPERATION_OF.items()}
"""Cloud: (operation key, target type) -> permission name."""

DC_OPERATION_OF: dict[str, tuple[str, str]] = {
    "VIEWSPACE": ("read", "space"),
    "SETSPACEPERMISSIONS": ("administer", "space"),
    "EXPORTSPACE": ("export", "space"),
    "SETPAGEPERMISSIONS": ("restrict", "space"),
    "REMOVEOWNCONTENT": ("delete_own", "space"),
    "REMOVEMAIL": ("delete_mail", "space"),
    "EDITSPACE": ("create", "page"),
    "REMOVEPAGE": ("delete", "page"),
    "EDITBLOG": ("create", "blogpost"),
    "REMOVEBLOG": ("delete", "blogpost"),
    "COMMENT": ("create", "comment"),
    "REMOVECOMMENT": ("delete", "comment"),
    "CREATEATTACHMENT": ("create", "attachment"),
    "REMOVEATTACHMENT": ("delete", "attachment"),
}
"""Data Center 9.1+ REST: name -> (operationKey, targetType), as its reference lists them."""

ADMIN_PERMISSION = PERMISSIONS[ADMIN]

"""The writes the servers apply for govern, with the rules the real services enforce.

Each write either changes the organisation (and the change log) or raises ``WriteRefused``
with a ``code`` the servers map to the real error:

================  =====================================================================
code              when
================  =====================================================================
not_found         the group, team, space, person or permission row does not exist
already_exists    the member, owner or permission row is already there (Graph answers
                  "One or more added object references already exist ...")
last_owner        removing the last owner of a group (Graph refuses this for groups that
                  have owners: the last owner, a user object, cannot be removed)
guest_owner       making a guest an owner of a Microsoft 365 group
hidden_membership changing visibility from or to HiddenMembership (set at creation only)
not_a_team        archiving a group that has no team
last_admin        removing the last SETSPACEPERMISSIONS row of a space
view_required     granting a space permission to a subject that cannot view the space
invalid_value     a value the API does not accept (e.g. visibility "Secret")
================  =====================================================================

Writes that succeed but leave a community with no *enabled* owner (for instance removing the
one enabled owner while the other owner's account is disabled) are recorded in
``ownerless_moments``: govern's apply must never cause one, and later tests check it.

Every successful write is also passed to ``write_listeners`` (the state directory journals it),
as ``(method name, arguments)``, so replaying the calls rebuilds the same organisation.
"""

from __future__ import annotations

from typing import Any

from govern.sandbox.changelog import Op
from govern.sandbox.entities import ADDED_BY_SYSTEM, NEVER, GroupKind, Visibility
from govern.sandbox.errors import NotFound, WriteRefused
from govern.sandbox.orgdata import OrgData, OwnerlessMoment
from govern.sandbox.spaces import ADMIN, ADMIN_SET, PERMISSIONS, VIEW, Space, Subject, pack

_VISIBILITIES = {"public": Visibility.PUBLIC, "private": Visibility.PRIVATE}


class OrgWrites:
    """Write operations with the services' rules (see the module docstring), on ``data``.

    A component of ``Organisation`` (``org.writes``), not a layer under it: it changes the
    records it is given through their primitives (``link_member``, ``record_change``...).
    """

    def __init__(self, data: OrgData) -> None:
        self.data = data

    # -- helpers ---------------------------------------------------------------------------

    def _live_group(self, group: int) -> None:
        if not 0 <= group < len(self.data.groups) or self.data.groups[group].deleted != NEVER:
            raise NotFound(f"group {group} does not exist")

    def _live_person(self, person: int) -> None:
        if not 0 <= person < len(self.data.people) or self.data.people[person].deleted != NEVER:
            raise NotFound(f"user {person} does not exist")

    def _enabled_owners(self, group: int) -> int:
        return sum(1 for p in self.data.groups[group].owners.ids if self.data.people[p].enabled)

    def _done(self, method: str, *args: Any) -> None:
        for listener in self.data.write_listeners:
            listener(method, args)

    # -- Microsoft 365 groups --------------------------------------------------------------

    def add_member(self, group: int, person: int, actor: int = ADDED_BY_SYSTEM) -> None:
        """Add a member (``POST /groups/{id}/members/$ref``)."""
        self._live_group(group)
        self._live_person(person)
        if not self.data.link_member(group, person, self.data.now, actor):
            raise WriteRefused("already_exists", "the user is already a member of the group")
        self._done("add_member", group, person, actor)

    def remove_member(self, group: int, person: int) -> None:
        """Remove a member (``DELETE /groups/{id}/members/{userId}/$ref``)."""
        self._live_group(group)
        if not self.data.unlink_member(group, person):
            raise NotFound(f"user {person} is not a member of group {group}")
        self._done("remove_member", group, person)

    def add_owner(self, group: int, person: int, actor: int = ADDED_BY_SYSTEM) -> None:
        """Add an owner (``POST /groups/{id}/owners/$ref``); guests cannot own M365 groups."""
        self._live_group(group)
        self._live_person(person)
        if self.data.people[person].guest and self.data.groups[group].kind != GroupKind.SECURITY:
            raise WriteRefused("guest_owner", "a guest cannot be an owner of a Microsoft 365 group")
        if not self.data.link_owner(group, person, self.data.now, actor):
            raise WriteRefused("already_exists", "the user is already an owner of the group")
        self._done("add_owner", group, person, actor)

    def remove_owner(self, group: int, person: int) -> None:
        """Remove an owner (``DELETE /groups/{id}/owners/{userId}/$ref``), never the last one."""
        self._live_group(group)
        owners = self.data.groups[group].owners
        if person not in owners:
            raise NotFound(f"user {person} is not an owner of group {group}")
        if len(owners) == 1:
            raise WriteRefused("last_owner", "the last owner of a group cannot be removed")
        before = self._enabled_owners(group)
        self.data.unlink_owner(group, person)
        if before and not self._enabled_owners(group):
            self.data.ownerless_moments.append(
                OwnerlessMoment(
                    self.data.now,
                    f"group:{group}",
                    "remove_owner",
                    f"removed owner {person}; the remaining owners' accounts are disabled",
                )
            )
        self._done("remove_owner", group, person)

    def set_visibility(self, group: int, visibility: str) -> None:
        """PATCH a group's visibility to ``Public`` or ``Private``."""
        self._live_group(group)
        g = self.data.groups[group]
        wanted = _VISIBILITIES.get(visibility.lower())
        if g.visibility == Visibility.HIDDEN_MEMBERSHIP or visibility.lower() == "hiddenmembership":
            raise WriteRefused(
                "hidden_membership", f"visibility cannot change from {g.visibility} to {visibility}"
            )
        if wanted is None:
            raise WriteRefused("invalid_value", f"{visibility!r} is not a group visibility")
        if g.visibility != wanted:
            g.visibility = wanted
            self.data.record_change(Op.GROUP_UPDATED, group)
        self._done("set_visibility", group, visibility)

    def set_label(self, group: int, label: int) -> None:
        """Assign a sensitivity label (an index of ``SENSITIVITY_LABELS``; -1 removes it)."""
        self._live_group(group)
        self.data.groups[group].label = label
        self.data.record_change(Op.GROUP_UPDATED, group)
        self._done("set_label", group, label)

    def archive_team(self, group: int, archived: bool = True) -> None:
        """Archive (or unarchive) a team (``POST /teams/{id}/archive`` / ``unarchive``)."""
        self._live_group(group)
        g = self.data.groups[group]
        if g.kind != GroupKind.TEAM:
            raise WriteRefused("not_a_team", f"group {group} has no team")
        if g.archived != archived:
            g.archived = archived
            self.data.record_change(Op.GROUP_UPDATED, group)
        self._done("archive_team", group, archived)

    # -- Confluence space permissions -----------------------------------------------------

    def _live_space(self, space: int) -> None:
        if not 0 <= space < len(self.data.spaces) or self.data.spaces[space].deleted != NEVER:
            raise NotFound(f"space {space} does not exist")

    def _check_subject(self, subject_type: Subject, subject: int) -> None:
        if subject_type == Subject.USER and not 0 <= subject < len(self.data.confluence_users):
            raise NotFound(f"Confluence user {subject} does not exist")
        if subject_type == Subject.GROUP and not 0 <= subject < len(self.data.confluence_groups):
            raise NotFound(f"Confluence group {subject} does not exist")

    def _active_user_admins(self, space: int) -> int:
        users = self.data.confluence_users
        return sum(
            1
            for kind, who in self.data.spaces[space].admins()
            if kind == Subject.USER and users[who].active
        )

    def add_space_permission(
        self, space: int, permission: str, subject_type: Subject, subject: int
    ) -> None:
        """Grant a space permission (REST ``POST .../permission``, RPC addPermissionToSpace)."""
        self._live_space(space)
        self._check_subject(subject_type, subject)
        if permission not in PERMISSIONS:
            raise NotFound(f"unknown space permission {permission!r}")
        code = PERMISSIONS.index(permission)
        s = self.data.spaces[space]
        if s.has(code, subject_type, subject):
            raise WriteRefused("already_exists", f"{permission} is already granted")
        if code != VIEW and not s.has(VIEW, subject_type, subject):
            raise WriteRefused("view_required", f"{permission} needs VIEWSPACE first")
        row = pack(code, subject_type, subject)
        s.perms.append(row)
        self.data.record_change(Op.SPACE_PERMISSION_ADDED, space, row)
        self._done("add_space_permission", space, permission, int(subject_type), subject)

    def remove_space_permission(
        self, space: int, permission: str, subject_type: Subject, subject: int
    ) -> None:
        """Revoke a space permission; the last SETSPACEPERMISSIONS row cannot be removed."""
        self._live_space(space)
        if permission not in PERMISSIONS:
            raise NotFound(f"unknown space permission {permission!r}")
        code = PERMISSIONS.index(permission)
        s = self.data.spaces[space]
        row = pack(code, subject_type, subject)
        if row not in s.perms:
            raise NotFound(f"{permission} is not granted to that subject")
        if code == ADMIN and len(s.admins()) == 1:
            raise WriteRefused("last_admin", "the last administrator of a space cannot be removed")
        before = self._active_user_admins(space)
        s.perms.remove(row)
        self.data.record_change(Op.SPACE_PERMISSION_REMOVED, space, row)
        if code == ADMIN and before and not self._active_user_admins(space):
            self.data.ownerless_moments.append(
                OwnerlessMoment(
                    self.data.now,
                    f"space:{space}",
                    "remove_space_permission",
                    "no active user holds SETSPACEPERMISSIONS any more",
                )
            )
        self._done("remove_space_permission", space, permission, int(subject_type), subject)

    # -- Confluence spaces (migration target) ----------------------------------------------

    def create_space(self, key: str, name: str, creator: int, description: str = "") -> int:
        """Create a global space (REST ``POST /rest/api/space``); its creator administers it."""
        if self.data.space_index(key) is not None:
            raise WriteRefused("already_exists", f"A space already exists with key {key}")
        self._check_subject(Subject.USER, creator)
        space = Space(len(self.data.spaces), key, name, False, creator, self.data.now)
        space.description = description
        space.perms.extend(pack(code, Subject.USER, creator) for code in ADMIN_SET)
        space.alive = True
        self.data.add_space(space)
        self._done("create_space", key, name, creator, description)
        return space.idx

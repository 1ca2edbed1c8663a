"""``Organisation``: the simulated company, its read API for the servers, and ``generate``.

Reading for servers, in short (indexes are ints; ids come from ``user_id``/``group_id``...):

* pages of live records: ``users_page(cursor, limit)``, ``groups_page(cursor, limit, kinds)``,
  ``spaces_page(cursor, limit)``, ``consents_page(cursor, limit)`` each return the records
  and the cursor of the next page (None at the end). A cursor is an index to resume from, so
  a page costs what it returns, whatever the size of the organisation.
* a group's members and owners: ``org.groups[g].members.page(start, limit)`` gives
  ``(person, joined, added_by)`` tuples in join order.
* a person's groups: ``person_groups(p)`` / ``person_owned_groups(p)``.
* what changed since a delta token: ``org.log`` (see ``changelog``).
* usage reports: ``govern.sandbox.activity``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection
from typing import TypeVar

from govern.sandbox import gen_confluence, gen_groups, gen_people, stories
from govern.sandbox.entities import ADDED_BY_SYSTEM, NEVER, Group, GroupKind, Person
from govern.sandbox.errors import SandboxError
from govern.sandbox.orgdata import OrgData, StoryRef
from govern.sandbox.sizes import Size, size_named
from govern.sandbox.spaces import Space, Subject
from govern.sandbox.writes import OrgWrites

_T = TypeVar("_T", Person, Group, Space)

COMMUNITY_KINDS = (GroupKind.TEAM, GroupKind.UNIFIED, GroupKind.ENGAGE)


def _page(items: list[_T], cursor: int, limit: int, keep: object) -> tuple[list[_T], int | None]:
    out: list[_T] = []
    i = max(cursor, 0)
    n = len(items)
    while i < n and len(out) < limit:
        item = items[i]
        i += 1
        if item.deleted == NEVER and (keep is None or keep(item)):  # type: ignore[operator]
            out.append(item)
    while i < n and items[i].deleted != NEVER:
        i += 1  # so that the last page says "no next page" instead of an empty one
    return out, (i if i < n else None)


class Organisation(OrgData):
    """The simulated organisation: its records (``OrgData``), reads, and writes.

    The writes and their rules live in ``OrgWrites``, a component on these records
    (``self.writes``); the methods below hand each write to it, so the servers and the state
    journal's replay (which calls a write by its method name) address the organisation alone.
    """

    @property
    def writes(self) -> OrgWrites:
        """The write operations, with the services' rules, on this organisation's records."""
        return OrgWrites(self)

    # -- writes (see ``govern.sandbox.writes`` for the rules and refusals) -----------------

    def add_member(self, group: int, person: int, actor: int = ADDED_BY_SYSTEM) -> None:
        """Add a member (``POST /groups/{id}/members/$ref``)."""
        self.writes.add_member(group, person, actor)

    def remove_member(self, group: int, person: int) -> None:
        """Remove a member (``DELETE /groups/{id}/members/{userId}/$ref``)."""
        self.writes.remove_member(group, person)

    def add_owner(self, group: int, person: int, actor: int = ADDED_BY_SYSTEM) -> None:
        """Add an owner (``POST /groups/{id}/owners/$ref``); guests cannot own M365 groups."""
        self.writes.add_owner(group, person, actor)

    def remove_owner(self, group: int, person: int) -> None:
        """Remove an owner (``DELETE /groups/{id}/owners/{userId}/$ref``), never the last one."""
        self.writes.remove_owner(group, person)

    def set_visibility(self, group: int, visibility: str) -> None:
        """PATCH a group's visibility to ``Public`` or ``Private``."""
        self.writes.set_visibility(group, visibility)

    def set_label(self, group: int, label: int) -> None:
        """Assign a sensitivity label (an index of ``SENSITIVITY_LABELS``; -1 removes it)."""
        self.writes.set_label(group, label)

    def archive_team(self, group: int, archived: bool = True) -> None:
        """Archive (or unarchive) a team (``POST /teams/{id}/archive`` / ``unarchive``)."""
        self.writes.archive_team(group, archived)

    def add_space_permission(
        self, space: int, permission: str, subject_type: Subject, subject: int
    ) -> None:
        """Grant a space permission (REST ``POST .../permission``, RPC addPermissionToSpace)."""
        self.writes.add_space_permission(space, permission, subject_type, subject)

    def remove_space_permission(
        self, space: int, permission: str, subject_type: Subject, subject: int
    ) -> None:
        """Revoke a space permission; the last SETSPACEPERMISSIONS row cannot be removed."""
        self.writes.remove_space_permission(space, permission, subject_type, subject)

    def create_space(self, key: str, name: str, creator: int, description: str = "") -> int:
        """Create a global space (REST ``POST /rest/api/space``); its creator administers it."""
        return self.writes.create_space(key, name, creator, description)

    # -- reads -----------------------------------------------------------------------------

    def story(self, name: str) -> StoryRef:
        """A planted story by name (see ``govern.sandbox.stories``)."""
        try:
            return self.stories[name]
        except KeyError:
            known = ", ".join(sorted(self.stories))
            raise SandboxError(f"no story {name!r} in this sandbox; stories: {known}") from None

    # -- pages -----------------------------------------------------------------------------

    def users_page(
        self, cursor: int = 0, limit: int = 100, guests: bool | None = None
    ) -> tuple[list[Person], int | None]:
        """Live users from ``cursor``; ``guests`` True/False keeps only guests/members."""
        keep = None if guests is None else (lambda p: p.guest == guests)
        return _page(self.people, cursor, limit, keep)

    def groups_page(
        self, cursor: int = 0, limit: int = 100, kinds: Collection[GroupKind] | None = None
    ) -> tuple[list[Group], int | None]:
        """Live groups from ``cursor``, optionally only of some kinds."""
        keep = None if kinds is None else (lambda g: g.kind in kinds)
        return _page(self.groups, cursor, limit, keep)

    def spaces_page(
        self, cursor: int = 0, limit: int = 25, personal: bool | None = None
    ) -> tuple[list[Space], int | None]:
        """Live Confluence spaces from ``cursor``; ``personal`` filters by space type."""
        keep = None if personal is None else (lambda s: s.personal == personal)
        return _page(self.spaces, cursor, limit, keep)

    def consents_page(
        self, cursor: int = 0, limit: int = 100, app: int | None = None
    ) -> tuple[list[int], int | None]:
        """Indexes of live OAuth2 grants from ``cursor``, optionally of one app (clientId)."""
        c = self.consents
        out: list[int] = []
        i, n = max(cursor, 0), len(c)
        while i < n and len(out) < limit:
            if c.revoked[i] == NEVER and (app is None or c.app[i] == app):
                out.append(i)
            i += 1
        return out, (i if i < n else None)

    # -- counts ----------------------------------------------------------------------------

    def communities(self) -> int:
        """Live communities across tools (groups but security ones, spaces, sites, networks)."""
        groups = sum(1 for g in self.groups if g.deleted == NEVER and g.is_community)
        spaces = sum(1 for s in self.spaces if s.deleted == NEVER)
        sites = sum(1 for s in self.sites if s.group < 0 and s.deleted == NEVER)
        networks = sum(1 for n in self.networks if not n.home)
        return groups + spaces + sites + networks

    def grant_counts(self) -> dict[str, int]:
        """Grants by source: group members and owners, space permission rows, OAuth2 grants."""
        live = [g for g in self.groups if g.deleted == NEVER]
        external = sum(
            len(n.members) + sum(len(c) for c in n.communities.values())
            for n in self.networks
            if not n.home
        )
        return {
            "group_members": sum(len(g.members) for g in live),
            "group_owners": sum(len(g.owners) for g in live),
            "space_permissions": sum(len(s.perms) for s in self.spaces if s.deleted == NEVER),
            "oauth2_grants": sum(1 for r in self.consents.revoked if r == NEVER),
            "external_network_members": external,
        }

    def summary(self) -> dict[str, object]:
        """What ``govern sandbox info`` shows: size, clock, counts, stories."""
        counts = self.grant_counts()
        return {
            "size": self.size.name,
            "seed": self.seed,
            "days_advanced": self.day,
            "today": self.today_iso(),
            "people": sum(1 for p in self.people if p.alive and not p.guest),
            "guests": sum(1 for p in self.people if p.alive and p.guest),
            "departments": len(self.departments),
            "communities": self.communities(),
            "teams": sum(1 for g in self.groups if g.deleted == NEVER and g.kind == GroupKind.TEAM),
            "spaces": sum(1 for s in self.spaces if s.deleted == NEVER),
            "grants": sum(counts.values()),
            "grant_counts": counts,
            "changes_logged": self.log.seq,
            "ownerless_moments": len(self.ownerless_moments),
            "stories": sorted(self.stories),
        }

    def today_iso(self) -> str:
        """The simulated date, ``YYYY-MM-DD``."""
        from govern.sandbox.ids import iso

        return iso(self.now)[:10]

    def fingerprint(self) -> str:
        """A hash of the whole state: equal fingerprints mean equal organisations."""
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{self.seed}|{self.size.name}|{self.day}|".encode())
        for p in self.people:
            h.update(f"{p.mail}|{p.department}|{p.created}|{p.deleted}|{p.enabled};".encode())
        for g in self.groups:
            h.update(
                f"{g.name}|{g.kind}|{g.visibility}|{g.deleted}|{g.archived}|{g.label}|".encode()
            )
            h.update(f"{g.last_activity}|{g.alive}|".encode())
            for arr in (g.members.ids, g.members.joined, g.members.added_by, g.owners.ids):
                h.update(arr.tobytes())
        for s in self.spaces:
            h.update(f"{s.key}|{s.deleted}|{s.last_modified}|{s.pages}|".encode())
            h.update(s.perms.tobytes())
            h.update(s.contributors.tobytes())
        c = self.consents
        for arr in (c.app, c.principal, c.granted, c.revoked):
            h.update(arr.tobytes())
        for n in self.networks:
            h.update(n.members.ids.tobytes())
        for arr2 in (self.log.ts, self.log.target, self.log.subject):
            h.update(arr2.tobytes())
        return h.hexdigest()


def generate(size: str | Size, seed: int) -> Organisation:
    """Build the organisation of a named size from a seed: same inputs, same organisation."""
    profile = size_named(size) if isinstance(size, str) else size
    rng = random.Random(seed)
    org = Organisation(seed, profile)
    org.upns_taken = gen_people.generate_people(org, rng)
    gen_people.generate_apps(org, rng)
    gen_people.generate_consents(org, rng)
    org.nicknames_taken = gen_groups.generate_groups(org, rng)
    gen_confluence.generate_confluence(org, rng)
    stories.plant(org, rng)
    for g in org.groups:
        org.nicknames_taken.setdefault(g.nickname, 1)
    org.recording = True
    org.recorded_from = org.now
    return org

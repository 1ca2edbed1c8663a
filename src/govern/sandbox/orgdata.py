"""The organisation's containers and the low-level changes that keep them and the log in step.

``OrgData`` holds every record in plain lists indexed by int, and offers the primitive
mutations (add a person, link a member, ...) that generation, time advance and writes share.
Once ``recording`` is on (after generation), each primitive appends to the change log, so the
log can never miss a change made through them. Rules (last owner, ...) live in ``writes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govern.sandbox import ids
from govern.sandbox.changelog import NO_ACTOR, ChangeLog, Op
from govern.sandbox.entities import (
    ADDED_BY_SYSTEM,
    App,
    Consents,
    Group,
    GroupKind,
    Network,
    Origin,
    Person,
    Site,
    TeamsApp,
    Visibility,
)
from govern.sandbox.names import DOMAIN, TENANT
from govern.sandbox.offices import office_of
from govern.sandbox.sizes import Size
from govern.sandbox.spaces import ConfluenceGroup, ConfluenceUser, Space

WriteListener = Callable[[str, tuple[Any, ...]], None]
"""Called after every successful write with the method name and its arguments."""


@dataclass(frozen=True)
class StoryRef:
    """Where a planted story lives: the kind of record and its index."""

    name: str
    kind: str  # group, space, network, app
    index: int
    summary: str


@dataclass(frozen=True)
class OwnerlessMoment:
    """A write that left a community without an enabled owner (servers must never cause one)."""

    ts: int
    community: str  # "group:<index>" or "space:<index>"
    write: str  # the write that did it, e.g. "remove_owner"
    detail: str


@dataclass
class Diffusion:
    """A planted story that keeps spreading by word of mouth (Bass model), day after day.

    Each day, ``(p + q * N / M) * (M - N)`` new adopters join on average (N adopters so far,
    M = ``target``); ``peer_share`` of them are added by someone who already joined.
    """

    kind: str  # "group" (members), "network" (Engage network members), "app" (user consents)
    index: int
    target: int
    p: float
    q: float
    peer_share: float


@dataclass
class Directory:
    """Well-known records the generators and writes refer to."""

    it_group: int = -1  # security group of IT staff
    provisioning_app: int = -1  # service principal IT uses to create communities
    graph_app: int = -1  # the Microsoft Graph service principal (the resource of grants)
    all_company: int = -1  # the home network's all-company Engage community
    confluence_users: int = -1  # Confluence group every user is in
    confluence_admins: int = -1  # Confluence site administrators group
    department_groups: list[int] = field(default_factory=list)  # Confluence group per dept


class OrgData:
    """Every record of the organisation, plus primitive mutations that log themselves."""

    def __init__(self, seed: int, size: Size) -> None:
        self.seed = seed
        self.size = size
        self.salt = ids.tenant_salt(seed)
        self.tenant = TENANT
        self.domain = DOMAIN
        self.day = 0  # days advanced since creation
        self.departments: list[str] = []
        self.offices: list[str] = []  # set with the departments (gen_people.generate_people)
        self.people: list[Person] = []
        self.groups: list[Group] = []
        self.sites: list[Site] = []
        self.apps: list[App] = []
        self.teams_apps: list[TeamsApp] = []
        self.consents = Consents()
        self.networks: list[Network] = []
        self.confluence_users: list[ConfluenceUser] = []
        self.confluence_groups: list[ConfluenceGroup] = []
        self.spaces: list[Space] = []
        self.directory = Directory()
        self.stories: dict[str, StoryRef] = {}
        self.log = ChangeLog()
        self.ownerless_moments: list[OwnerlessMoment] = []
        self.recording = False
        self.recorded_from = -1
        """When ``recording`` began: joins before it are known from member lists only."""
        self.write_listeners: list[WriteListener] = []
        self.diffusions: list[Diffusion] = []
        self.upns_taken: dict[str, int] = {}  # UPN bases in use, for unique new hires
        self.nicknames_taken: dict[str, int] = {}  # mailNicknames in use
        self.events: list[dict[str, Any]] = []
        self.aliases: dict[
            str, tuple[str, int]
        ] = {}  # scenario local id -> (kind, index)  # scheduled scenario events, by absolute day
        self._space_keys: dict[str, int] = {}
        self._usernames: dict[str, int] = {}
        self._account_of: dict[int, int] = {}  # person -> Confluence user with their email
        self.start_day = ids.START_DAY  # day number of 'today' before any advance
        self.background = True  # whether days bring random life (False: scenario events only)
        # person -> groups they are a member / owner of; built on first use, then kept in step
        self._reverse: tuple[dict[int, set[int]], dict[int, set[int]]] | None = None

    # -- the clock ---------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """The simulated current time: the last second of the current day.

        Everything that happens during a simulated day happens before it, so a delta token
        issued 'now' covers the whole day.
        """
        return (self.start_day + self.day + 1) * ids.DAY - 1

    @property
    def today(self) -> int:
        """Absolute day number of the simulated today (days since ``ids.EPOCH``)."""
        return self.start_day + self.day

    # -- id conversions ----------------------------------------------------------------------

    def user_id(self, person: int) -> str:
        """The Entra object id (GUID) of a person."""
        return ids.encode(self.salt, ids.IdKind.USER, person)

    def user_index(self, guid: str) -> int | None:
        """The person a GUID names, or None (malformed, other kind, or unknown index)."""
        i = ids.decode(self.salt, ids.IdKind.USER, guid)
        return i if i is not None and i < len(self.people) else None

    def group_id(self, group: int) -> str:
        """The Entra object id (GUID) of a group (also its team id)."""
        return ids.encode(self.salt, ids.IdKind.GROUP, group)

    def group_index(self, guid: str) -> int | None:
        """The group a GUID names, or None."""
        i = ids.decode(self.salt, ids.IdKind.GROUP, guid)
        return i if i is not None and i < len(self.groups) else None

    def app_id(self, app: int) -> str:
        """The service principal object id of an app."""
        return ids.encode(self.salt, ids.IdKind.SERVICE_PRINCIPAL, app)

    def app_client_id(self, app: int) -> str:
        """The appId (client id) of an app; Graph's oauth2PermissionGrants say clientId = SP id."""
        return ids.encode(self.salt, ids.IdKind.APPLICATION, app)

    def app_index(self, guid: str) -> int | None:
        """The app a service principal id names, or None."""
        i = ids.decode(self.salt, ids.IdKind.SERVICE_PRINCIPAL, guid)
        return i if i is not None and i < len(self.apps) else None

    def consent_id(self, row: int) -> str:
        """The id of an oauth2PermissionGrant (an opaque URL-safe string, as Graph's are)."""
        return ids.opaque(self.salt, ids.IdKind.CONSENT, row)

    def consent_index(self, value: str) -> int | None:
        """The consent row an oauth2PermissionGrant id names, or None."""
        i = ids.unopaque(self.salt, ids.IdKind.CONSENT, value)
        return i if i is not None and i < len(self.consents) else None

    def site_id(self, site: int) -> str:
        """The Graph site id: ``host,site-collection-guid,web-guid``."""
        coll = ids.encode(self.salt, ids.IdKind.SITE, site)
        web = ids.encode(self.salt, ids.IdKind.WEB, site)
        return f"{self.tenant}.sharepoint.com,{coll},{web}"

    def site_index(self, site_id: str) -> int | None:
        """The site a Graph site id (or its collection GUID) names, or None."""
        parts = site_id.split(",")
        guid = parts[1] if len(parts) == 3 else site_id
        i = ids.decode(self.salt, ids.IdKind.SITE, guid)
        return i if i is not None and i < len(self.sites) else None

    def tenant_id(self) -> str:
        """The tenant (directory) id."""
        return ids.encode(self.salt, ids.IdKind.TENANT, 0)

    def space_index(self, key: str) -> int | None:
        """The space with this key (``ENG``, ``~jdoe``), deleted ones included, or None."""
        return self._space_keys.get(key)

    def confluence_user_index(self, username: str) -> int | None:
        """The Confluence user with this username, or None."""
        return self._usernames.get(username)

    def confluence_account(self, person: int) -> int | None:
        """The Confluence user matched to a person by email, or None."""
        return self._account_of.get(person)

    def confluence_user_key(self, user: int) -> str:
        """The Data Center userKey (32 hex digits) of a Confluence user."""
        return ids.encode(self.salt, ids.IdKind.CONFLUENCE_USER, user).replace("-", "")

    def confluence_account_id(self, user: int) -> str:
        """The Cloud accountId of a Confluence user (``557058:<guid>``, as Atlassian's are)."""
        return "557058:" + ids.encode(self.salt, ids.IdKind.CONFLUENCE_USER, user)

    def confluence_group_id(self, group: int) -> str:
        """The Cloud group id (GUID) of a Confluence group."""
        return ids.encode(self.salt, ids.IdKind.CONFLUENCE_GROUP, group)

    # -- primitive mutations ---------------------------------------------------------------

    def record_change(
        self, op: Op, target: int, subject: int = -1, ts: int | None = None, actor: int = NO_ACTOR
    ) -> None:
        """Append a row to the change log (only once generation is over: see ``recording``).

        Times never go backwards in the log (a change stamped earlier than the previous row is
        stamped with the previous row's time), so delta tokens can be looked up by time.
        """
        if self.recording:
            at = self.now if ts is None else ts
            log = self.log
            if log.seq and log.ts[-1] > at:
                at = log.ts[-1]
            log.record(at, op, target, subject, actor)

    def add_person(self, person: Person) -> Person:
        """Append a person (its ``idx`` must be the next index)."""
        assert person.idx == len(self.people)
        if not person.guest and person.department >= 0 and self.offices:
            person.office = office_of(self.salt, person.idx, person.department, len(self.offices))
        self.people.append(person)
        self.record_change(Op.USER_ADDED, person.idx, ts=person.created)
        return person

    def add_group(self, group: Group) -> Group:
        """Append a group (its ``idx`` must be the next index)."""
        assert group.idx == len(self.groups)
        self.groups.append(group)
        self.record_change(Op.GROUP_ADDED, group.idx, ts=group.created)
        return group

    def new_group(
        self,
        kind: GroupKind,
        name: str,
        nickname: str,
        created: int,
        created_by: int,
        visibility: Visibility,
        origin: Origin,
    ) -> Group:
        """Create and append a group at the next index."""
        group = Group(
            len(self.groups), kind, name, nickname, created, created_by, visibility, origin
        )
        return self.add_group(group)

    def add_space(self, space: Space) -> Space:
        """Append a space (its ``idx`` must be the next index) and index its key."""
        assert space.idx == len(self.spaces)
        self.spaces.append(space)
        self._space_keys[space.key] = space.idx
        self.record_change(Op.SPACE_ADDED, space.idx, ts=space.created)
        return space

    def add_confluence_user(self, user: ConfluenceUser) -> ConfluenceUser:
        """Append a Confluence user and index its username."""
        assert user.idx == len(self.confluence_users)
        self.confluence_users.append(user)
        self._usernames[user.username] = user.idx
        if user.person >= 0:
            self._account_of[user.person] = user.idx
        self.record_change(Op.CONFLUENCE_USER_ADDED, user.idx, ts=user.created)
        return user

    def link_member(self, group: int, person: int, ts: int, added_by: int) -> bool:
        """Make ``person`` a member of ``group``; False if they already were."""
        members = self.groups[group].members
        if person in members:
            return False
        members.add(person, ts, added_by)
        if self._reverse is not None:
            self._reverse[0].setdefault(person, set()).add(group)
        self.record_change(Op.MEMBER_ADDED, group, person, ts, added_by)
        return True

    def unlink_member(self, group: int, person: int, actor: int = ADDED_BY_SYSTEM) -> bool:
        """Remove ``person`` from ``group``'s members; False if they were not in."""
        if not self.groups[group].members.remove(person):
            return False
        if self._reverse is not None:
            self._reverse[0].get(person, set()).discard(group)
        self.record_change(Op.MEMBER_REMOVED, group, person, actor=actor)
        return True

    def link_owner(self, group: int, person: int, ts: int, added_by: int) -> bool:
        """Make ``person`` an owner of ``group``; False if they already were."""
        owners = self.groups[group].owners
        if person in owners:
            return False
        owners.add(person, ts, added_by)
        if self._reverse is not None:
            self._reverse[1].setdefault(person, set()).add(group)
        self.record_change(Op.OWNER_ADDED, group, person, ts, added_by)
        return True

    def unlink_owner(self, group: int, person: int, actor: int = ADDED_BY_SYSTEM) -> bool:
        """Remove ``person`` from ``group``'s owners; False if they were not one."""
        if not self.groups[group].owners.remove(person):
            return False
        if self._reverse is not None:
            self._reverse[1].get(person, set()).discard(group)
        self.record_change(Op.OWNER_REMOVED, group, person, actor=actor)
        return True

    def announce_group(self, group: int) -> None:
        """Log the members and owners of a group that was filled without the primitives.

        Generators fill member lists directly (fast); when they run after creation (a new
        community during ``advance``), this makes the log and the reverse index catch up.
        """
        g = self.groups[group]
        reverse = self._reverse
        for who, ts, by in zip(g.members.ids, g.members.joined, g.members.added_by, strict=True):
            self.record_change(Op.MEMBER_ADDED, group, who, ts, by)
            if reverse is not None:
                reverse[0].setdefault(who, set()).add(group)
        for who, ts, by in zip(g.owners.ids, g.owners.joined, g.owners.added_by, strict=True):
            self.record_change(Op.OWNER_ADDED, group, who, ts, by)
            if reverse is not None:
                reverse[1].setdefault(who, set()).add(group)

    def remove_group(self, group: int) -> None:
        """Delete a group (soft: it stays listed with ``deleted`` set, as ids must not move)."""
        g = self.groups[group]
        if g.deleted != -1:
            return
        g.deleted = self.now
        if g.site >= 0:
            self.sites[g.site].deleted = self.now
        if self._reverse is not None:
            for p in g.members.ids:
                self._reverse[0].get(p, set()).discard(group)
            for p in g.owners.ids:
                self._reverse[1].get(p, set()).discard(group)
        self.record_change(Op.GROUP_REMOVED, group)

    def _reverse_index(self) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
        if self._reverse is None:
            members: dict[int, set[int]] = {}
            owners: dict[int, set[int]] = {}
            for g in self.groups:
                if g.deleted == -1:
                    for p in g.members.ids:
                        members.setdefault(p, set()).add(g.idx)
                    for p in g.owners.ids:
                        owners.setdefault(p, set()).add(g.idx)
            self._reverse = (members, owners)
        return self._reverse

    def person_groups(self, person: int) -> set[int]:
        """Live groups a person is a member of (a reverse index built on first use, then kept)."""
        return self._reverse_index()[0].get(person, set())

    def person_owned_groups(self, person: int) -> set[int]:
        """Live groups a person owns."""
        return self._reverse_index()[1].get(person, set())

    def __getstate__(self) -> dict[str, Any]:
        # The reverse index is rebuilt on demand; pickling it would only grow the cache.
        state = dict(self.__dict__)
        state["_reverse"] = None
        state["write_listeners"] = []
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

"""The records of the simulated organisation, kept compact enough for 200,000 people.

Each record is a ``__slots__`` class (no per-instance dict) and every list that can grow to
millions of entries across the organisation (members, permissions) is an ``array`` of ints.
References between records are integer indexes into the organisation's lists; public ids are
derived from them (see ``ids``). Timestamps are int seconds since ``ids.EPOCH``; ``-1`` means
"never" (not deleted, no activity).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from enum import IntEnum
from typing import NamedTuple

ADDED_BY_SELF = -1
"""``added_by`` of a member who joined by themselves (public community, invite link)."""

ADDED_BY_SYSTEM = -2
"""``added_by`` of a member added by a provisioning app, a dynamic rule or a directory sync."""

NEVER = -1
"""A timestamp that has not happened (not deleted, no activity yet)."""


class GroupKind(IntEnum):
    """What an Entra ID group is used for."""

    TEAM = 1  # Microsoft 365 group with resourceProvisioningOptions ["Team"]
    UNIFIED = 2  # plain Microsoft 365 group (Outlook group, Planner, SharePoint team site)
    ENGAGE = 3  # Viva Engage community: M365 group with creationOptions ["YammerProvisioning"]
    SECURITY = 4  # security group (not a community; e.g. the IT staff group)


class Origin(IntEnum):
    """How a community came to exist (mirrors ``govern.model.Origin``)."""

    SELF_SERVICE = 1
    IT_PROVISIONED = 2
    EXTERNAL_NETWORK = 3


class Visibility(IntEnum):
    """Group visibility as Graph names it (``str(v)`` gives the wire value)."""

    PUBLIC = 1
    PRIVATE = 2
    HIDDEN_MEMBERSHIP = 3

    def __str__(self) -> str:
        return {1: "Public", 2: "Private", 3: "HiddenMembership"}[self.value]


SENSITIVITY_LABELS: tuple[str, ...] = ("Public", "General", "Confidential", "Highly Confidential")
"""The tenant's sensitivity labels; a community's ``label`` indexes this tuple, -1 for none."""


class MemberList:
    """Members (or owners) of one community, in the order they joined.

    Three parallel int arrays: who, when (timestamp) and added by whom (a person index,
    ``ADDED_BY_SELF`` or ``ADDED_BY_SYSTEM``). Membership tests and removals are linear scans
    done in C by ``array``; they stay well under a millisecond even for an all-company list.
    """

    __slots__ = ("added_by", "ids", "joined")

    def __init__(self) -> None:
        self.ids = array("i")
        self.joined = array("i")
        self.added_by = array("i")

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, person: object) -> bool:
        return person in self.ids

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)

    def add(self, person: int, ts: int, added_by: int) -> None:
        """Append a member (callers check they are not already in)."""
        self.ids.append(person)
        self.joined.append(ts)
        self.added_by.append(added_by)

    def remove(self, person: int) -> bool:
        """Remove a member; False if they were not in."""
        try:
            i = self.ids.index(person)
        except ValueError:
            return False
        del self.ids[i], self.joined[i], self.added_by[i]
        return True

    def sort_by_time(self) -> None:
        """Restore join order after members were added out of order (generation only)."""
        rows = sorted(zip(self.joined, self.ids, self.added_by, strict=True))
        self.joined = array("i", (r[0] for r in rows))
        self.ids = array("i", (r[1] for r in rows))
        self.added_by = array("i", (r[2] for r in rows))

    def entry(self, position: int) -> tuple[int, int, int]:
        """``(person, joined, added_by)`` at a position."""
        return self.ids[position], self.joined[position], self.added_by[position]

    def page(self, start: int, size: int) -> list[tuple[int, int, int]]:
        """Entries ``[start, start + size)`` as ``(person, joined, added_by)`` tuples."""
        end = start + size
        ids, joined, added_by = (
            self.ids[start:end],
            self.joined[start:end],
            self.added_by[start:end],
        )
        return list(zip(ids, joined, added_by, strict=True))


class Person:
    """An Entra ID user: an employee (``userType`` Member) or a guest."""

    __slots__ = (
        "created",
        "deleted",
        "department",
        "disabled",
        "enabled",
        "given",
        "guest",
        "idx",
        "it_staff",
        "job_title",
        "mail",
        "office",
        "surname",
        "upn",
    )

    def __init__(
        self,
        idx: int,
        given: str,
        surname: str,
        mail: str,
        upn: str,
        department: int,
        job_title: str,
        created: int,
        guest: bool = False,
    ) -> None:
        self.idx = idx
        self.given = given
        self.surname = surname
        self.mail = mail
        self.upn = upn
        self.department = department  # index into Organisation.departments; -1 for guests
        self.job_title = job_title
        self.created = created
        self.deleted = NEVER
        self.disabled = NEVER  # when the account was disabled (people leaving: disabled first)
        self.enabled = True
        self.guest = guest
        self.it_staff = False
        self.office = -1  # index into OrgData.offices; set when added (-1: guests, unknown)

    @property
    def display_name(self) -> str:
        """``Given Surname`` as the directory shows it."""
        return f"{self.given} {self.surname}"

    @property
    def alive(self) -> bool:
        """True while the account exists (not deleted)."""
        return self.deleted == NEVER


class Group:
    """An Entra ID group; a community unless its kind is ``SECURITY``.

    ``last_activity`` is the last moment anything happened; ``alive`` communities are active
    today (their last activity follows the clock), the others are frozen at ``last_activity``.
    ``level`` is messages per active member per day and ``active_share`` the share of members
    active in a 30-day window: the usage reports are computed from these (see ``activity``).
    """

    __slots__ = (
        "active_share",
        "alive",
        "apps",
        "archived",
        "created",
        "created_by",
        "created_by_app",
        "deleted",
        "description",
        "idx",
        "kind",
        "label",
        "last_activity",
        "level",
        "members",
        "name",
        "nickname",
        "origin",
        "owners",
        "renewed",
        "site",
        "visibility",
    )

    def __init__(
        self,
        idx: int,
        kind: GroupKind,
        name: str,
        nickname: str,
        created: int,
        created_by: int,
        visibility: Visibility,
        origin: Origin,
    ) -> None:
        self.idx = idx
        self.kind = kind
        self.name = name
        self.nickname = nickname
        self.description = ""
        self.created = created
        self.renewed = created
        self.created_by = created_by  # person index, -1 when an app created it
        self.created_by_app = -1  # service principal index of a provisioning app
        self.visibility = visibility
        self.origin = origin
        self.label = -1
        self.deleted = NEVER
        self.archived = False
        self.members = MemberList()
        self.owners = MemberList()
        self.site = -1  # index of its SharePoint site; -1 for Engage and security groups
        self.apps = array("i")  # Teams app catalog indexes installed in the team
        self.last_activity = created
        self.alive = False
        self.level = 0.0
        self.active_share = 0.0

    @property
    def is_community(self) -> bool:
        """Security groups are directory plumbing, not places people gather."""
        return self.kind != GroupKind.SECURITY


class Site:
    """A SharePoint site: the team site of a group, or a standalone (communication) site."""

    __slots__ = (
        "alive",
        "created",
        "deleted",
        "files",
        "group",
        "idx",
        "last_activity",
        "owner",
        "storage",
        "template",
        "title",
        "url",
    )

    def __init__(
        self, idx: int, url: str, title: str, template: str, group: int, owner: int, created: int
    ) -> None:
        self.idx = idx
        self.url = url
        self.title = title
        self.template = template  # Root Web Template: GROUP#0, SITEPAGEPUBLISHING#0, STS#3
        self.group = group  # -1 for a standalone site
        self.owner = owner  # person index
        self.created = created
        self.deleted = NEVER
        self.files = 0
        self.storage = 0  # bytes
        # Standalone sites only; a group's site follows its group's activity profile.
        self.last_activity = created
        self.alive = False


class App:
    """A service principal: a third-party or internal app that can hold OAuth2 grants."""

    __slots__ = ("created", "idx", "name", "publisher", "scopes", "verified")

    def __init__(
        self, idx: int, name: str, publisher: str, verified: bool, scopes: str, created: int
    ) -> None:
        self.idx = idx
        self.name = name
        self.publisher = publisher
        self.verified = verified  # verifiedPublisher set (a Microsoft Partner Network id)
        self.scopes = scopes  # the delegated scopes it asks users for, space-separated
        self.created = created


class TeamsApp:
    """An app in the Teams catalog, installable in teams."""

    __slots__ = ("distribution", "external_id", "idx", "name", "version")

    def __init__(self, idx: int, name: str, distribution: str, external_id: str) -> None:
        self.idx = idx
        self.name = name
        self.distribution = distribution  # store, organization or sideloaded
        self.external_id = external_id
        self.version = "1.0.0"


class Consents:
    """OAuth2 permission grants, one row per grant, in parallel arrays.

    ``principal`` is a person index for consentType ``Principal`` and -1 for ``AllPrincipals``
    (admin consent). Revoked grants keep their row with ``revoked`` set, so indexes (and ids)
    stay stable. A user holds at most one live grant per app (``has``).
    """

    __slots__ = ("_pairs", "app", "granted", "principal", "revoked")

    def __init__(self) -> None:
        self.app = array("i")
        self.principal = array("i")
        self.granted = array("i")
        self.revoked = array("i")
        self._pairs: set[int] | None = None

    def __len__(self) -> int:
        return len(self.app)

    def _key(self, app: int, principal: int) -> int:
        return (app << 32) | (principal & 0xFFFFFFFF)

    def has(self, app: int, principal: int) -> bool:
        """Whether ``principal`` holds a live grant to ``app`` (an index built on first use)."""
        if self._pairs is None:
            self._pairs = {
                self._key(a, p)
                for a, p, r in zip(self.app, self.principal, self.revoked, strict=True)
                if r == NEVER
            }
        return self._key(app, principal) in self._pairs

    def add(self, app: int, principal: int, ts: int) -> int:
        """Record a grant; returns its index."""
        self.app.append(app)
        self.principal.append(principal)
        self.granted.append(ts)
        self.revoked.append(NEVER)
        if self._pairs is not None:
            self._pairs.add(self._key(app, principal))
        return len(self.app) - 1

    def revoke(self, row: int, ts: int) -> None:
        """Mark a grant revoked at ``ts``."""
        self.revoked[row] = ts
        if self._pairs is not None:
            self._pairs.discard(self._key(self.app[row], self.principal[row]))


class Network:
    """A Viva Engage network. The home network backs the Engage groups; others are shadow ones.

    A non-home network is a leftover or free network that people joined on their own, with its
    own communities (not Entra groups): ``communities`` maps a name to its member list.
    """

    __slots__ = ("communities", "created", "domain", "home", "idx", "members", "name")

    def __init__(self, idx: int, name: str, domain: str, home: bool, created: int) -> None:
        self.idx = idx
        self.name = name
        self.domain = domain
        self.home = home
        self.created = created
        self.members = MemberList()
        self.communities: dict[str, MemberList] = {}


class Activity(NamedTuple):
    """What the usage reports say of one community over one period (computed, not stored)."""

    last_activity: int
    active_users: int
    messages: int
    replies: int
    reactions: int
    meetings: int
    posts_read: int

"""The connector contract: what every plugin, built-in or third-party, declares and offers.

A connector knows its tool and nothing of policies. It declares its name, its settings model and
the permissions each capability needs, then offers ``discover`` (full, or incremental from the
delta tokens of its previous snapshot) and ``apply(change)`` for the changes it supports.

Discovery streams what it finds into a :class:`DiscoverySink` (the store's snapshot writer), so a
connector never has to hold a whole organisation in memory, and the store can write the snapshot
in one transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from govern.model import (
    Activity,
    Change,
    ChangeAction,
    Community,
    Grant,
    Membership,
    Principal,
    Role,
)


class Capability(StrEnum):
    """What a connector can do; each needs its own permissions in the tool."""

    DISCOVER = "discover"
    ACTIVITY = "activity"
    APPS = "apps"
    APPLY = "apply"


@dataclass(frozen=True)
class Permission:
    """A permission in the tool's own terms, and what govern does with it."""

    name: str
    capability: Capability
    purpose: str


class DiscoverySink(Protocol):
    """Where a connector puts what it finds. The store implements it; tests may too."""

    def principal(self, principal: Principal) -> None:
        """Record a principal as it is now."""

    def community(self, community: Community) -> None:
        """Record a community as it is now."""

    def grant(self, grant: Grant) -> None:
        """Record a grant that exists now."""

    def grants(
        self, community_id: str, role: Role, principal_ids: Sequence[str], source: str | None
    ) -> None:
        """Record grants of one role in one community, one per principal (a page of members).

        The same as :meth:`grant` for each principal (no join time, no adder), without a model
        object per grant: a large tenant's member pages carry millions of them, and the ids
        were built by the connector itself.
        """

    def membership(self, membership: Membership) -> None:
        """Record a directory group membership that exists now."""

    def activity(self, activity: Activity) -> None:
        """Record what the tool reports of a community's activity."""

    def restate(self, community_id: str) -> None:
        """Say that every grant of this community has been given in this run.

        In a full run every community is restated. In an incremental run, a connector that
        re-read one community completely says so, and its grants not given are closed.
        """

    def keep_grants(self, community_id: str) -> None:
        """The community's grants could not be read this run: keep those last stored.

        "Could not read" is never "no access": even a full run leaves the grants (and the
        principals holding them) as the last run that read them stored them. The connector
        also marks the community record so, and the snapshot incomplete.
        """

    def remove_community(self, community_id: str) -> None:
        """Incremental runs: the community no longer exists (its grants go with it)."""

    def remove_principal(self, principal_id: str) -> None:
        """Incremental runs: the principal no longer exists."""

    def remove_grant(self, community_id: str, principal_id: str, role: str) -> None:
        """Incremental runs: the grant no longer exists."""

    def remove_membership(self, group_id: str, member_id: str) -> None:
        """Incremental runs: the membership no longer exists."""

    def incomplete(self, part: str, reason: str) -> None:
        """Part of the tool could not be read (e.g. a missing permission); the run goes on."""

    def delta_token(self, name: str, token: str) -> None:
        """Keep a token so that the next run can be incremental."""

    def observed_at(self, when: datetime) -> None:
        """The tool's own clock at discovery (e.g. the HTTP Date header of its responses).

        History is measured on this clock, so a simulated organisation that moves time forward
        (the sandbox) and a real tenant are measured alike.
        """

    def stat(self, name: str, value: Any) -> None:
        """Record a figure of the run's cost: requests, resource units, retries, seconds."""

    def log(self, message: str) -> None:
        """Tell the person running govern what is happening (stderr, never secrets)."""


@dataclass(frozen=True)
class DiscoveryRequest:
    """What the caller asks of a discovery run."""

    scope: str
    delta_tokens: Mapping[str, str] = field(default_factory=dict)
    full: bool = True
    previous_tokens: Mapping[str, str] = field(default_factory=dict)
    """The last snapshot's tokens, given on full runs too: for caches a full run may reuse
    (e.g. Confluence Data Center's user emails, one call each before 9.4)."""
    directory_groups: tuple[str, ...] = ()
    """Directory groups (id, email or display name) whose memberships the policies need, e.g.
    a steward pool; connectors with a directory record them as memberships, others ignore it."""


@dataclass(frozen=True)
class ApplyResult:
    """The outcome of one change: done (or already so), or refused with the tool's reason."""

    ok: bool
    message: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class Connector(ABC):
    """Base class of every connector.

    Subclasses set the class attributes, take their validated settings in ``__init__`` and
    import their tool's SDK inside the methods that use it, so ``govern --help`` stays fast.
    """

    name: ClassVar[str]
    """Short name: the settings table, the first part of ids, the entry point name."""

    title: ClassVar[str]
    """A readable name for listings."""

    settings_model: ClassVar[type[BaseModel]]
    """The pydantic model of this connector's settings table."""

    permissions: ClassVar[tuple[Permission, ...]] = ()
    """Least-privilege permissions per capability, as the tool names them."""

    supported_actions: ClassVar[frozenset[ChangeAction]] = frozenset()
    """The changes ``apply`` can make."""

    def __init__(self, settings: BaseModel) -> None:
        self.settings = settings

    @classmethod
    def capabilities(cls) -> tuple[Capability, ...]:
        """The capabilities this connector offers, in a stable order."""
        caps = {p.capability for p in cls.permissions} | {Capability.DISCOVER}
        if cls.supported_actions:
            caps.add(Capability.APPLY)
        return tuple(c for c in Capability if c in caps)

    @abstractmethod
    def scope(self) -> str:
        """The scope this configuration discovers (a tenant id, a site URL, ...)."""

    @abstractmethod
    def discover(self, request: DiscoveryRequest, sink: DiscoverySink) -> None:
        """Read the tool into ``sink``: everything, or what changed since ``delta_tokens``."""

    @classmethod
    def refuses(cls, change: Change) -> str | None:
        """Why ``apply`` would refuse ``change`` without trying, or None.

        Lets a plan leave out, for a person, what the tool cannot do (a label the connector
        cannot set, a kind of community it cannot archive). Connectors with finer limits than
        ``supported_actions`` override it.
        """
        if change.action not in cls.supported_actions:
            return f"the {cls.name} connector cannot {change.action.value}"
        return None

    def apply(self, change: Change) -> ApplyResult:
        """Make one change in the tool, idempotently; connectors that write override this."""
        return ApplyResult(False, f"the {self.name} connector cannot {change.action.value}")

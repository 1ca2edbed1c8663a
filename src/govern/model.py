"""The one vocabulary govern speaks across tools (DESIGN.md, "The model").

Ids follow one convention so that any record can be traced to its tool:

* a community is ``<connector>:<kind>:<native id>`` (``m365:team:0b7c...``) and has a readable
  ``path`` for policy patterns (``m365/contoso/team/finance-reporting``);
* a principal is ``<connector>:<type>:<native id>`` where type is ``user``, ``group`` or ``app``
  (``confluence:user:jsmith``); its ``kind`` says employee, guest, service or group.

Models are frozen pydantic models: validated at the boundary, hashable, and exportable as JSON
Schema (``govern schema``) for the tools that read our JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:.+$")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(f"{value!r} is not of the form '<connector>:<kind>:<native id>'")
    return value


Id = Annotated[str, AfterValidator(_check_id)]
"""A qualified id: ``<connector>:<kind>:<native id>``."""


def make_id(connector: str, kind: str, native_id: str) -> str:
    """Build a qualified id from its three parts."""
    return f"{connector}:{kind}:{native_id}"


def split_id(value: str) -> tuple[str, str, str]:
    """Split a qualified id into connector, kind and native id."""
    connector, kind, native = value.split(":", 2)
    return connector, kind, native


def slug(text: str) -> str:
    """A lowercase, dash-separated form of a display name for use in paths."""
    return _SLUG_RE.sub("-", text.lower()).strip("-") or "unnamed"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    def fingerprint(self) -> str:
        """A stable content hash, used by the store to notice what changed between runs."""
        data = self.model_dump(mode="json")
        raw = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


class PrincipalKind(StrEnum):
    """What a principal is."""

    EMPLOYEE = "employee"
    GUEST = "guest"
    SERVICE = "service"
    GROUP = "group"


class Role(StrEnum):
    """The role a principal holds in a community, normalised across tools."""

    OWNER = "owner"
    MEMBER = "member"
    GUEST = "guest"
    VIEWER = "viewer"


class Visibility(StrEnum):
    """Who can find and join a community."""

    PUBLIC = "public"
    PRIVATE = "private"
    HIDDEN = "hidden"
    ORG = "org"


class Origin(StrEnum):
    """How a community came to exist: the first question of the shadow-IT report."""

    IT_PROVISIONED = "it-provisioned"
    SELF_SERVICE = "self-service"
    EXTERNAL_NETWORK = "external-network"
    UNSANCTIONED_APP = "unsanctioned-app"
    UNKNOWN = "unknown"


class Lifecycle(StrEnum):
    """Where a community stands with IT; everything not decided in policies is unmanaged."""

    UNMANAGED = "unmanaged"
    ADOPTED = "adopted"
    SANCTIONED = "sanctioned"
    MIGRATING = "migrating"
    ARCHIVED = "archived"


class Principal(_Model):
    """A person, group or service account as one tool knows it."""

    id: Id
    kind: PrincipalKind
    display_name: str = ""
    email: str | None = Field(default=None, description="Lowercased; people are matched by it.")
    upn: str | None = None
    department: str | None = None
    job_title: str | None = None
    enabled: bool = True
    created_at: datetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def connector(self) -> str:
        """The connector that discovered this principal."""
        return split_id(self.id)[0]


class Community(_Model):
    """A place people gather: a team, group, Viva Engage community, site, space, channel."""

    id: Id
    path: str = Field(
        description="Readable path for policy patterns: <connector>/<scope>/<kind>/<slug>"
    )
    kind: str = Field(description="The tool's kind of place: team, group, engage, site, space, ...")
    name: str
    url: str | None = None
    visibility: Visibility = Visibility.PRIVATE
    sensitivity_label: str | None = None
    created_at: datetime | None = None
    created_by: str | None = Field(default=None, description="Principal id of the creator.")
    origin: Origin = Origin.UNKNOWN
    lifecycle: Lifecycle = Lifecycle.UNMANAGED
    archived: bool = False
    last_activity_at: datetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def connector(self) -> str:
        """The connector that discovered this community."""
        return split_id(self.id)[0]


class Grant(_Model):
    """Principal P holds role R in community C."""

    community_id: Id
    principal_id: Id
    role: Role
    since: datetime | None = Field(default=None, description="When the grant began, if known.")
    added_by: str | None = Field(
        default=None, description="Principal id of who added it, if known."
    )
    source: str | None = Field(
        default=None, description="The tool's own name for the permission, kept as evidence."
    )

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of a grant: the same person may hold two roles in one community."""
        return (self.community_id, self.principal_id, self.role.value)


class Membership(_Model):
    """A principal's membership of a directory group (used to resolve groups named in policies)."""

    group_id: Id
    member_id: Id


class Activity(_Model):
    """What a tool reports of a community's activity over one period."""

    community_id: Id
    period: str = Field(description="Period the tool reports over, e.g. D7, D30, D90, D180.")
    report_date: date | None = None
    active_users: int | None = None
    posts: int | None = None
    page_edits: int | None = None
    last_activity_at: datetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class SnapshotMode(StrEnum):
    """Whether a discovery read everything or only what changed."""

    FULL = "full"
    INCREMENTAL = "incremental"


@dataclass
class SnapshotCounts:
    """How many principals, communities and grants one discovery read.

    Kept in the snapshot's ``stats`` as ``principals_seen``, ``communities_seen`` and
    ``grants_seen`` (the stored form is unchanged). A snapshot written before govern kept them
    has no counts: :meth:`from_stats` says so with ``None``, because 0 would claim an empty read.
    """

    principals: int = 0
    communities: int = 0
    grants: int = 0

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> SnapshotCounts | None:
        """The counts kept in a snapshot's ``stats``; ``None`` when they were not kept (unknown)."""
        if not all(k in stats for k in ("principals_seen", "communities_seen", "grants_seen")):
            return None
        return cls(
            principals=int(stats.get("principals_seen", 0)),
            communities=int(stats.get("communities_seen", 0)),
            grants=int(stats.get("grants_seen", 0)),
        )

    def __setitem__(self, kind: str, n: int) -> None:
        """Set one count by its kind's name (``principals``, ``communities`` or ``grants``)."""
        if kind not in ("principals", "communities", "grants"):
            raise KeyError(kind)
        setattr(self, kind, n)

    def as_stats(self) -> dict[str, int]:
        """The counts as a snapshot's ``stats`` keep them."""
        return {
            "principals_seen": self.principals,
            "communities_seen": self.communities,
            "grants_seen": self.grants,
        }


class Snapshot(_Model):
    """One discovery run of one connector scope; kept, because history makes growth measurable."""

    id: str
    seq: int = Field(default=0, description="Order of snapshots in the store (0 before writing).")
    connector: str
    scope: str = Field(description="What was discovered: a tenant, a Confluence site, ...")
    mode: SnapshotMode = SnapshotMode.FULL
    started_at: datetime
    finished_at: datetime | None = None
    observed_at: datetime | None = Field(
        default=None,
        description="When the tool's data was read, by the tool's own clock (HTTP Date header).",
    )
    complete: bool = True
    incomplete: list[str] = Field(
        default_factory=list, description="Parts not read and why, e.g. a missing permission."
    )
    delta_tokens: dict[str, str] = Field(default_factory=dict)
    stats: dict[str, Any] = Field(default_factory=dict)

    @property
    def counts(self) -> SnapshotCounts | None:
        """How many principals, communities and grants this discovery read; ``None`` if unknown."""
        return SnapshotCounts.from_stats(self.stats)

    def count(self, kind: str) -> int | None:
        """How many ``principals``, ``communities`` or ``grants`` it read; ``None`` if unknown."""
        counts = self.counts
        return None if counts is None else int(getattr(counts, kind))

    def count_text(self, kind: str) -> str:
        """:meth:`count` for people to read: the number, or "unknown" where it was not kept."""
        n = self.count(kind)
        return "unknown" if n is None else str(n)

    @property
    def at(self) -> datetime:
        """The moment this snapshot describes: the tool's clock if known, else ours."""
        return self.observed_at or self.started_at


class Severity(StrEnum):
    """How urgent a finding is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class PolicySource(_Model):
    """Where in the policy repository a rule is written."""

    file: str
    line: int


class Finding(_Model):
    """A rule that a community or grant breaks, with what proves it."""

    rule_id: str
    severity: Severity
    community_id: Id
    principal_id: str | None = None
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    source: PolicySource | None = None


class ChangeAction(StrEnum):
    """What a change does."""

    ADD_GRANT = "add_grant"
    REMOVE_GRANT = "remove_grant"
    CHANGE_ROLE = "change_role"
    SET_VISIBILITY = "set_visibility"
    SET_LABEL = "set_label"
    ARCHIVE = "archive"


class Change(_Model):
    """One change to one community, with the rule that asks for it."""

    id: str = Field(description="Deterministic: the same change always has the same id.")
    action: ChangeAction
    community_id: Id
    principal_id: str | None = None
    role: Role | None = None
    from_role: Role | None = None
    value: str | None = None
    rule_id: str
    reason: str


class PolicyRevision(_Model):
    """Which policies a plan was made from."""

    content_hash: str
    git_commit: str | None = None


class Plan(_Model):
    """A reviewed list of changes, applied exactly as written or not at all."""

    schema_version: str = SCHEMA_VERSION
    id: str
    created_at: datetime
    policy: PolicyRevision
    snapshots: dict[str, str] = Field(
        description="Snapshot id per '<connector>/<scope>' the plan was computed from."
    )
    changes: list[Change]
    checksum: str = ""


class JournalPhase(StrEnum):
    """Where a change stands in a run; written before and after it is made."""

    INTENT = "intent"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class JournalEntry(_Model):
    """A change applied (or attempted) with its before and after state."""

    run_id: str
    change_id: str
    phase: JournalPhase
    at: datetime
    actor: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    message: str = ""


ALL_MODELS: tuple[type[BaseModel], ...] = (
    Principal,
    Community,
    Grant,
    Membership,
    Activity,
    Snapshot,
    Finding,
    Change,
    Plan,
    JournalEntry,
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of every model, as one document with ``$defs``."""
    from pydantic.json_schema import models_json_schema

    _, schema = models_json_schema(
        [(m, "serialization") for m in ALL_MODELS],
        title="govern model",
        description=f"govern's data model, schema version {SCHEMA_VERSION}",
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema

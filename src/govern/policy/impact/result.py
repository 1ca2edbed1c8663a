"""What a policy change would do, as data: the items, their counts, and the JSON form.

Every list is kept in one deterministic order (by change, rule, community path, principal,
role) so that two runs over the same inputs print the same review, byte for byte.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any, cast

from govern.policy.impact.revisions import Revision

SCHEMA_ID = "https://govern.dev/schemas/policy-impact.schema.json"
SCHEMA_VERSION = "1"
SCHEMA_FILE = "impact.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`Impact.as_json` (shipped in the package)."""
    import json

    text = resources.files("govern.policy.impact").joinpath(SCHEMA_FILE).read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


GRANT_REMOVED = "grant removed"
"""An existing grant the head policies deny (the planner would remove it)."""
GRANT_ALLOWED = "grant allowed"
"""An existing grant the base policies deny and the head policies allow."""
REQ_ADDED = "requirement added"
REQ_REMOVED = "requirement removed"
REQ_CHANGED = "requirement changed"
"""The same requirement kind applies under both, by another rule or with another parameter."""
CLASS_CHANGED = "class changed"
LIFECYCLE_CHANGED = "lifecycle changed"

CHANGES = (
    GRANT_REMOVED,
    GRANT_ALLOWED,
    REQ_ADDED,
    REQ_REMOVED,
    REQ_CHANGED,
    LIFECYCLE_CHANGED,
    CLASS_CHANGED,
)
"""Every kind of change, in the order reports list them."""
_ORDER = {c: i for i, c in enumerate(CHANGES)}


@dataclass(frozen=True)
class RuleRef:
    """A rule as one revision has it: id and where it is written (repository-relative)."""

    id: str
    where: str | None = None
    """``policies/policy.csv:14``; None for a decision no line made (the effect's default)."""

    def as_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"id": self.id, "where": self.where}


@dataclass(frozen=True)
class CommunityRef:
    """The community an item is about."""

    id: str
    path: str
    tool: str
    cls: str
    """Its class under the head policies."""

    def as_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"id": self.id, "path": self.path, "tool": self.tool, "class": self.cls}


@dataclass(frozen=True)
class GrantChange:
    """An existing grant whose decision flips between the revisions."""

    change: str
    community: CommunityRef
    principal_id: str
    principal: str
    """The principal's email, else its id."""
    principal_kind: str
    role: str
    before: RuleRef
    after: RuleRef

    @property
    def rule(self) -> RuleRef:
        """The rule responsible for the change: the head's decision."""
        return self.after

    def key(self) -> tuple[int, str, str, str, str]:
        """Sort key."""
        return (_ORDER[self.change], self.rule.id, self.community.path, self.principal, self.role)

    def as_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "change": self.change,
            "community": self.community.as_json(),
            "principal": {
                "id": self.principal_id,
                "display": self.principal,
                "kind": self.principal_kind,
            },
            "role": self.role,
            "before": {"allowed": self.change == GRANT_REMOVED, "rule": self.before.as_json()},
            "after": {"allowed": self.change == GRANT_ALLOWED, "rule": self.after.as_json()},
        }


@dataclass(frozen=True)
class RequirementChange:
    """A requirement that newly applies to a community, no longer applies, or changed."""

    change: str
    community: CommunityRef
    kind: str
    before: tuple[RuleRef, str] | None
    """(rule, parameter) under the base policies; None when it did not apply."""
    after: tuple[RuleRef, str] | None
    failing: bool
    """Whether the community fails the requirement: the head's (added, changed) or the base's
    (removed). A failing added requirement is a new finding; a failing removed one goes away."""

    @property
    def rule(self) -> RuleRef:
        """The rule responsible: the head's, or the base's for a removed requirement."""
        side = self.after or self.before
        assert side is not None
        return side[0]

    def key(self) -> tuple[int, str, str, str, str]:
        """Sort key."""
        return (_ORDER[self.change], self.rule.id, self.community.path, self.kind, "")

    def as_json(self) -> dict[str, Any]:
        """The JSON form."""

        def side(value: tuple[RuleRef, str] | None) -> dict[str, Any] | None:
            return None if value is None else {"rule": value[0].as_json(), "param": value[1]}

        return {
            "change": self.change,
            "community": self.community.as_json(),
            "requirement": self.kind,
            "before": side(self.before),
            "after": side(self.after),
            "failing": self.failing,
        }


@dataclass(frozen=True)
class CommunityChange:
    """A community whose class or lifecycle state differs between the revisions."""

    change: str
    community: CommunityRef
    before: str
    after: str
    rule: RuleRef
    """What decides the head's value (a classification rule or lifecycle decision)."""

    def key(self) -> tuple[int, str, str, str, str]:
        """Sort key."""
        return (_ORDER[self.change], self.rule.id, self.community.path, "", "")

    def as_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "change": self.change,
            "community": self.community.as_json(),
            "before": self.before,
            "after": self.after,
            "rule": self.rule.as_json(),
        }


Item = GrantChange | RequirementChange | CommunityChange


@dataclass
class Impact:
    """Everything that would change if the head policies replaced the base policies."""

    base: Revision
    head: Revision
    grants: list[GrantChange] = field(default_factory=list)
    requirements: list[RequirementChange] = field(default_factory=list)
    communities: list[CommunityChange] = field(default_factory=list)
    grants_evaluated: int = 0
    communities_evaluated: int = 0
    inventory_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)

    def sort(self) -> None:
        """Put every list in its deterministic order."""
        self.grants.sort(key=GrantChange.key)
        self.requirements.sort(key=RequirementChange.key)
        self.communities.sort(key=CommunityChange.key)

    @property
    def empty(self) -> bool:
        """True when the change affects nothing in this inventory."""
        return not (self.grants or self.requirements or self.communities)

    def items(self) -> list[Item]:
        """Every item, in report order."""
        return [*self.grants, *self.requirements, *self.communities]

    def totals(self) -> dict[str, int]:
        """How many items of each change kind (every kind present, zeros included)."""
        found = Counter(i.change for i in self.items())
        return {c: found.get(c, 0) for c in CHANGES}

    def counts(self) -> list[tuple[str, str, str, RuleRef, int]]:
        """(change, tool, class, rule, count), in report order."""
        found: Counter[tuple[str, str, str, RuleRef]] = Counter(
            (i.change, i.community.tool, i.community.cls, i.rule) for i in self.items()
        )
        return sorted(
            ((c, t, k, r, n) for (c, t, k, r), n in found.items()),
            key=lambda row: (_ORDER[row[0]], row[3].id, row[1], row[2]),
        )

    def as_json(self) -> dict[str, Any]:
        """The JSON document (``impact.schema.json``)."""

        def rev(r: Revision) -> dict[str, Any]:
            return {
                "label": r.label,
                "commit": r.commit,
                "content_hash": r.content_hash,
                "policies": r.prefix,
            }

        return {
            "$schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "base": rev(self.base),
            "head": rev(self.head),
            "inventory": {
                "at": self.inventory_at.isoformat() if self.inventory_at else None,
                "grants": self.grants_evaluated,
                "communities": self.communities_evaluated,
            },
            "changed": not self.empty,
            "totals": self.totals(),
            "counts": [
                {"change": c, "tool": t, "class": k, "rule": r.as_json(), "count": n}
                for c, t, k, r, n in self.counts()
            ],
            "grants": [g.as_json() for g in self.grants],
            "requirements": [r.as_json() for r in self.requirements],
            "communities": [c.as_json() for c in self.communities],
            "warnings": self.warnings,
        }

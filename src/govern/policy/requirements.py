"""Requirements: what must be present in a community, declared by Casbin, counted here.

Casbin judges one request at a time, so it cannot count owners. It can say *which*
requirement applies to a community and with which parameter: ``p2`` lines, decided through the
same priority effect, so a narrow exemption (``deny``) beats a broad requirement. This module
asks which apply (:func:`applicable`) and checks each against what the grants show
(:func:`check`). The planner uses the same two functions to choose what to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from govern.model import Community, Finding, Visibility
from govern.policy.attributes import Resource
from govern.policy.engine import Engine, RuleDecision
from govern.policy.policyset import Rule

EVIDENCE_LIMIT = 20
"""How many principal ids a finding lists as evidence (the count is always exact)."""


@dataclass(frozen=True)
class Requirement:
    """One requirement that applies to one community, with its parameter and rule."""

    kind: str
    param: str
    rule: Rule

    @property
    def count(self) -> int:
        """The parameter as a number (min_owners, max_inactive_days)."""
        return int(self.param)


@dataclass
class Facts:
    """What the grants of one community show, gathered in one pass over all grants."""

    owners: set[str] = field(default_factory=set)
    """Enabled owners present in the directory (a disabled or unknown owner owns nothing)."""
    guests: set[str] = field(default_factory=set)
    members: int = 0


def requirement_kinds(engine: Engine) -> list[str]:
    """Every requirement kind some policy line names."""
    return engine.policies.requirement_kinds()


def applicable(engine: Engine, resource: Resource) -> list[Requirement]:
    """The requirements that apply to a community (one per kind: the deciding line's)."""
    if "m2" not in engine.policies.matchers:
        return []
    kinds = engine.policies.requirement_kinds()
    return _requirements(engine, kinds, engine.requirement_decisions(resource, kinds))


def _requirements(
    engine: Engine, kinds: list[str], decisions: list[RuleDecision]
) -> list[Requirement]:
    out = []
    for kind, decision in zip(kinds, decisions, strict=True):
        rule = engine.rule(decision)
        if decision.allowed and rule is not None:
            out.append(Requirement(kind, rule.fields.get("param", "-"), rule))
    return out


class Applicable:
    """:func:`applicable` for every community of an inventory, once per distinct ``m2`` key.

    Communities sharing what ``m2`` reads share one list: callers must not change it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.kinds = engine.policies.requirement_kinds() if "m2" in engine.policies.matchers else []
        self._by_key: dict[int, list[Requirement]] = {}

    def __call__(self, resource: Resource) -> list[Requirement]:
        """The requirements that apply to ``resource``."""
        if not self.kinds:
            return []
        # The engine hands back one cached list per distinct key: its identity names the key,
        # and the engine keeps it alive, so the id is never reused.
        decisions = self.engine.requirement_decisions(resource, self.kinds)
        found = self._by_key.get(id(decisions))
        if found is None:
            found = self._by_key[id(decisions)] = _requirements(self.engine, self.kinds, decisions)
        return found


def check(
    req: Requirement,
    community: Community,
    resource: Resource,
    facts: Facts,
    pools: dict[str, frozenset[str]],
    now: datetime,
) -> Finding | None:
    """A finding if the community does not meet the requirement, else None."""
    problem = _problem(req, community, resource, facts, pools, now)
    if problem is None:
        return None
    message, evidence = problem
    if req.rule.description:
        message = f"{message}. {req.rule.description}"
    evidence.update(
        {"class": resource.cls, "lifecycle": resource.lifecycle, "path": community.path}
    )
    return Finding(
        rule_id=req.rule.id,
        severity=req.rule.severity,
        community_id=community.id,
        message=message,
        evidence=evidence,
        source=req.rule.source,
    )


def _problem(
    req: Requirement,
    community: Community,
    resource: Resource,
    facts: Facts,
    pools: dict[str, frozenset[str]],
    now: datetime,
) -> tuple[str, dict[str, object]] | None:
    owners = sorted(facts.owners)
    name = f"'{community.name}'"
    if req.kind == "min_owners":
        if len(owners) >= req.count:
            return None
        what = "has no owner" if not owners else f"has {len(owners)} owner(s), needs {req.count}"
        return f"{name} {what}", {"owners": owners, "needed": req.count}
    if req.kind == "steward_owner":
        pool = pools.get(req.param, frozenset())
        if pool & facts.owners:
            return None
        return (
            f"{name} has no owner from the steward pool '{req.param}'",
            {"owners": owners, "pool": req.param, "pool_size": len(pool)},
        )
    if req.kind == "no_guests":
        if not facts.guests:
            return None
        guests = sorted(facts.guests)
        return (
            f"{name} has {len(guests)} guest(s) in a {resource.cls} community",
            {"guests": guests[:EVIDENCE_LIMIT], "guest_count": len(guests)},
        )
    if req.kind == "label_required":
        if community.sensitivity_label:
            return None
        return f"{name} is {resource.cls} but carries no sensitivity label", {"label": None}
    if req.kind == "no_public":
        if community.visibility not in (Visibility.PUBLIC, Visibility.ORG):
            return None
        return (
            f"{name} is {resource.cls} but open to the whole organisation",
            {"visibility": community.visibility.value},
        )
    if req.kind == "no_anonymous":
        if not resource.anonymous:
            return None
        return f"{name} can be opened with anonymous links", {"anonymous_access": True}
    if req.kind == "max_inactive_days":
        last = community.last_activity_at
        if last is None:
            return None  # no evidence either way: a tool that reports no activity is not proof
        days = (now - last).days
        if days <= req.count:
            return None
        return (
            f"{name} has been inactive for {days} days (limit {req.count})",
            {"last_activity_at": last.isoformat(), "inactive_days": days, "limit": req.count},
        )
    return None

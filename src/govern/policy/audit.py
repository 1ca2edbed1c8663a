"""The audit: every finding for an inventory under a policy set.

One pass over the grants decides each through the fast path and gathers what the requirement
checks count (owners, guests); then each community's applicable requirements are checked.
Grants are streamed: memory grows with principals and communities, not with grants.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from govern.model import Finding, Grant, Role, Severity
from govern.policy.attributes import Resource, Subject, Subjects
from govern.policy.classify import Classifier
from govern.policy.engine import Engine, RuleDecision
from govern.policy.groups import resolve
from govern.policy.inventory import Inventory
from govern.policy.policyset import PolicySet
from govern.policy.requirements import Applicable, Facts, check

NO_RULE = "NO-RULE"
"""The rule id of a denial no policy line made (the effect's default)."""

SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


@dataclass
class AuditResult:
    """Findings, with what was evaluated and what could not be resolved."""

    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    grants: int = 0
    communities: int = 0
    casbin_calls: int = 0


def audit(
    policies: PolicySet,
    inventory: Inventory,
    *,
    community: Callable[[Resource], bool] | None = None,
) -> AuditResult:
    """Evaluate every grant and every community's requirements; ``community`` filters."""
    result = AuditResult()
    classifier = Classifier(policies)
    groups = resolve(policies, inventory)
    result.warnings += groups.warnings
    engine = Engine(policies, groups.links())
    resources = {}
    for cid, c in inventory.communities.items():
        res = classifier.resource(c)
        if community is None or community(res):
            resources[cid] = res
    subject = Subjects(inventory.principals).__getitem__
    facts: dict[str, Facts] = {cid: Facts() for cid in resources}
    pending: deque[Grant] = deque()

    def triples() -> Iterator[tuple[str, str, str]]:
        for g in inventory.grants():
            if g.community_id in resources:
                pending.append(g)
                yield g.community_id, g.principal_id, g.role.value

    for decision in engine.decide_grants(triples(), subject, resources.__getitem__):
        grant = pending.popleft()
        result.grants += 1
        sub = subject(grant.principal_id)
        _count(facts[grant.community_id], grant, sub)
        if not decision.allowed:
            result.findings.append(_grant_finding(engine, decision, grant, sub, resources))
    pools = groups.members
    applicable = Applicable(engine)
    for cid, res in resources.items():
        result.communities += 1
        for req in applicable(res):
            found = check(req, inventory.communities[cid], res, facts[cid], pools, inventory.now)
            if found is not None:
                result.findings.append(found)
    result.casbin_calls = engine.distinct_requests
    result.findings.sort(key=_order(resources))
    return result


def _count(facts: Facts, grant: Grant, sub: Subject) -> None:
    if grant.role is Role.OWNER and sub.enabled and sub.kind not in ("unknown", "group"):
        facts.owners.add(grant.principal_id)
    if sub.kind == "guest" or grant.role is Role.GUEST:
        facts.guests.add(grant.principal_id)
    facts.members += 1


def _grant_finding(
    engine: Engine,
    decision: RuleDecision,
    grant: Grant,
    sub: Subject,
    resources: dict[str, Resource],
) -> Finding:
    res = resources[grant.community_id]
    rule = engine.rule(decision)
    who = sub.email or grant.principal_id
    message = (
        f"{sub.kind} {who} holds {grant.role.value} in {res.cls} community '{res.name}'"
        f"{': ' + rule.description if rule and rule.description else ''}"
    )
    if rule is None:
        message += ": no rule allows it (the effect denies by default)"
    return Finding(
        rule_id=decision.rule_id or NO_RULE,
        severity=rule.severity if rule else Severity.MEDIUM,
        community_id=grant.community_id,
        principal_id=grant.principal_id,
        message=message,
        evidence={
            "role": grant.role.value,
            "principal_kind": sub.kind,
            "principal_email": sub.email or None,
            "class": res.cls,
            "lifecycle": res.lifecycle,
            "path": res.path,
            "granted_by_tool_as": grant.source,
        },
        source=rule.source if rule else None,
    )


def _order(resources: dict[str, Resource]) -> Callable[[Finding], tuple[int, str, str, str]]:
    def key(f: Finding) -> tuple[int, str, str, str]:
        res = resources.get(f.community_id)
        return (
            SEVERITY_ORDER[f.severity],
            f.rule_id,
            res.path if res else "",
            f.principal_id or "",
        )

    return key


def at_least(severity: Severity) -> Callable[[Finding], bool]:
    """A filter keeping findings of ``severity`` or worse."""
    limit = SEVERITY_ORDER[severity]
    return lambda f: SEVERITY_ORDER[f.severity] <= limit

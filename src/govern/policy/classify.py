"""Classification and lifecycle: what class a community is, and where it stands with IT.

Class: an explicit list entry (by id or path) wins; else the first rule of
``classification.yaml`` whose every condition matches; else the default class. Rules are
ordered on purpose: authors put the strongest evidence (a sensitivity label) before weaker
evidence (a name pattern), and the first match is the easiest to explain in a finding.

Lifecycle: a decision in ``lifecycle.yaml`` naming the community's id wins; else the first
decision whose path glob matches; else ``archived`` when the tool reports it archived; else
``unmanaged``. Connectors know nothing of policies, so the store's own lifecycle field is not
consulted: adopting a community is a reviewed change in git.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from govern.model import Community, Lifecycle, PolicySource
from govern.policy.attributes import Resource
from govern.policy.patterns import glob_match, name_matcher
from govern.policy.policyset import ClassRule, LifecycleDecision, PolicySet
from govern.policy.regex import compile_policy_regex

EXPLICIT = "explicit"
DEFAULT = "default"


@dataclass(frozen=True)
class Classified:
    """A community's class and lifecycle, with what decided each."""

    klass: str
    by: str
    """The classification rule id, ``explicit`` or ``default``."""
    lifecycle: str
    lifecycle_source: PolicySource | None


def _condition(key: str, values: tuple[str, ...]) -> Callable[[Community], bool]:
    if key == "label":
        labels = {v.lower() for v in values}
        return lambda c: (c.sensitivity_label or "").lower() in labels
    if key == "name":
        rx = name_matcher(list(values))
        return lambda c: rx.match(c.name.lower()) is not None
    if key == "name_regex":
        # RE2, not re: a pattern from a pull request must not be able to hang the audit.
        rxs = [compile_policy_regex(v, ignore_case=True) for v in values]
        return lambda c: any(r.search(c.name) for r in rxs)
    if key == "path":
        return lambda c: any(glob_match(c.path, p) for p in values)
    if key == "connector":
        return lambda c: c.connector in values
    if key == "kind":
        return lambda c: c.kind in values
    if key == "visibility":
        return lambda c: c.visibility.value in values
    if key == "origin":
        return lambda c: c.origin.value in values
    raise ValueError(f"unknown classification condition {key!r}")


def _every(tests: list[Callable[[Community], bool]]) -> Callable[[Community], bool]:
    """One test for a rule: every condition holds (most rules have one condition)."""
    if len(tests) == 1:
        return tests[0]
    return lambda c: all(t(c) for t in tests)


class Classifier:
    """Classifies communities and gives them their lifecycle, per a policy set."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self._rules: list[tuple[ClassRule, Callable[[Community], bool]]] = [
            (rule, _every([_condition(k, v) for k, v in rule.conditions.items()]))
            for rule in policies.class_rules
        ]
        self._by_id: dict[str, LifecycleDecision] = {}
        self._by_path: list[LifecycleDecision] = []
        for d in policies.decisions:
            if d.community_id is not None:
                self._by_id.setdefault(d.community_id, d)
            elif d.path is not None:
                self._by_path.append(d)

    def classify(self, community: Community) -> tuple[str, str]:
        """The class of a community and what decided it."""
        for ref in (community.id, community.path):
            hit = self.policies.explicit.get(ref)
            if hit is not None:
                return hit[0], EXPLICIT
        for rule, test in self._rules:
            if test(community):
                return rule.klass, rule.id
        return self.policies.default_class, DEFAULT

    def lifecycle(self, community: Community) -> tuple[str, LifecycleDecision | None]:
        """The lifecycle state of a community and the decision behind it, if any."""
        decision = self._by_id.get(community.id)
        if decision is None:
            decision = next(
                (d for d in self._by_path if glob_match(community.path, d.path or "")), None
            )
        if decision is not None:
            return decision.state, decision
        if community.archived:
            return Lifecycle.ARCHIVED.value, None
        return Lifecycle.UNMANAGED.value, None

    def classified(self, community: Community) -> Classified:
        """Class and lifecycle together."""
        klass, by = self.classify(community)
        state, decision = self.lifecycle(community)
        return Classified(klass, by, state, decision.source if decision else None)

    def resource(self, community: Community) -> Resource:
        """The request object Casbin sees for a community."""
        # Once per community, hundreds of thousands of times: no Classified in between.
        klass, _ = self.classify(community)
        state, _ = self.lifecycle(community)
        return Resource.of(community, klass, state)

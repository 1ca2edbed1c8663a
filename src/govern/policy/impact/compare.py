"""Evaluating two policy revisions against one inventory and keeping what differs.

Each revision gets what it would get in an audit: its own classifier, its own named groups
resolved from the inventory, its own Casbin engine (so a change to ``model.conf`` is evaluated
like any other change). Then:

* communities: class, lifecycle state and applicable requirements under both;
* grants: one streamed pass that hands every grant to both engines' fast paths and keeps only
  the grants whose decision flips. The pass is built from ``tee``/``map``/``compress`` so the
  per-grant work runs in C; Python runs only for a flipped grant or a grant of a community
  whose requirements changed (its owners and guests decide whether the requirement fails).

Only effects count: a rule renamed or moved, a line reformatted, rules reordered without
changing which one wins, all leave every decision and requirement as it was, so the impact is
empty. What decides is compared, not the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress, count, tee
from operator import attrgetter, itemgetter

from govern.errors import PolicyError
from govern.model import Community, PolicySource
from govern.policy.attributes import Resource, Subject, Subjects
from govern.policy.audit import NO_RULE
from govern.policy.classify import DEFAULT, EXPLICIT, Classified, Classifier
from govern.policy.engine import Engine, RuleDecision
from govern.policy.groups import ResolvedGroups, resolve
from govern.policy.impact.joint import decide_both
from govern.policy.impact.result import (
    CLASS_CHANGED,
    GRANT_ALLOWED,
    GRANT_REMOVED,
    LIFECYCLE_CHANGED,
    REQ_ADDED,
    REQ_CHANGED,
    REQ_REMOVED,
    CommunityChange,
    CommunityRef,
    GrantChange,
    Impact,
    RequirementChange,
    RuleRef,
)
from govern.policy.impact.revisions import Loaded
from govern.policy.inventory import Inventory
from govern.policy.policyset import PolicySet
from govern.policy.requirements import Applicable, Facts, Requirement, check

Triples = Callable[[], Iterable[tuple[str, str, str]]]
"""A source of ``(community_id, principal_id, role)`` grants, called once."""

_SELECTED = attrgetter("selected")
_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)
_FACT_ROLES = frozenset({"owner", "guest"})
"""The roles requirement checks count (owners; guests by role or by principal kind)."""


class _Side:
    """One revision being evaluated: its classifier, groups, engine and resources."""

    def __init__(self, loaded: Loaded, inventory: Inventory) -> None:
        self.loaded = loaded
        self.policies = loaded.policies
        self.classifier = Classifier(self.policies)
        self.groups: ResolvedGroups = resolve(self.policies, inventory)
        try:
            self.engine = Engine(self.policies, self.groups.links())
        except PolicyError as exc:
            # Name the file as the repository knows it, and which revision is broken.
            raise PolicyError(f"{loaded.display(str(exc))} (at {loaded.revision.label})") from None
        self.classified: dict[str, Classified] = {}
        self.resources: dict[str, Resource] = {}
        self._refs: dict[str, RuleRef] = {}
        self.requirements = Applicable(self.engine)
        """Resource -> the requirements that apply (one cached list per distinct m2 key)."""

    def add(self, community: Community, like: _Side | None = None) -> Resource:
        """Classify one community and keep its resource.

        ``like``: a side known to classify exactly as this one does; its class is reused, and
        its resource too when the lifecycle state agrees (the costly parts of a community are
        the name patterns and the fast-path projection of a new resource).
        """
        if like is None:
            c = self.classifier.classified(community)
        else:
            same = like.classified[community.id]
            state, decision = self.classifier.lifecycle(community)
            if state == same.lifecycle:
                self.classified[community.id] = same
                res = self.resources[community.id] = like.resources[community.id]
                return res
            c = Classified(same.klass, same.by, state, decision.source if decision else None)
        self.classified[community.id] = c
        res = self.resources[community.id] = Resource.of(community, c.klass, c.lifecycle)
        return res

    def ref(self, rule_id: str | None) -> RuleRef:
        """A rule of this revision with its repository-relative location."""
        key = rule_id or NO_RULE
        found = self._refs.get(key)
        if found is None:
            found = self._refs[key] = RuleRef(key, self.at(self.policies.source(key)))
        return found

    def at(self, source: PolicySource | None) -> str | None:
        """``policies/policy.csv:14`` for a source of this revision."""
        if source is None:
            return None
        return f"{self.loaded.revision.where(source.file)}:{source.line}"

    def class_ref(self, community: Community) -> RuleRef | None:
        """What classifies a community (None: the default class)."""
        c = self.classified[community.id]
        if c.by == DEFAULT:
            return None
        if c.by == EXPLICIT:
            hit = self.policies.explicit.get(community.id) or self.policies.explicit.get(
                community.path
            )
            return RuleRef(EXPLICIT, self.at(hit[1] if hit else None))
        return self.ref(c.by)

    def lifecycle_ref(self, community: Community) -> RuleRef | None:
        """The lifecycle decision behind a community's state (None: no decision)."""
        _, decision = self.classifier.lifecycle(community)
        if decision is None:
            return None
        name = decision.ticket or f"lifecycle:{decision.state}"
        return RuleRef(name, self.at(decision.source))


class _Resources(dict[str, Resource]):
    """Community id -> resource; a grant to a community the inventory lacks gets a stand-in."""

    def __init__(self, known: dict[str, Resource], default_class: str) -> None:
        super().__init__(known)
        self.default_class = default_class

    def __missing__(self, cid: str) -> Resource:
        found = self[cid] = Resource(
            id=cid,
            path="",
            kind="",
            name=cid,
            cls=self.default_class,
            lifecycle="unmanaged",
            visibility="",
            label="",
            origin="",
            connector=cid.partition(":")[0],
        )
        return found


def compare(
    base: Loaded,
    head: Loaded,
    inventory: Inventory,
    *,
    grants: Triples | None = None,
) -> Impact:
    """The impact of replacing ``base`` by ``head`` on ``inventory``.

    ``grants`` streams the grants as id triples (e.g. straight from the store's cursor); by
    default they come from ``inventory.grants()``.
    """
    out = Impact(base.revision, head.revision, inventory_at=inventory.at)
    b, h = _Side(base, inventory), _Side(head, inventory)
    for warning in [*map(base.display, b.groups.warnings), *map(head.display, h.groups.warnings)]:
        if warning not in out.warnings:
            out.warnings.append(warning)
    refs, pending = _communities(b, h, inventory, out)
    facts: dict[str, Facts] = {cid: Facts() for cid in pending}
    source = grants or (
        lambda: ((g.community_id, g.principal_id, g.role.value) for g in inventory.grants())
    )
    _grant_pass(b, h, inventory, source(), refs, facts, out)
    for cid, changes in pending.items():
        community = inventory.communities[cid]
        for kind, old, new in changes:
            side, req = (h, new) if new is not None else (b, old)
            assert req is not None
            problem = check(
                req, community, side.resources[cid], facts[cid], side.groups.members, inventory.now
            )
            change = REQ_ADDED if old is None else REQ_REMOVED if new is None else REQ_CHANGED
            out.requirements.append(
                RequirementChange(
                    change=change,
                    community=refs[cid],
                    kind=kind,
                    before=(b.ref(old.rule.id), old.param) if old else None,
                    after=(h.ref(new.rule.id), new.param) if new else None,
                    failing=problem is not None,
                )
            )
    out.sort()
    return out


Pending = dict[str, list[tuple[str, Requirement | None, Requirement | None]]]
"""Community id -> (kind, base requirement, head requirement) of each changed requirement."""


def _communities(
    b: _Side, h: _Side, inventory: Inventory, out: Impact
) -> tuple[dict[str, CommunityRef], Pending]:
    """Class, lifecycle and requirements of every community under both revisions."""
    refs: dict[str, CommunityRef] = {}
    pending: Pending = {}
    same_classes = _class_semantics(b.policies) == _class_semantics(h.policies)
    changes: dict[tuple[int, int], list[tuple[str, Requirement | None, Requirement | None]]] = {}
    for cid, community in inventory.communities.items():
        rb = b.add(community)
        rh = h.add(community, b if same_classes else None)
        ref = refs[cid] = CommunityRef(cid, community.path, community.connector, rh.cls)
        if rb.cls != rh.cls or rb.lifecycle != rh.lifecycle:
            out.communities.extend(_community_changes(community, ref, b, h))
        old, new = b.requirements(rb), h.requirements(rh)
        key = (id(old), id(new))  # both lists live in their side's cache: ids are stable
        found = changes.get(key)
        if found is None:
            found = changes[key] = _requirement_changes(old, new)
        if found:
            pending[cid] = found
    out.communities_evaluated = len(inventory.communities)
    return refs, pending


def _class_semantics(policies: PolicySet) -> tuple[object, ...]:
    """What decides classes, without where it is written."""
    return (
        policies.default_class,
        [(r.id, r.klass, r.conditions) for r in policies.class_rules],
        {ref: cls for ref, (cls, _) in policies.explicit.items()},
    )


def _grant_pass(
    b: _Side,
    h: _Side,
    inventory: Inventory,
    source: Iterable[tuple[str, str, str]],
    refs: dict[str, CommunityRef],
    facts: dict[str, Facts],
    out: Impact,
) -> None:
    """Decide every grant under both revisions; keep flips and count requirement facts.

    Everything up to the loop is C iteration over ``tee`` copies of the stream
    (:func:`~govern.policy.impact.joint.decide_both`); a grant reaches Python only when its
    decision flips, or when it is an owner or guest grant of a community whose requirements
    changed (the owners and guests decide if one fails).
    """
    subject = Subjects(inventory.principals).__getitem__
    counter = count()
    stream = map(_FIRST, zip(source, counter, strict=False))
    data, cids, pids, roles = tee(stream, 4)
    res_b = _Resources(b.resources, b.policies.default_class)
    res_h = _Resources(h.resources, h.policies.default_class)
    guests = {pid for pid, p in inventory.principals.items() if p.kind.value == "guest"}
    # Marked: the owner and guest grants of communities whose requirements changed.
    outcomes, selection = tee(
        decide_both(
            b.engine,
            h.engine,
            map(_FIRST, cids),
            map(_SECOND, pids),
            map(_THIRD, roles),
            subject,
            res_b.__getitem__,
            res_h.__getitem__,
            mark_community=facts.__contains__,
            mark_principal=guests.__contains__,
            mark_roles=_FACT_ROLES,
        )
    )
    for (cid, pid, role), outcome in compress(
        zip(data, outcomes, strict=False), map(_SELECTED, selection)
    ):
        if outcome.flipped:
            ref = refs.get(cid) or CommunityRef(cid, cid, cid.partition(":")[0], res_h[cid].cls)
            out.grants.append(
                _grant_change(ref, subject(pid), role, outcome.before, outcome.after, b, h)
            )
        if outcome.marked:
            _count(facts[cid], subject(pid), role)
    out.grants_evaluated = next(counter)


def _requirement_changes(
    before: list[Requirement], after: list[Requirement]
) -> list[tuple[str, Requirement | None, Requirement | None]]:
    """(kind, base requirement, head requirement) for each kind whose effect differs."""
    old = {r.kind: r for r in before}
    new = {r.kind: r for r in after}
    out = []
    for kind in sorted(old.keys() | new.keys()):
        a, z = old.get(kind), new.get(kind)
        # A rule renamed or moved is no change; a parameter (2 owners instead of 1) is.
        if a is None or z is None or a.param != z.param:
            out.append((kind, a, z))
    return out


def _community_changes(
    community: Community, ref: CommunityRef, b: _Side, h: _Side
) -> list[CommunityChange]:
    cb, ch = b.classified[community.id], h.classified[community.id]
    out = []
    if cb.klass != ch.klass:
        rule = h.class_ref(community) or b.class_ref(community) or RuleRef(DEFAULT)
        out.append(CommunityChange(CLASS_CHANGED, ref, cb.klass, ch.klass, rule))
    if cb.lifecycle != ch.lifecycle:
        rule = h.lifecycle_ref(community) or b.lifecycle_ref(community) or RuleRef(DEFAULT)
        out.append(CommunityChange(LIFECYCLE_CHANGED, ref, cb.lifecycle, ch.lifecycle, rule))
    return out


def _grant_change(
    ref: CommunityRef,
    sub: Subject,
    role: str,
    before: RuleDecision,
    after: RuleDecision,
    b: _Side,
    h: _Side,
) -> GrantChange:
    return GrantChange(
        change=GRANT_ALLOWED if after.allowed else GRANT_REMOVED,
        community=ref,
        principal_id=sub.id,
        principal=sub.email or sub.id,
        principal_kind=sub.kind,
        role=role,
        before=b.ref(before.rule_id),
        after=h.ref(after.rule_id),
    )


def _count(facts: Facts, sub: Subject, role: str) -> None:
    # As the audit counts: a disabled, unknown or group owner owns nothing. Only owner and
    # guest grants reach here, so ``members`` (which no check reads) is left alone.
    if role == "owner" and sub.enabled and sub.kind not in ("unknown", "group"):
        facts.owners.add(sub.id)
    if sub.kind == "guest" or role == "guest":
        facts.guests.add(sub.id)

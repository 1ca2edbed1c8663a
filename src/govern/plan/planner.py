"""From the inventory and the policies to changes: what to remove, add, change and archive.

Casbin decides single grants; counting and choosing live here (DESIGN.md, "Policies as code"):

* every grant Casbin denies is removed, except that an owner who may still be a member keeps
  membership (a role change instead of losing access);
* for each requirement that applies to a community (``m2`` section): a missing IT steward among
  the owners or too few owners is met by adding an owner from the named group or the steward
  pools, choosing the least-loaded person (fewest communities owned, then id: deterministic and
  balanced), and only someone the policy allows to own that community; guests are removed where
  none are allowed; a public community that must not be is made private; a required label is
  set when the requirement names it;
* a lifecycle decision ``archived`` archives a community the tool has not archived.

What cannot be planned (no eligible steward, a label not named, an action the connector cannot
make) is returned as a :class:`NeedsPerson` item for the people reviewing the plan, never silently
dropped. So is the removal of a community's last owner when no other owner can be added: apply
would keep that owner back every time, so planning it would make every scheduled sync fail on
the same change; instead the item says what would unblock it, and the plan stays convergent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from govern.model import Change, ChangeAction, Community, PrincipalKind, Role, Visibility
from govern.plan.changes import make_change
from govern.plan.needs import NeedsPerson
from govern.plan.order import ordered, owner_delta
from govern.policy.attributes import Resource, Subject, Subjects
from govern.policy.audit import NO_RULE
from govern.policy.classify import Classifier
from govern.policy.engine import Engine
from govern.policy.groups import resolve
from govern.policy.inventory import Inventory
from govern.policy.policyset import PolicySet, Rule
from govern.policy.requirements import Requirement, applicable

_OPEN = {Visibility.PUBLIC, Visibility.ORG}


@dataclass
class PlannerResult:
    """The changes a plan should make, and what the reviewers should know it leaves undone."""

    changes: list[Change] = field(default_factory=list)
    notes: list[NeedsPerson] = field(default_factory=list)


@dataclass
class _Community:
    """What the planner tracks of one community while it plans."""

    community: Community
    resource: Resource
    owners: set[str] = field(default_factory=set)
    removed_owners: set[str] = field(default_factory=set)
    added_owners: list[str] = field(default_factory=list)
    guests: list[tuple[str, Role]] = field(default_factory=list)

    def owners_after(self) -> set[str]:
        return (self.owners - self.removed_owners) | set(self.added_owners)


class Planner:
    """Plans changes for one inventory under one policy set."""

    def __init__(
        self,
        policies: PolicySet,
        inventory: Inventory,
        *,
        supported: Mapping[str, frozenset[ChangeAction]] | None = None,
    ) -> None:
        self.policies = policies
        self.inventory = inventory
        self.supported = supported
        self.classifier = Classifier(policies)
        self.groups = resolve(policies, inventory)
        self.engine = Engine(policies, self.groups.links())
        self._subjects = Subjects(inventory.principals)
        self._load: dict[str, int] = defaultdict(int)
        self._result = PlannerResult()
        self._seen: set[str] = set()
        # Changes per community, and those withdrawn again: indexes, so that keeping a last
        # owner stays cheap on inventories with many communities.
        self._by_community: dict[str, list[Change]] = defaultdict(list)
        self._withdrawn: set[str] = set()

    # --- request objects -------------------------------------------------------------------
    def subject(self, principal_id: str) -> Subject:
        """The Casbin subject of a principal id (``unknown`` when not in the inventory)."""
        return self._subjects[principal_id]

    # --- output ----------------------------------------------------------------------------
    def _add(self, change: Change) -> bool:
        connector = change.community_id.split(":", 1)[0]
        if self.supported is not None and change.action not in self.supported.get(
            connector, frozenset()
        ):
            self._result.notes.append(
                NeedsPerson(
                    change.community_id,
                    change.rule_id,
                    f"not planned: the {connector} connector cannot {change.action.value}",
                    "make the change in the tool by hand",
                    change.principal_id,
                )
            )
            return False
        if change.id in self._seen:  # two rules asking for the same change make one change
            return True
        self._seen.add(change.id)
        self._withdrawn.discard(change.id)
        self._result.changes.append(change)
        self._by_community[change.community_id].append(change)
        return True

    def _note(self, community_id: str, rule_id: str, problem: str, unblock: str) -> None:
        self._result.notes.append(NeedsPerson(community_id, rule_id, problem, unblock))

    def _reason(self, rule: Rule | None, default: str) -> str:
        return (rule.description if rule and rule.description else default).rstrip(".")

    # --- planning --------------------------------------------------------------------------
    def plan(self) -> PlannerResult:
        """Plan every community of the inventory."""
        tracked = {
            cid: _Community(c, self.classifier.resource(c))
            for cid, c in sorted(self.inventory.communities.items())
        }
        denied = self._decide_grants(tracked)
        for cid, pid, role, rule_id in denied:
            self._remove_denied(tracked[cid], pid, role, rule_id)
        for state in tracked.values():
            self._requirements(state)
            self._lifecycle(state)
        if self._withdrawn:
            kept = [c for c in self._result.changes if c.id not in self._withdrawn]
            self._result.changes = kept
        self._result.changes.sort(key=lambda c: (c.community_id, c.action.value, c.id))
        return self._result

    def _decide_grants(self, tracked: dict[str, _Community]) -> list[tuple[str, str, Role, str]]:
        triples: list[tuple[str, str, str]] = []
        denied: list[tuple[str, str, Role, str]] = []
        for g in self.inventory.grants():
            state = tracked.get(g.community_id)
            if state is None:
                continue
            sub = self.subject(g.principal_id)
            # Owners counted as the audit counts them: a disabled, unknown or group owner owns
            # nothing, so it neither meets a requirement nor keeps a community owned.
            if g.role is Role.OWNER and sub.enabled and sub.kind not in ("unknown", "group"):
                state.owners.add(g.principal_id)
                self._load[g.principal_id] += 1
            if sub.kind == PrincipalKind.GUEST.value or g.role is Role.GUEST:
                state.guests.append((g.principal_id, g.role))
            triples.append((g.community_id, g.principal_id, g.role.value))
        decisions = self.engine.decide_grants(
            triples, self.subject, lambda cid: tracked[cid].resource
        )
        for (cid, pid, role), decision in zip(triples, decisions, strict=True):
            if not decision.allowed:
                denied.append((cid, pid, Role(role), decision.rule_id or NO_RULE))
        return denied

    def _remove_denied(self, state: _Community, pid: str, role: Role, rule_id: str) -> None:
        cid = state.community.id
        rule = self.policies.rules.get(rule_id)
        reason = self._reason(rule, f"denied by policy: {role.value} not allowed")
        if role is Role.OWNER and self._demote(state, pid, rule_id, reason):
            state.removed_owners.add(pid)
            return
        change = make_change(
            ChangeAction.REMOVE_GRANT,
            cid,
            principal_id=pid,
            role=role,
            rule_id=rule_id,
            reason=reason,
        )
        if self._add(change) and role is Role.OWNER:
            state.removed_owners.add(pid)

    def _demote(self, state: _Community, pid: str, rule_id: str, reason: str) -> bool:
        """An owner who may not own but may be a member keeps membership; True if planned."""
        cid = state.community.id
        others = {g.role for g in self.inventory.community_grants(cid) if g.principal_id == pid}
        if others - {Role.OWNER}:
            return False  # already holds another role: removing ownership is enough
        if not self.engine.decide(self.subject(pid), state.resource, Role.MEMBER.value).allowed:
            return False
        why = f"{reason}; kept as member"
        connector = cid.split(":", 1)[0]
        actions = self.supported.get(connector, frozenset()) if self.supported else None
        if actions is None or ChangeAction.CHANGE_ROLE in actions:
            return self._add(
                make_change(
                    ChangeAction.CHANGE_ROLE,
                    cid,
                    principal_id=pid,
                    role=Role.MEMBER,
                    from_role=Role.OWNER,
                    rule_id=rule_id,
                    reason=why,
                )
            )
        add = make_change(
            ChangeAction.ADD_GRANT,
            cid,
            principal_id=pid,
            role=Role.MEMBER,
            rule_id=rule_id,
            reason=why,
        )
        remove = make_change(
            ChangeAction.REMOVE_GRANT,
            cid,
            principal_id=pid,
            role=Role.OWNER,
            rule_id=rule_id,
            reason=why,
        )
        return self._add(add) and self._add(remove)

    def _requirements(self, state: _Community) -> None:
        rules: dict[str, Requirement] = {r.kind: r for r in applicable(self.engine, state.resource)}
        archived = state.community.archived or state.resource.lifecycle == "archived"
        # The steward first: it also counts towards the number of owners.
        if "steward_owner" in rules and not archived:
            self._steward(state, rules["steward_owner"])
        if "min_owners" in rules and not archived:
            self._min_owners(state, rules["min_owners"])
        if "no_guests" in rules:
            self._no_guests(state, rules["no_guests"])
        if "no_public" in rules and state.community.visibility in _OPEN:
            self._add(
                make_change(
                    ChangeAction.SET_VISIBILITY,
                    state.community.id,
                    value=Visibility.PRIVATE.value,
                    rule_id=rules["no_public"].rule.id,
                    reason=self._reason(rules["no_public"].rule, "must not be open to everyone"),
                )
            )
        if "label_required" in rules and not state.community.sensitivity_label:
            self._label(state, rules["label_required"])
        if state.owners and not state.owners_after():
            self._keep_last_owner(state)

    def _keep_last_owner(self, state: _Community) -> None:
        """Withdraw the removal apply would keep back, and say who can unblock it."""
        cid = state.community.id
        planned = self._by_community[cid]
        losing = [c for c in planned if owner_delta(c)[1] in state.owners]
        if not losing:
            return
        # Apply removes owners in this order and keeps the last one; plan exactly that.
        kept = ordered(losing)[-1]
        pid = kept.principal_id or ""
        withdrawn = [
            c
            for c in planned
            if c.principal_id == pid
            and c.rule_id == kept.rule_id
            and (c is kept or (c.action is ChangeAction.ADD_GRANT and c.role is Role.MEMBER))
        ]
        for c in withdrawn:
            planned.remove(c)
            self._withdrawn.add(c.id)
            self._seen.discard(c.id)
        state.removed_owners.discard(pid)
        self._result.notes.append(
            NeedsPerson(
                cid,
                kept.rule_id,
                "the last owner is to be removed and no eligible owner could be added",
                "add an owner the policies allow (e.g. a member of the steward pool); the next "
                "plan then removes this one",
                pid,
            )
        )

    def _candidates(self, state: _Community, groups: Iterable[str]) -> list[str]:
        """People in ``groups`` who may own this community and do not yet, least loaded first."""
        connector = state.community.connector
        current = state.owners_after()
        found = set()
        for name in groups:
            for pid in self.groups.members.get(name, frozenset()):
                p = self.inventory.principals.get(pid)
                if (
                    p is None
                    or not p.enabled
                    or p.kind is not PrincipalKind.EMPLOYEE
                    or p.connector != connector
                    or pid in current
                ):
                    continue
                found.add(pid)
        eligible = [
            pid
            for pid in found
            if self.engine.decide(self.subject(pid), state.resource, Role.OWNER.value).allowed
        ]
        return sorted(eligible, key=lambda pid: (self._load[pid], pid))

    def _add_owner(self, state: _Community, pid: str, rule: Rule, reason: str) -> None:
        change = make_change(
            ChangeAction.ADD_GRANT,
            state.community.id,
            principal_id=pid,
            role=Role.OWNER,
            rule_id=rule.id,
            reason=reason,
        )
        if self._add(change):
            state.added_owners.append(pid)
            self._load[pid] += 1

    def _steward(self, state: _Community, req: Requirement) -> None:
        rule, group = req.rule, req.param
        members = self.groups.members.get(group, frozenset())
        if state.owners_after() & members:
            return
        found = self._candidates(state, [group])
        if not found:
            self._note(
                state.community.id,
                rule.id,
                f"an owner from '{group}' is required and no eligible member of it can be added",
                f"add to '{group}' a person the policies allow to own it, or make one an owner "
                f"by hand",
            )
            return
        reason = self._reason(rule, f"an owner from '{group}' is required")
        self._add_owner(state, found[0], rule, reason)

    def _min_owners(self, state: _Community, req: Requirement) -> None:
        rule = req.rule
        try:
            need = req.count
        except ValueError:  # validation rejects this; a plan must not fail on it regardless
            need = 1
        pools = sorted(self.policies.steward_pools())
        owners = "owner" if need == 1 else "owners"
        while len(state.owners_after()) < need:
            found = self._candidates(state, pools)
            if not found:
                have = len(state.owners_after())
                self._note(
                    state.community.id,
                    rule.id,
                    f"needs {need} {owners}, has {have}; no eligible steward to add",
                    "add an owner by hand, or add people to a steward pool (groups.yaml)",
                )
                return
            reason = self._reason(rule, f"at least {need} owners are required")
            self._add_owner(state, found[0], rule, reason)

    def _no_guests(self, state: _Community, req: Requirement) -> None:
        rule = req.rule
        for pid, role in state.guests:
            change = make_change(
                ChangeAction.REMOVE_GRANT,
                state.community.id,
                principal_id=pid,
                role=role,
                rule_id=rule.id,
                reason=self._reason(rule, "no guests allowed"),
            )
            if self._add(change) and role is Role.OWNER:
                state.removed_owners.add(pid)

    def _label(self, state: _Community, req: Requirement) -> None:
        rule, label = req.rule, req.param
        if label in ("", "-"):
            self._note(
                state.community.id,
                rule.id,
                "a sensitivity label is required but the rule names none",
                "label it in the tool or name the label in the rule's parameter",
            )
            return
        self._add(
            make_change(
                ChangeAction.SET_LABEL,
                state.community.id,
                value=label,
                rule_id=rule.id,
                reason=self._reason(rule, "a sensitivity label is required"),
            )
        )

    def _lifecycle(self, state: _Community) -> None:
        c = state.community
        klass = self.classifier.classified(c)
        if klass.lifecycle != "archived" or c.archived or klass.lifecycle_source is None:
            return
        src = klass.lifecycle_source
        _, decision = self.classifier.lifecycle(c)
        why = decision.reason if decision and decision.reason else "archived by lifecycle decision"
        self._add(
            make_change(
                ChangeAction.ARCHIVE,
                c.id,
                rule_id=f"lifecycle:{src.file}:{src.line}",
                reason=why,
            )
        )

"""Adopt, migrate, monitor or archive: the decision, the evidence for it, and what it implies.

The decision reads the components against the thresholds of the policies, in this order:

1. archive: no activity for ``inactive_days``;
2. migrate: valuable shadow IT on a platform IT does not sanction (external network, personal
   space used as a team space, unsanctioned app);
3. adopt: a grassroots community that went viral: reach, breadth across departments, organic
   spread (not one broadcast), and people actually active;
4. monitor: growing fast but still small or narrow, or viral-sized with a component not
   measurable yet;
5. nothing: everything else (including large communities filled by one broadcast).

Every recommendation comes with the concrete changes it implies as :class:`govern.model.Change`
objects, with deterministic ids so that re-running the report proposes the same changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from govern.model import Change, ChangeAction, Community, Lifecycle, Role
from govern.virality.finders import MIGRATE_CATEGORIES, Category, migration_target
from govern.virality.history import Facts
from govern.virality.metrics import Measured, Value
from govern.virality.people import People
from govern.virality.report import Decision, Migration, Recommendation
from govern.virality.stewards import Requirements, StewardPool
from govern.virality.thresholds import Thresholds

RULE_ADOPT = "VIRAL-ADOPT"
RULE_ARCHIVE = "VIRAL-ARCHIVE"
DECIDING = ("members", "growth_30d", "entropy", "organic_share", "active_ratio")
"""The components whose percentiles the decision's reasons quote."""
SCORED = ("members", "growth_30d", "entropy", "active_ratio", "organic_share")
"""The components whose mean percentile ranks communities (reach, growth, breadth, engagement,
organic spread): one per question, so no question counts twice."""


@dataclass
class Verdict:
    """A recommendation with why."""

    recommendation: Recommendation | None
    viral: bool
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def _pct(p: float | None) -> str:
    return f" (p{p:.0f})" if p is not None else ""


def _num(x: float) -> str:
    return f"{x:,.0f}"


def decide(cat: Category, m: Measured, pct: dict[str, float | None], th: Thresholds) -> Verdict:
    """The recommendation for one categorized community, with its reasons."""
    v = m.values
    members = v["members"].value or 0.0
    depts, entropy = v["departments"].value, v["entropy"].value
    organic, active = v["organic_share"].value, v["active_ratio"].value
    g30 = v["growth_30d"]
    reasons: list[str] = []
    broad = (
        depts is not None
        and depts >= th.departments
        and entropy is not None
        and entropy >= th.department_entropy
    )
    big = members >= th.reach_members
    # Without join dates and adders (Graph reports neither) organic spread cannot be measured;
    # growth measured between snapshots after the community was already observed still shows
    # members kept coming over time rather than in one creation-day broadcast. Said as such.
    grew = g30.value is not None and g30.value >= th.growth_30d_percent
    viral = (
        big
        and broad
        and ((organic is not None and organic >= th.organic_share) or (organic is None and grew))
    )
    evidence: list[str] = []  # filled by the caller for the communities it lists

    if m.inactive_days is not None and m.inactive_days >= th.inactive_days:
        reasons.append(
            f"no activity for {m.inactive_days:.0f} days (threshold {th.inactive_days:.0f})"
        )
        if not v["owners"].value:
            reasons.append("no owner left to ask")
        return Verdict(Recommendation.ARCHIVE, False, reasons, evidence)

    reasons.append(f"{_num(members)} members{_pct(pct.get('members'))}")
    if g30.value is not None:
        reasons.append(f"{g30.value:+.0f}% in 30 days{_pct(pct.get('growth_30d'))}")
    elif g30.note and g30.note.startswith("new"):
        reasons.append(g30.note)
    if depts is not None:
        reasons.append(f"{depts:.0f} departments, entropy {entropy:.2f}{_pct(pct.get('entropy'))}")
    if organic is not None:
        reasons.append(f"{organic:.0%} of joins organic{_pct(pct.get('organic_share'))}")
    if active is not None:
        reasons.append(f"{active:.0%} active in 30 days{_pct(pct.get('active_ratio'))}")

    if cat in MIGRATE_CATEGORIES:
        need = th.app_consents if cat is Category.UNSANCTIONED_APP else th.migrate_members
        if cat is Category.PERSONAL_SPACE:
            need = th.personal_space_members
        if members >= need:
            reasons.insert(0, _what(cat, members))
            return Verdict(Recommendation.MIGRATE, viral, reasons, evidence)
    elif viral and (active is None or active >= th.active_ratio):
        if organic is None:
            reasons.append(
                "spread over time shown by growth between snapshots (the tool does not say who "
                "added members, so the organic share is not measured)"
            )
        if active is None:
            reasons.append("engagement not measured: the tool sent no activity report")
        return Verdict(Recommendation.ADOPT, True, reasons, evidence)
    elif viral:
        reasons.append(f"only {active:.0%} active (adopt needs {th.active_ratio:.0%})")
        return Verdict(Recommendation.MONITOR, True, reasons, evidence)
    elif big and broad and organic is None:
        reasons.append(v["organic_share"].note or "organic spread not measurable")
        return Verdict(Recommendation.MONITOR, False, reasons, evidence)
    elif big and organic is not None and organic < th.organic_share:
        burst = v["largest_burst_share"].value or 0.0
        reasons.insert(
            0, f"broadcast, not viral: {burst:.0%} of members added at once by one person"
        )

    growing = (g30.value is not None and g30.value >= th.growth_30d_percent) or (
        g30.value is None and g30.rank_as == float("inf")
    )
    if (
        growing
        and members >= th.monitor_members
        and not (organic is not None and organic < th.organic_share)
    ):
        return Verdict(Recommendation.MONITOR, False, reasons, evidence)
    return Verdict(None, False, reasons, evidence)


def _what(cat: Category, members: float) -> str:
    return {
        Category.EXTERNAL_NETWORK: f"a Viva Engage network outside the home tenant, {members:.0f}"
        " people",
        Category.PERSONAL_SPACE: f"a personal space used as a team space by {members:.0f} people",
        Category.UNSANCTIONED_APP: f"an unsanctioned app consented to by {members:.0f} people",
        Category.GRASSROOTS: "a grassroots community",
    }[cat]


LABELS = {
    "members": "members",
    "active_users": "active users (30 d)",
    "growth_30d": "growth 30 d (%)",
    "growth_90d": "growth 90 d (%)",
    "doubling_days": "doubling time (days)",
    "departments": "departments",
    "entropy": "department entropy",
    "active_ratio": "active / members",
    "posts_per_member": "posts and edits / member",
    "organic_share": "organic share of joins",
    "largest_burst_share": "largest bulk add / members",
    "peer_share": "added by peers or themselves",
    "adders": "people who added others",
    "join_span_days": "join span p10-p90 (days)",
    "guests": "guests and external people",
    "external_share": "external share",
    "owners": "owners",
    "labelled": "sensitivity label set (1 = yes)",
}
"""Readable names of the components, as every output format shows them."""


def format_value(name: str, value: Value) -> str:
    """A component's figure as people read it, or its note."""
    x = value.value
    if x is None:
        return value.note or "n/a"
    if name in (
        "active_ratio",
        "organic_share",
        "largest_burst_share",
        "peer_share",
        "external_share",
    ):
        return f"{x:.0%}"
    if name == "entropy":
        return f"{x:.2f}"
    if name in ("growth_30d", "growth_90d"):
        return f"{x:+.0f}%"
    if name in ("doubling_days", "join_span_days", "posts_per_member"):
        return f"{x:.1f}"
    return _num(x)


def evidence(m: Measured, pct: dict[str, float | None]) -> list[str]:
    """Every component of a community with its percentile, as lines of text."""
    out = []
    for name, value in m.values.items():
        out.append(f"{LABELS.get(name, name)}: {format_value(name, value)}{_pct(pct.get(name))}")
    if m.inactive_days is not None:
        out.append(f"days since last activity: {m.inactive_days:.0f}")
    if m.growth_method:
        out.append(f"growth measured from {m.growth_method}")
    return out


def change_id(*parts: str | None) -> str:
    """A deterministic id for a change: the same change always gets the same id."""
    raw = "|".join(p or "" for p in parts).encode()
    return "chg-" + hashlib.blake2b(raw, digest_size=8).hexdigest()


def _change(
    action: ChangeAction,
    c: Community,
    rule: str,
    reason: str,
    principal: str | None = None,
    role: Role | None = None,
    from_role: Role | None = None,
    value: str | None = None,
) -> Change:
    cid = change_id(action.value, c.id, principal, role.value if role else None, value, rule)
    return Change(
        id=cid,
        action=action,
        community_id=c.id,
        principal_id=principal,
        role=role,
        from_role=from_role,
        value=value,
        rule_id=rule,
        reason=reason,
    )


@dataclass
class Implied:
    """What a recommendation concretely means for one community."""

    changes: list[Change] = field(default_factory=list)
    decision: Decision | None = None
    migration: Migration | None = None
    notify: list[str] = field(default_factory=list)


@dataclass
class Planner:
    """Turns recommendations into changes, sharing the steward pool's load across them."""

    people: People
    req: Requirements
    pool: StewardPool
    label: str | None
    ids_by_email: dict[tuple[str, str], str]
    now: float

    def implied(self, rec: Recommendation | None, cat: Category, f: Facts, m: Measured) -> Implied:
        """The changes, lifecycle decision, migration and notifications of a recommendation."""
        c = f.community
        out = Implied()
        owners = sorted(f.owners)
        out.notify = [self._name(o) for o in owners]
        date = datetime.fromtimestamp(self.now, UTC).date().isoformat()
        if rec is Recommendation.ADOPT:
            self._adopt(c, f, m, out)
            out.decision = Decision(
                state=Lifecycle.ADOPTED,
                reason=f"shadow-IT report {date}: viral grassroots community, "
                f"{m.values['members'].value:.0f} members in "
                f"{m.values['departments'].value or 0:.0f} departments",
            )
        elif rec is Recommendation.MIGRATE:
            out.migration = self._migration(cat, m, c.connector)
            out.decision = Decision(
                state=Lifecycle.MIGRATING,
                reason=f"shadow-IT report {date}: {cat.value} to move to {out.migration.target}",
            )
        elif rec is Recommendation.ARCHIVE:
            if not owners:
                steward = self.pool.pick(c.connector, self.ids_by_email)
                out.changes.append(
                    _change(
                        ChangeAction.ADD_GRANT,
                        c,
                        self.req.owner_rule,
                        "no owner to notify or to archive it: an IT steward takes ownership "
                        + self._pool_note(steward),
                        principal=steward,
                        role=Role.OWNER,
                    )
                )
            who = ", ".join(out.notify) or "the IT steward"
            days = m.inactive_days or 0.0
            out.changes.append(
                _change(
                    ChangeAction.ARCHIVE,
                    c,
                    RULE_ARCHIVE,
                    f"no activity for {days:.0f} days; notify {who} first (30, 15 and 1 days "
                    "before), then archive read-only (restorable)",
                )
            )
            out.decision = Decision(
                state=Lifecycle.ARCHIVED,
                reason=f"shadow-IT report {date}: no activity for {days:.0f} days",
            )
        return out

    def _name(self, principal_id: str) -> str:
        p = self.people.get(principal_id)
        return p.email if p is not None and p.email else principal_id

    def _pool_note(self, steward: str | None) -> str:
        if steward is not None:
            return f"(from steward pool '{self.pool.group}')"
        return (
            f"(no member of steward pool '{self.pool.group}' has an account in this tool: "
            "`govern plan` must pick one)"
        )

    def _adopt(self, c: Community, f: Facts, m: Measured, out: Implied) -> None:
        steward = self.pool.pick(c.connector, self.ids_by_email)
        owners = set(f.owners)
        if steward is None or steward not in owners:
            out.changes.append(
                _change(
                    ChangeAction.ADD_GRANT,
                    c,
                    self.req.steward_rule,
                    "an IT steward co-owns every adopted community " + self._pool_note(steward),
                    principal=steward,
                    role=Role.OWNER,
                )
            )
            owners.add(steward or "steward")
        if len(owners) < self.req.min_owners:
            for champion in _champions(f, owners)[: self.req.min_owners - len(owners)]:
                out.changes.append(
                    _change(
                        ChangeAction.CHANGE_ROLE,
                        c,
                        self.req.owners_rule,
                        f"adopted communities need {self.req.min_owners} owners: "
                        f"{self._name(champion)} added the most members",
                        principal=champion,
                        role=Role.OWNER,
                        from_role=Role.MEMBER,
                    )
                )
        if not c.sensitivity_label and self.label:
            out.changes.append(
                _change(
                    ChangeAction.SET_LABEL,
                    c,
                    RULE_ADOPT,
                    f"adopted communities carry a label; '{self.label}' is the label IT uses "
                    "most on its own communities",
                    value=self.label,
                )
            )

    def _migration(self, cat: Category, m: Measured, source: str) -> Migration:
        connector, target = migration_target(cat, source)
        directory = self.people.directory_emails.get(connector, frozenset())
        matched = 0
        for pid in m.members:
            p = self.people.get(pid)
            if p is not None and p.email and p.email in directory:
                matched += 1
        n = len(m.members)
        to_move = {
            Category.EXTERNAL_NETWORK: [
                "members",
                "groups and their threads (export first)",
                "files",
            ],
            Category.PERSONAL_SPACE: [
                "pages and their history",
                "attachments",
                "permissions as a group",
            ],
            Category.UNSANCTIONED_APP: [
                "users (revoke their consents after the move)",
                "the data the app holds",
            ],
        }.get(cat, ["members"])
        return Migration(
            target=target,
            target_connector=connector,
            matched=matched,
            members=n,
            matched_share=round(matched / n, 4) if n else None,
            to_move=to_move,
        )


def _champions(f: Facts, owners: set[str]) -> list[str]:
    """Members who added the most others: the community's own champions, owner candidates."""
    counts: dict[str, int] = {}
    for pid, (_ts, adder, _own) in f.members.items():
        if adder and adder != pid and adder in f.members and adder not in owners:
            counts[adder] = counts.get(adder, 0) + 1
    return sorted(counts, key=lambda p: (-counts[p], p))


def score(pct: dict[str, float | None]) -> float | None:
    """Mean percentile of the scored components that have one (ranking only)."""
    have = [p for k in SCORED if (p := pct.get(k)) is not None]
    return round(sum(have) / len(have), 1) if have else None

"""What a recommendation implies, drafted as changes: owners, steward, label, lifecycle, migration.

Every recommendation comes with the concrete changes it implies as :class:`govern.model.Change`
objects, made by :func:`govern.plan.changes.make_change`: the same ids ``govern plan`` gives, so
re-running the report proposes the same changes and a plan of them is one ``govern apply``
accepts. What the report cannot settle (no steward found, no label to follow) is an open item
for a person, never a placeholder change.
"""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from operator import ne

from govern.model import Change, ChangeAction, Community, Lifecycle, Role
from govern.plan.changes import make_change
from govern.virality.categories import Category, migration_target
from govern.virality.history import Facts
from govern.virality.metrics import Measured
from govern.virality.people import People
from govern.virality.report import Decision, Migration, Recommendation
from govern.virality.stewards import Requirements, StewardPool

RULE_ADOPT = "VIRAL-ADOPT"
RULE_ARCHIVE = "VIRAL-ARCHIVE"


def _kind_of(cat: Category) -> str:
    if cat is Category.UNKNOWN_ORIGIN:
        return "community of unknown origin (check IT did not provision it)"
    return "grassroots community"


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
    # One change vocabulary with `govern plan`: the same change gets the same id from both.
    return make_change(
        action,
        c.id,
        rule_id=rule,
        reason=reason,
        principal_id=principal,
        role=role,
        from_role=from_role,
        value=value,
    )


LabelKey = tuple[str, str, str]
"""(connector, kind, visibility) of a community: what makes two communities comparable."""


@dataclass
class Implied:
    """What a recommendation concretely means for one community."""

    changes: list[Change] = field(default_factory=list)
    decision: Decision | None = None
    migration: Migration | None = None
    notify: list[str] = field(default_factory=list)
    open_items: list[str] = field(default_factory=list)
    """What the report could not settle and a person must (no steward found, no label)."""


@dataclass
class ChangeDrafter:
    """Turns recommendations into changes, sharing the steward pool's load across them."""

    people: People
    req: Requirements
    pool: StewardPool
    labels: dict[LabelKey, Counter[str]]
    """Labels IT put on the communities it provisioned or adopted, by comparable kind."""
    ids_by_email: dict[tuple[str, str], str]
    now: float
    _decisions: dict[tuple[Lifecycle, str], Decision] = field(default_factory=dict, repr=False)
    """Decisions made so far (most repeat: 'no activity for 200 days')."""

    def implied(self, rec: Recommendation | None, cat: Category, f: Facts, m: Measured) -> Implied:
        """The changes, lifecycle decision, migration and notifications of a recommendation."""
        c = f.community
        out = Implied()
        owners = sorted(f.owners)
        out.notify = [self.name(o) for o in owners]
        date = datetime.fromtimestamp(self.now, UTC).date().isoformat()
        if rec is Recommendation.ADOPT:
            self._adopt(c, f, m, out)
            out.decision = self._decision(
                state=Lifecycle.ADOPTED,
                reason=f"shadow-IT report {date}: viral {_kind_of(cat)}, "
                f"{m.values['members'].value:.0f} members in "
                f"{m.values['departments'].value or 0:.0f} departments",
            )
        elif rec is Recommendation.MIGRATE:
            out.migration = self._migration(cat, m, c.connector, migrate_command(c, cat))
            out.decision = self._decision(
                state=Lifecycle.MIGRATING,
                reason=f"shadow-IT report {date}: {cat.value} to move to {out.migration.target}",
            )
        elif rec is Recommendation.ARCHIVE:
            if not owners:
                steward = self.pool.pick(c.connector, self.ids_by_email)
                if steward is not None:
                    out.changes.append(
                        _change(
                            ChangeAction.ADD_GRANT,
                            c,
                            self.req.owner_rule,
                            "no owner to notify or to archive it: an IT steward takes ownership "
                            f"(from steward pool '{self.pool.group}')",
                            principal=steward,
                            role=Role.OWNER,
                        )
                    )
                else:
                    out.open_items.append(self._no_steward(c))
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
            out.decision = self._decision(
                state=Lifecycle.ARCHIVED,
                reason=f"shadow-IT report {date}: no activity for {days:.0f} days",
            )
        return out

    def _decision(self, state: Lifecycle, reason: str) -> Decision:
        """The decision with these fields, one object for the entries that repeat it."""
        found = self._decisions.get((state, reason))
        if found is None:
            found = self._decisions[(state, reason)] = Decision(state=state, reason=reason)
        return found

    def name(self, principal_id: str) -> str:
        """A person's email as people read it (the principal id when the tool gave none)."""
        p = self.people.get(principal_id)
        return p.email if p is not None and p.email else principal_id

    def _no_steward(self, c: Community) -> str:
        if not self.pool.group:
            return "no steward pool in groups.yaml: name an IT co-owner by hand"
        if not self.pool.emails:
            return (
                f"steward pool '{self.pool.group}' has no members in the inventory: run "
                "`govern discover` (it reads the directory groups groups.yaml names) or fix the "
                "group's name in groups.yaml"
            )
        return (
            f"no member of steward pool '{self.pool.group}' has an account in {c.connector}: "
            "name an IT co-owner by hand"
        )

    def _adopt(self, c: Community, f: Facts, m: Measured, out: Implied) -> None:
        steward = self.pool.pick(c.connector, self.ids_by_email)
        owners = set(f.owners)
        if steward is None:
            out.open_items.append(self._no_steward(c))
        elif steward not in owners:
            out.changes.append(
                _change(
                    ChangeAction.ADD_GRANT,
                    c,
                    self.req.steward_rule,
                    f"an IT steward co-owns every adopted community: {self.name(steward)} "
                    f"(least-loaded member of steward pool '{self.pool.group}')",
                    principal=steward,
                    role=Role.OWNER,
                )
            )
        # The community's own owners (the steward aside) should be two as well, so that it does
        # not hang on one person; the second comes from its champions.
        own = owners - {steward} if steward else owners
        need = max(0, self.req.min_owners - len(own))
        found = _champions(f, m, owners | ({steward} if steward else set()))
        for champion, why in found[:need]:
            out.changes.append(
                _change(
                    ChangeAction.ADD_GRANT,
                    c,
                    self.req.owners_rule,
                    f"an owner of its own besides the IT steward, so that it does not hang on "
                    f"one person: {self.name(champion)}, one of its champions, {why}",
                    principal=champion,
                    role=Role.OWNER,
                )
            )
        if need > len(found):
            who = ", ".join(self.name(o) for o in sorted(owners)) or "the steward"
            out.open_items.append(
                f"a second owner of its own: the tool reports neither who added members nor "
                f"per-member activity, so no champion is known; ask {who} to name one"
            )
        if not c.sensitivity_label:
            label, why = self._label(c)
            if label:
                out.changes.append(_change(ChangeAction.SET_LABEL, c, RULE_ADOPT, why, value=label))
            else:
                out.open_items.append(why)

    def _label(self, c: Community) -> tuple[str | None, str]:
        """The label IT uses on comparable communities, or None with the reason."""
        vis = c.visibility.value
        same = self.labels.get((c.connector, c.kind, vis))
        if same:
            label, n = same.most_common(1)[0]
            return label, (
                f"adopted communities carry a label; '{label}' is the label IT uses most on its "
                f"own {vis} {c.kind}s ({n} of them)"
            )
        return None, (
            f"no label proposed: no IT-provisioned or adopted {vis} {c.kind} carries one to "
            "follow; choose the label by hand"
        )

    def _migration(self, cat: Category, m: Measured, source: str, command: str | None) -> Migration:
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
            next_command=command,
        )


def migrate_command(c: Community, cat: Category) -> str | None:
    """The `govern migrate` command that plans moving ``c``, where govern can plan it.

    Slack workspaces and channels move to Teams, Confluence personal spaces to a team space, an
    unsanctioned app's users to a team (named by the reader: the report cannot choose it).
    """
    out = f"govern migrate {shlex.quote(c.path)} -o migration.json"
    if c.connector == "slack" or cat is Category.PERSONAL_SPACE:
        return out
    if cat is Category.UNSANCTIONED_APP and c.connector == "m365":
        return out.replace(" -o ", " --to TEAM -o ", 1)
    return None


def _champions(f: Facts, m: Measured, taken: set[str]) -> list[tuple[str, str]]:
    """The community's own champions, owner candidates first, each with why.

    People who added others (the tool's adders: Slack inviters, audit logs) rank by how many
    they added. Per-member activity would come next where a tool reports it; none does yet.
    """
    people = set(m.members)
    joins = f.members
    # Adds by someone else, counted in C over the adder and member columns.
    counts = Counter(compress(joins.adders, map(ne, joins.adders, joins.pids)))
    return [
        (p, f"added {n} members")
        for p, n in sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))
        if p and p in people and p not in taken
    ]

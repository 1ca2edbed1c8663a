"""A plan for people: per community, ``+``/``-``/``~`` lines in the order they will be made.

Like Terraform's plan output: what is added, removed or changed, why (the rule), and totals at
the end, so a reviewer can read the whole plan without opening the JSON file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import groupby

from govern.model import Change, ChangeAction, Plan
from govern.plan.needs import NeedsPerson
from govern.plan.order import ordered

Names = Callable[[str], str]


def _kind(change: Change) -> str:
    if change.action is ChangeAction.ADD_GRANT:
        return "add"
    if change.action is ChangeAction.REMOVE_GRANT:
        return "remove"
    if change.action is ChangeAction.ARCHIVE:
        return "archive"
    return "change"


def line(change: Change, name: Names) -> str:
    """One change as a reviewer reads it."""
    who = name(change.principal_id) if change.principal_id else ""
    role = change.role.value if change.role else ""
    why = f"{change.rule_id}: {change.reason}"
    if change.action is ChangeAction.ADD_GRANT:
        return f"  + {role:<7} {who}  ({why})"
    if change.action is ChangeAction.REMOVE_GRANT:
        return f"  - {role:<7} {who}  ({why})"
    if change.action is ChangeAction.CHANGE_ROLE:
        old = change.from_role.value if change.from_role else "?"
        return f"  ~ {'role':<7} {who}: {old} -> {role}  ({why})"
    if change.action is ChangeAction.SET_VISIBILITY:
        return f"  ~ {'visibility':<7} -> {change.value}  ({why})"
    if change.action is ChangeAction.SET_LABEL:
        return f"  ~ {'label':<7} -> {change.value}  ({why})"
    return f"  ! {'archive':<7} ({why})"


def totals(changes: Iterable[Change]) -> dict[str, int]:
    """Counts by kind: add, remove, change, archive, and communities touched."""
    counts = {"add": 0, "remove": 0, "change": 0, "archive": 0}
    communities = set()
    for c in changes:
        counts[_kind(c)] += 1
        communities.add(c.community_id)
    counts["communities"] = len(communities)
    return counts


def totals_line(changes: Iterable[Change]) -> str:
    """The totals line, e.g. ``Plan: 3 to add, 1 to remove, ... in 2 communities.``."""
    t = totals(changes)
    return (
        f"Plan: {t['add']} to add, {t['remove']} to remove, {t['change']} to change, "
        f"{t['archive']} to archive, in {t['communities']} "
        f"communit{'y' if t['communities'] == 1 else 'ies'}."
    )


def namer(names: Mapping[str, str] | None) -> Names:
    """Ids to what people read: a community's path, a person's email or name, else the id."""
    known = names or {}

    def name(ref: str) -> str:
        return known.get(ref) or ref

    return name


def render(
    plan: Plan,
    names: Mapping[str, str] | None = None,
    notes: Iterable[NeedsPerson | str] = (),
) -> str:
    """The whole plan for people; ``names`` gives readable names for ids where known."""
    name = namer(names)

    out = [
        f"Plan {plan.id} made {plan.created_at:%Y-%m-%d %H:%M} UTC from policies "
        f"{(plan.policy.git_commit or 'outside git')[:12]} ({plan.policy.content_hash[:12]})",
        "",
    ]
    if not plan.changes:
        out.append("No changes. The tools match the policies.")
    changes = sorted(ordered(plan.changes), key=lambda c: c.community_id)
    for community_id, group in groupby(changes, key=lambda c: c.community_id):
        out.append(name(community_id))
        out.extend(line(c, name) for c in ordered(group))
        out.append("")
    notes = list(notes)
    if notes:
        out.append("Not planned (needs a person):")
        out.extend(f"  * {n if isinstance(n, str) else n.text(name)}" for n in notes)
        out.append("")
    if plan.changes:
        out.append(totals_line(plan.changes))
    return "\n".join(out).rstrip("\n") + "\n"

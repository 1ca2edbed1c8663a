"""Blast-radius limits: how much one run may change, refused unless raised explicitly.

Two limits, both checked before the first change is made so that a plan over a limit changes
nothing: the number of changes in the run, and the share of any one community's members (people
holding any role) that the run would remove. A plan that would empty a community is over any
share below 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from govern.errors import PlanError
from govern.model import Change, ChangeAction, Grant, Plan


@dataclass(frozen=True)
class Limits:
    """The limits of one run."""

    max_changes: int
    max_removed_share: float


@dataclass(frozen=True)
class Removal:
    """How many of one community's members a plan removes."""

    community_id: str
    before: int
    removed: int

    @property
    def share(self) -> float:
        """Removed members over members before (0 for a community with none)."""
        return self.removed / self.before if self.before else 0.0


def removals(plan: Plan, grants: Mapping[str, Iterable[Grant]]) -> list[Removal]:
    """Per touched community: members before the plan, and how many hold no role after it."""
    by_community: dict[str, list[Change]] = {}
    for change in plan.changes:
        if change.action in (ChangeAction.ADD_GRANT, ChangeAction.REMOVE_GRANT):
            by_community.setdefault(change.community_id, []).append(change)
    out = []
    for community_id, changes in sorted(by_community.items()):
        held = {(g.principal_id, g.role.value) for g in grants.get(community_id, ())}
        before = {p for p, _ in held}
        for c in changes:
            key = (c.principal_id or "", c.role.value if c.role else "")
            if c.action is ChangeAction.REMOVE_GRANT:
                held.discard(key)
            else:
                held.add(key)
        after = {p for p, _ in held}
        out.append(Removal(community_id, len(before), len(before - after)))
    return out


def check(
    plan: Plan,
    grants: Mapping[str, Iterable[Grant]],
    limits: Limits,
    source: str,
    names: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`PlanError` naming the limit, the setting and the flag when over a limit.

    Every community over the share limit is named in the one message (by path where ``names``
    knows it), so one review covers them all instead of one refusal per run.
    """
    known = names or {}
    n = len(plan.changes)
    if n > limits.max_changes:
        raise PlanError(
            f"{source}: {n} changes exceed the limit of {limits.max_changes} per run "
            f"([plan] max_changes); review the plan, then raise it with --max-changes {n} "
            f"or max_changes in govern.toml"
        )
    over = [r for r in removals(plan, grants) if r.share > limits.max_removed_share]
    if over:
        over.sort(key=lambda r: (-r.share, r.community_id))
        worst = over[0]
        listed = "; ".join(
            f"{known.get(r.community_id) or r.community_id} would lose {r.removed} of its "
            f"{r.before} members ({r.share:.0%})"
            for r in over
        )
        many = f"{len(over)} communities are" if len(over) > 1 else "1 community is"
        need = f"{worst.share:.2f}".rstrip("0").rstrip(".")
        raise PlanError(
            f"{source}: {many} over the limit of {limits.max_removed_share:.0%} of members "
            f"removed ([plan] max_removed_share): {listed}; review the plan, then raise it with "
            f"--max-removed-share {need} or max_removed_share in govern.toml"
        )

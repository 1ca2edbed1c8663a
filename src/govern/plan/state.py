"""What the plan's communities look like now: the inventory, plus the changes runs made since.

Discovery writes the inventory; runs change the tools afterwards. Until the next discovery the
store's grants lag behind, so checks that count (blast radius, owners) start from the inventory
and replay the changes that runs made since each scope's snapshot was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from govern.model import ChangeAction, Grant, JournalPhase, Plan, Role
from govern.plan.journal import Journal
from govern.store import Store
from govern.store.current import current_grants, enabled_accounts


def projected_grants(
    store: Store, journal: Journal, plan: Plan, since: datetime | None
) -> dict[str, list[Grant]]:
    """Grants of the plan's communities now: inventory plus changes done by runs after ``since``.

    The plan's own run is left out: resuming replays its journal separately.
    """
    touched = {c.community_id for c in plan.changes}
    base = current_grants(store, touched)
    held = {c: {(g.principal_id, g.role) for g in gs} for c, gs in base.items()}
    for run in journal.runs_since(since):
        if run.plan_id == plan.id:
            continue
        done = {
            e.change_id
            for e in journal.last_phases(run.id).values()
            if e.phase is JournalPhase.DONE
        }
        for change in run.plan.changes:
            if change.id not in done or change.community_id not in held:
                continue
            grants = held[change.community_id]
            p = change.principal_id or ""
            if change.action is ChangeAction.ADD_GRANT and change.role:
                grants.add((p, change.role))
            elif change.action is ChangeAction.REMOVE_GRANT and change.role:
                grants.discard((p, change.role))
            elif change.action is ChangeAction.CHANGE_ROLE and change.role and change.from_role:
                grants.discard((p, change.from_role))
                grants.add((p, change.role))
    return {
        c: [
            Grant.model_construct(community_id=c, principal_id=p, role=r)
            for p, r in sorted(gs, key=lambda x: (x[0], x[1].value))
        ]
        for c, gs in held.items()
    }


def effective_owners(store: Store, grants: Iterable[Grant]) -> list[Grant]:
    """The owner grants that really own: held by an enabled person or account the store knows.

    A disabled account or a principal missing from the directory cannot manage a community, so
    the owner guard does not count it: removing the last *enabled* owner is refused too.
    """
    owners = [g for g in grants if g.role is Role.OWNER]
    able = enabled_accounts(store, (g.principal_id for g in owners))
    return [g for g in owners if g.principal_id in able]

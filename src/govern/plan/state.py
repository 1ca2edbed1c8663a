"""What the plan's communities look like now: the inventory, plus the changes runs made since.

Discovery writes the inventory; runs change the tools afterwards. Until the next discovery the
store's grants lag behind, so checks that count (blast radius, owners) start from the inventory
and replay the changes that runs made since each scope's snapshot was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from govern.model import ChangeAction, Grant, JournalPhase, Plan, Role
from govern.plan.journal import Journal
from govern.store import Store
from govern.store import schema as s
from govern.store.queries import grants as inventory_grants


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def current_grants(store: Store, community_ids: Iterable[str]) -> dict[str, list[Grant]]:
    """The inventory's current grants of the given communities."""
    wanted = sorted(set(community_ids))
    out: dict[str, list[Grant]] = {c: [] for c in wanted}
    if len(wanted) <= 20:
        for c in wanted:
            out[c] = list(inventory_grants(store, community_id=c))
        return out
    t = s.grants
    with store._connect() as conn:
        for chunk in _chunks(wanted):
            q = select(t.c.community_id, t.c.principal_id, t.c.role).where(
                t.c.valid_to.is_(None), t.c.community_id.in_(chunk)
            )
            for r in conn.execute(q):
                out[r.community_id].append(
                    Grant.model_construct(
                        community_id=r.community_id, principal_id=r.principal_id, role=Role(r.role)
                    )
                )
    return out


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
    ids = sorted({g.principal_id for g in owners})
    able: set[str] = set()
    t = s.principals
    with store._connect() as conn:
        for chunk in _chunks(ids):
            q = select(t.c.id, t.c.kind, t.c.data).where(t.c.valid_to.is_(None), t.c.id.in_(chunk))
            for r in conn.execute(q):
                data = r.data if isinstance(r.data, dict) else {}
                if r.kind != "group" and data.get("enabled", True):
                    able.add(r.id)
    return [g for g in owners if g.principal_id in able]

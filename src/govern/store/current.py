"""Bulk reads of the current inventory by id, for checks that look at many communities at once.

``govern.plan.state`` projects the grants of a plan's communities and asks which owners can
really manage them; these are the two queries it needs, read in chunks of ids so a plan of
thousands of changes stays within a database's limit on bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select

from govern.model import Grant, Role
from govern.store import schema as s
from govern.store.queries import grants as inventory_grants
from govern.store.store import Store

CHUNK = 500
"""Ids per query (SQLite allows 999 bound parameters by default)."""


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def current_grants(store: Store, community_ids: Iterable[str]) -> dict[str, list[Grant]]:
    """The inventory's current grants of the given communities (every one a key)."""
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


def enabled_accounts(store: Store, principal_ids: Iterable[str]) -> set[str]:
    """Which of the principals the store knows as enabled people or accounts (not groups)."""
    ids = sorted(set(principal_ids))
    able: set[str] = set()
    t = s.principals
    with store._connect() as conn:
        for chunk in _chunks(ids):
            q = select(t.c.id, t.c.kind, t.c.data).where(t.c.valid_to.is_(None), t.c.id.in_(chunk))
            for r in conn.execute(q):
                data = r.data if isinstance(r.data, dict) else {}
                if r.kind != "group" and data.get("enabled", True):
                    able.add(r.id)
    return able

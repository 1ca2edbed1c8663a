"""What a discovery left in the store, in comparable form."""

from __future__ import annotations

from typing import Any

from govern.store import Store
from govern.store import queries as q


def inventory(store: Store) -> dict[str, Any]:
    communities = {c.id: c for c in q.communities(store, connector="confluence")}
    return {
        "communities": {cid: (c.name, c.visibility, c.origin) for cid, c in communities.items()},
        "attributes": {cid: c.attributes for cid, c in communities.items()},
        "grants": {(g.community_id, g.principal_id, g.role, g.source) for g in q.grants(store)},
        "principals": {(p.id, p.kind, p.email) for p in q.principals(store)},
        "memberships": {(m.group_id, m.member_id) for m in q.memberships(store)},
    }


def grants_of(store: Store, key: str) -> dict[str, str]:
    """principal id -> role of one space's grants."""
    return {
        g.principal_id: g.role.value
        for g in q.grants(store, community_id=f"confluence:space:{key}")
    }

"""The inventory of some scopes only: one tenant of a fleet in a store shared by many.

``Inventory.from_store`` reads a whole connector, every tenant of it; planning or auditing one
tenant must see that tenant's people, communities and grants and nobody else's (another tenant's
steward must never be proposed as an owner here). Each scope is read as its newest snapshot saw
it, within that snapshot's own scope.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from govern.model import Community, Grant, Membership, Snapshot
from govern.policy.inventory import Inventory
from govern.store import Store, queries


def scoped_inventory(store: Store, snapshots: Sequence[Snapshot]) -> Inventory:
    """The inventory of the scopes of ``snapshots`` (the newest of each), as they saw it."""
    snaps = list(snapshots)
    principals = {p.id: p for s in snaps for p in queries.principals(store, at=s)}
    communities: dict[str, Community] = {}
    by_community: dict[str, Snapshot] = {}  # which scope a community's grants are read in
    for s in snaps:
        for c in queries.communities(store, at=s):
            communities[c.id] = c
            by_community[c.id] = s

    def grants() -> Iterator[Grant]:
        for s in snaps:
            yield from queries.grants(store, at=s)

    def community_grants(community_id: str) -> Iterator[Grant]:
        snap = by_community.get(community_id)
        return (
            iter(()) if snap is None else queries.grants(store, community_id=community_id, at=snap)
        )

    def memberships() -> Iterator[Membership]:
        # Memberships are read per connector; keeping those whose member is in
        # these scopes leaves out the other tenants' (their people are not in ``principals``).
        for connector in sorted({s.connector for s in snaps}):
            for m in queries.memberships(store, connector=connector):
                if m.member_id in principals:
                    yield m

    return Inventory(
        principals=principals,
        communities=communities,
        _grants=grants,
        _memberships=memberships,
        _community_grants=community_grants,
        at=max(s.at for s in snaps) if snaps else None,
    )

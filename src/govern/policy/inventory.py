"""The inventory as the policy engine reads it: principals, communities, grants, memberships.

Principals and communities are held in memory (tens or hundreds of thousands); grants and
memberships are streamed on demand (millions), so an audit's memory grows with the directory
and the number of communities, not with the number of grants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from govern.errors import StoreError
from govern.model import Community, Grant, Membership, Principal, utcnow

if TYPE_CHECKING:
    from govern.store import Store


@dataclass
class Inventory:
    """One point in time of what connectors discovered."""

    principals: dict[str, Principal]
    communities: dict[str, Community]
    _grants: Callable[[], Iterable[Grant]]
    _memberships: Callable[[], Iterable[Membership]]
    _community_grants: Callable[[str], Iterable[Grant]] | None = None
    at: datetime | None = None
    """The moment the inventory describes (the newest snapshot's tool clock)."""

    def grants(self) -> Iterator[Grant]:
        """Every current grant, streamed."""
        return iter(self._grants())

    def memberships(self) -> Iterator[Membership]:
        """Every current directory membership, streamed."""
        return iter(self._memberships())

    def community_grants(self, community_id: str) -> list[Grant]:
        """The grants of one community."""
        if self._community_grants is not None:
            return list(self._community_grants(community_id))
        return [g for g in self.grants() if g.community_id == community_id]

    @property
    def now(self) -> datetime:
        """The reference time for inactivity: the inventory's moment, else the wall clock."""
        return self.at or utcnow()

    @classmethod
    def of(
        cls,
        principals: Iterable[Principal],
        communities: Iterable[Community],
        grants: Iterable[Grant],
        memberships: Iterable[Membership] = (),
        at: datetime | None = None,
    ) -> Inventory:
        """An inventory from objects in memory (tests, the sandbox, the planner's what-ifs)."""
        g, m = list(grants), list(memberships)
        return cls(
            principals={p.id: p for p in principals},
            communities={c.id: c for c in communities},
            _grants=lambda: g,
            _memberships=lambda: m,
            at=at,
        )

    @classmethod
    def from_store(cls, store: Store, connector: str | None = None) -> Inventory:
        """The current inventory of a store, optionally of one connector."""
        # Imported here: the store pulls in SQLAlchemy, which an audit of files never needs.
        from govern.store import queries

        snaps = [s for (c, _), s in store.latest().items() if connector in (None, c)]
        if not snaps:
            which = f" for connector '{connector}'" if connector else ""
            raise StoreError(
                f"store {store.where} has no snapshot{which}; run `govern discover` first"
            )
        return cls(
            principals={p.id: p for p in queries.principals(store, connector=connector)},
            communities={c.id: c for c in queries.communities(store, connector=connector)},
            _grants=lambda: queries.grants(store, connector=connector),
            _memberships=lambda: queries.memberships(store, connector=connector),
            _community_grants=lambda cid: queries.grants(store, community_id=cid),
            at=max(s.at for s in snaps),
        )

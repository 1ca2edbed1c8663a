"""The order changes are made in, and the guard that keeps every community owned.

Within a run, changes go in phases: first everything that adds an owner or a grant, then
settings (visibility, label), then everything that removes a grant or demotes an owner, and
archiving last. So a community that gets a new owner and loses an old one gains first, and is
never without an owner in between. The :class:`OwnerLedger` is the second line: it follows the
owners of every touched community as changes succeed and refuses the removal of the last one,
which covers plans that would end ownerless and adds that the tool refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from govern.model import Change, ChangeAction, Grant, Role


def phase(change: Change) -> int:
    """0 adds, 1 settings and role changes between non-owner roles, 2 removals, 3 archives."""
    a = change.action
    if a is ChangeAction.ADD_GRANT:
        return 0
    if a is ChangeAction.CHANGE_ROLE:
        if change.role is Role.OWNER:
            return 0
        if change.from_role is Role.OWNER:
            return 2
        return 1
    if a is ChangeAction.REMOVE_GRANT:
        return 2
    if a is ChangeAction.ARCHIVE:
        return 3
    return 1


def ordered(changes: Iterable[Change]) -> list[Change]:
    """Changes in the order they are made: by phase, then community, then id (deterministic)."""
    return sorted(changes, key=lambda c: (phase(c), c.community_id, c.id))


def owner_delta(change: Change) -> tuple[str | None, str | None]:
    """(principal gaining ownership, principal losing it) by this change."""
    p = change.principal_id
    a = change.action
    if a is ChangeAction.ADD_GRANT and change.role is Role.OWNER:
        return p, None
    if a is ChangeAction.REMOVE_GRANT and change.role is Role.OWNER:
        return None, p
    if a is ChangeAction.CHANGE_ROLE:
        if change.role is Role.OWNER:
            return p, None
        if change.from_role is Role.OWNER:
            return None, p
    return None, None


class OwnerLedger:
    """The owners of each community as the run goes, from the inventory and the changes made."""

    def __init__(self, owners: Mapping[str, Iterable[str]]) -> None:
        self._owners = {c: set(ps) for c, ps in owners.items()}

    @classmethod
    def from_grants(cls, grants: Iterable[Grant]) -> OwnerLedger:
        """A ledger of the owner grants among ``grants``."""
        owners: dict[str, set[str]] = {}
        for g in grants:
            owners.setdefault(g.community_id, set())
            if g.role is Role.OWNER:
                owners[g.community_id].add(g.principal_id)
        return cls(owners)

    def track(self, community_ids: Iterable[str]) -> None:
        """Follow these communities too, starting from no owner where none is known."""
        for c in community_ids:
            self._owners.setdefault(c, set())

    def owners(self, community_id: str) -> frozenset[str]:
        """The owners of a community now, as far as this run knows."""
        return frozenset(self._owners.get(community_id, ()))

    def would_orphan(self, change: Change) -> bool:
        """True when making ``change`` would leave its community with no owner."""
        _, loses = owner_delta(change)
        if loses is None:
            return False
        current = self._owners.get(change.community_id, set())
        # Removing someone who is not an owner changes nothing (the connector reports "already").
        return loses in current and len(current) == 1

    def record(self, change: Change) -> None:
        """Take a change that was made into account."""
        gains, loses = owner_delta(change)
        owners = self._owners.setdefault(change.community_id, set())
        if gains:
            owners.add(gains)
        if loses:
            owners.discard(loses)

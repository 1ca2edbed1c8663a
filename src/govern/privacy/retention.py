"""History retention: drop snapshots older than ``retention_days`` (``govern inventory prune``).

Per connector scope, the oldest snapshot kept is the first one taken within ``days`` of that
scope's newest snapshot. Older snapshots go, with their activity reports and every history row
that ended before the oldest kept snapshot. Rows still valid then stay (their state is the
kept snapshot's state), so the inventory now and "as of" any kept snapshot read the same as
before. The newest snapshot of a scope is always kept. Plans' journal and erasures are audit
records, not history of the tools, and are never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govern.store.prune import Cut, cut_history
from govern.store.store import Store

DAY = 86400.0


@dataclass
class Pruned:
    """What a prune removed (or would remove, on a dry run)."""

    snapshots: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def prune(store: Store, days: int, *, dry_run: bool = False) -> Pruned:
    """Drop snapshot history older than ``days`` before each scope's newest snapshot."""
    out = Pruned()
    by_scope: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for snap in store.snapshots():
        by_scope.setdefault((snap.connector, snap.scope), []).append(
            (snap.at.timestamp(), snap.seq)
        )
    scope_ids = {v: k for k, v in store.scope_ids().items()}
    cuts: list[Cut] = []
    for key, snaps in by_scope.items():
        newest = max(t for t, _ in snaps)
        kept = [seq for t, seq in snaps if t >= newest - days * DAY]
        first = min(kept)
        old = [seq for _, seq in snaps if seq < first]
        if old:
            cuts.append((scope_ids[key], first, old))
    out.snapshots = sum(len(old) for _, _, old in cuts)
    out.rows = cut_history(store, cuts, dry_run=dry_run)
    return out

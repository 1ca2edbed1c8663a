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
from typing import Any

from sqlalchemy import delete, func, select

from govern.store import schema as s
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
    cuts: list[tuple[int, int, list[int]]] = []
    for key, snaps in by_scope.items():
        newest = max(t for t, _ in snaps)
        kept = [seq for t, seq in snaps if t >= newest - days * DAY]
        first = min(kept)
        old = [seq for _, seq in snaps if seq < first]
        if old:
            cuts.append((scope_ids[key], first, old))
    if dry_run:
        with store._connect() as conn:
            _cut(conn, cuts, out, dry_run=True)
    else:
        with store._connect() as conn, store._write(conn):
            _cut(conn, cuts, out, dry_run=False)
    return out


def _cut(conn: Any, cuts: list[tuple[int, int, list[int]]], out: Pruned, *, dry_run: bool) -> None:
    for scope_id, first, old in cuts:
        out.snapshots += len(old)
        for table in s.VERSIONED:
            q = (
                table.c.scope_id == scope_id,
                table.c.valid_to.isnot(None),
                table.c.valid_to <= first,
            )
            if dry_run:
                n = conn.execute(select(func.count()).select_from(table).where(*q)).scalar_one()
            else:
                n = conn.execute(delete(table).where(*q)).rowcount
            out.rows[table.name] = out.rows.get(table.name, 0) + int(n)
        a = s.activity
        if dry_run:
            n = conn.execute(
                select(func.count()).select_from(a).where(a.c.snapshot_seq.in_(old))
            ).scalar_one()
        else:
            n = conn.execute(delete(a).where(a.c.snapshot_seq.in_(old))).rowcount
            conn.execute(delete(s.snapshots).where(s.snapshots.c.seq.in_(old)))
        out.rows["activity"] = out.rows.get("activity", 0) + int(n)

"""Pruning history: the snapshots, activity reports and ended history rows before a cut.

The queries behind ``govern inventory prune``; which snapshots go is the retention rule's
choice (``govern.privacy.retention``). One cut per scope: every versioned row of the scope that
ended at or before its first kept snapshot, and the activity reports of its older snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, not_, or_, select, true

from govern.store import schema as s
from govern.store.store import Store

Cut = tuple[int, int, list[int]]
"""(scope id, the seq of its first kept snapshot, the seqs of its snapshots to drop)."""


def cut_history(store: Store, cuts: Sequence[Cut], *, dry_run: bool) -> dict[str, int]:
    """Rows removed per table (counted only, in one read, on a dry run; else in one write)."""
    rows: dict[str, int] = {}
    if dry_run:
        with store._connect() as conn:
            _cut(conn, cuts, rows, dry_run=True)
    else:
        with store._connect() as conn, store._write(conn):
            _cut(conn, cuts, rows, dry_run=False)
    return rows


def _cut(conn: Any, cuts: Sequence[Cut], out: dict[str, int], *, dry_run: bool) -> None:
    unnamed = _unnamed_keys(conn, cuts)  # found before the cut: a dry run counts the same
    for scope_id, first, old in cuts:
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
            out[table.name] = out.get(table.name, 0) + int(n)
        a = s.activity
        if dry_run:
            n = conn.execute(
                select(func.count()).select_from(a).where(a.c.snapshot_seq.in_(old))
            ).scalar_one()
        else:
            n = conn.execute(delete(a).where(a.c.snapshot_seq.in_(old))).rowcount
            conn.execute(delete(s.snapshots).where(s.snapshots.c.seq.in_(old)))
        out["activity"] = out.get("activity", 0) + int(n)
    out[s.principal_keys.name] = len(unnamed)
    if not dry_run:
        k = s.principal_keys
        for i in range(0, len(unnamed), 500):  # bound the IN list
            conn.execute(delete(k).where(k.c.key.in_(unnamed[i : i + 500])))


def _unnamed_keys(conn: Any, cuts: Sequence[Cut]) -> list[int]:
    """Principal keys that no grant left after the cuts names: they go with the history.

    A key stands for a principal id; once the last grant naming a person is cut, their id
    must not stay behind in ``principal_keys``. One pass over the grants (DISTINCT), not a
    lookup per key: the grants have no index on the keys.
    """
    g, k = s.grants, s.principal_keys
    cut = [
        and_(g.c.scope_id == scope_id, g.c.valid_to.isnot(None), g.c.valid_to <= first)
        for scope_id, first, _old in cuts
    ]
    kept = not_(or_(*cut)) if cut else true()
    named: set[int] = set()
    for column in (g.c.principal_key, g.c.added_by_key):
        named.update(conn.execute(select(column).where(kept).distinct()).scalars())
    return [key for key in conn.execute(select(k.c.key)).scalars() if key not in named]

"""Pruning history: the snapshots, activity reports and ended history rows before a cut.

The queries behind ``govern inventory prune``; which snapshots go is the retention rule's
choice (``govern.privacy.retention``). One cut per scope: every versioned row of the scope that
ended at or before its first kept snapshot, and the activity reports of its older snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select

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

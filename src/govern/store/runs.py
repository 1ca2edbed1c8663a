"""The runs and journal tables: the queries ``govern.plan.journal`` needs, and no others.

Rows come back as named rows (``row.status``, ``row.plan``); turning them into the plan's
``Run`` and ``JournalEntry`` is the journal's job, so the store knows nothing of plans. Every
write is its own committed transaction: a process killed between two writes leaves the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, insert, select, update

from govern.store import schema as s
from govern.store.store import Store


def insert_run(store: Store, **values: Any) -> None:
    """Add one run (the columns of ``runs`` by name) and commit it."""
    with store._connect() as conn, conn.begin():
        conn.execute(insert(s.runs).values(**values))


def update_run(store: Store, run_id: str, *, add_attempt: bool = False, **values: Any) -> None:
    """Set columns of one run (one attempt more with ``add_attempt``) and commit it."""
    if add_attempt:
        values["attempts"] = s.runs.c.attempts + 1
    with store._connect() as conn, conn.begin():
        conn.execute(update(s.runs).where(s.runs.c.id == run_id).values(**values))


def _rows(store: Store, q: Select[Any]) -> list[Row[Any]]:
    with store._connect() as conn:
        return list(conn.execute(q))


def run_rows_of_plan(store: Store, plan_id: str, limit: int = 1) -> list[Row[Any]]:
    """The runs of a plan, newest first."""
    t = s.runs
    return _rows(
        store, select(t).where(t.c.plan_id == plan_id).order_by(t.c.started_at.desc()).limit(limit)
    )


def run_rows_by_prefix(store: Store, prefix: str, limit: int = 2) -> list[Row[Any]]:
    """Runs whose id starts with ``prefix`` (``limit`` of them at most)."""
    t = s.runs
    return _rows(store, select(t).where(t.c.id.startswith(prefix, autoescape=True)).limit(limit))


def newest_run_rows(store: Store, limit: int) -> list[Row[Any]]:
    """The newest runs first."""
    t = s.runs
    return _rows(store, select(t).order_by(t.c.started_at.desc(), t.c.id.desc()).limit(limit))


def run_rows_since(store: Store, since: datetime | None) -> list[Row[Any]]:
    """Runs started after ``since`` (all when None), oldest first."""
    t = s.runs
    q = select(t).order_by(t.c.started_at, t.c.id)
    if since is not None:
        q = q.where(t.c.started_at > since)
    return _rows(store, q)


def insert_entry(store: Store, **values: Any) -> None:
    """Append one journal entry (the columns of ``journal`` by name) and commit it."""
    with store._connect() as conn, conn.begin():
        conn.execute(insert(s.journal).values(**values))


def entry_rows(store: Store, run_id: str) -> list[Row[Any]]:
    """Every journal entry of a run, in the order written."""
    t = s.journal
    return _rows(store, select(t).where(t.c.run_id == run_id).order_by(t.c.seq))


def entry_count(store: Store, run_id: str) -> int:
    """How many journal entries a run has."""
    t = s.journal
    with store._connect() as conn:
        n = conn.execute(select(func.count()).select_from(t).where(t.c.run_id == run_id)).scalar()
    return int(n or 0)

"""The fleet_runs table: the queries ``govern.fleet.runs`` needs, and no others.

Rows come back as named rows (``row.status``, ``row.tenant``); turning them into the fleet's
``Run`` is the fleet's job, so the store knows nothing of jobs. Every write is its own committed
transaction, so a worker killed mid-job leaves the row it started.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, insert, select, update

from govern.store.schema import fleet_runs
from govern.store.store import Store


def insert_attempt(store: Store, **values: Any) -> int:
    """Add one attempt (the columns of ``fleet_runs`` by name), commit it, return its row id."""
    with store.engine.begin() as conn:
        key = conn.execute(insert(fleet_runs).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])


def update_attempt(store: Store, run_id: int, **values: Any) -> None:
    """Set columns of one attempt and commit it."""
    with store.engine.begin() as conn:
        conn.execute(update(fleet_runs).where(fleet_runs.c.id == run_id).values(**values))


def attempt_rows(
    store: Store, *, tenant: str | None = None, round_: str | None = None
) -> list[Row[Any]]:
    """Attempts, oldest first, optionally of one tenant or one round."""
    q = select(fleet_runs).order_by(fleet_runs.c.id)
    if tenant is not None:
        q = q.where(fleet_runs.c.tenant == tenant)
    if round_ is not None:
        q = q.where(fleet_runs.c.round == round_)
    with store.engine.connect() as conn:
        return list(conn.execute(q))


def rows_since_success(
    store: Store, succeeded: str
) -> tuple[dict[tuple[str, str], int], list[Row[Any]]]:
    """The last successful attempt's row id per (tenant, kind), and every attempt newest first.

    Both are read on one connection, so they describe the same state of the table.
    """
    with store.engine.connect() as conn:
        last_ok: dict[tuple[str, str], int] = {
            (tenant, kind): top
            for tenant, kind, top in conn.execute(
                select(fleet_runs.c.tenant, fleet_runs.c.kind, func.max(fleet_runs.c.id))
                .where(fleet_runs.c.status == succeeded)
                .group_by(fleet_runs.c.tenant, fleet_runs.c.kind)
            )
        }
        rows = conn.execute(select(fleet_runs).order_by(fleet_runs.c.id.desc())).all()
    return last_ok, list(rows)

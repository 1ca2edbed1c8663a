"""PostgreSQL session advisory locks on the store's server, for ``govern.plan.lock``.

The lock lives on a connection kept open for as long as it is held, so the server releases it
when the process dies, even by SIGKILL. A lock is tried, never waited for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from govern.store.store import Store


@contextmanager
def try_advisory_lock(store: Store, key: int) -> Iterator[str | None]:
    """Hold the advisory lock ``key`` for the block: yields None, or who holds it when busy.

    When it yields a holder the lock is not held and the caller should leave the block.
    """
    with store._connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        if not got:
            yield _holder(conn, key)
            return
        try:
            yield None
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def _holder(conn: Connection, key: int) -> str:
    # A bigint advisory key is shown in pg_locks split in two 32-bit halves.
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(
        text(
            "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :hi AND l.objid::bigint = :lo"
        ),
        {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
    ).first()
    if row is None:
        return "holder unknown"
    since = row.backend_start.isoformat(timespec="seconds") if row.backend_start else "?"
    return f"PostgreSQL backend pid {row.pid} from {row.client_addr or 'local'} since {since}"

"""The fleet's runs table comes from the store's migrations (0005), on SQLite and PostgreSQL.

Two stores at 0004 are upgraded: one that never ran a fleet (the table is created) and one the
fleet's first release wrote to (it created the table itself, outside alembic): its rows survive
and the upgraded schema matches the schema module exactly.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
)

from govern.fleet import runs
from govern.store import Store
from govern.store.schema import metadata
from govern.store.store import HEAD_REVISION


def _first_release_table() -> MetaData:
    """The runs table exactly as the fleet's first release declared and create_all'ed it."""
    md = MetaData()
    Table(
        "govern_fleet_runs",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("tenant", String(200), nullable=False, index=True),
        Column("kind", String(40), nullable=False),
        Column("job_id", Integer),
        Column("attempt", Integer, nullable=False, default=0),
        Column("worker", String(200)),
        Column("round", String(100)),
        Column("status", String(20), nullable=False),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True)),
        Column("snapshot_seq", Integer),
        Column("error", Text),
        Column("summary", JSON),
    )
    return md


def _schema_diff(store: Store) -> list[object]:
    with store.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_upgrade_from_0004_creates_the_runs_table(store_url: str) -> None:
    old = Store(store_url, upgrade=False)
    old.upgrade("0004")
    assert not inspect(old.engine).has_table("govern_fleet_runs")
    old.dispose()

    store = Store(store_url)
    assert store.schema_revision() == HEAD_REVISION
    assert _schema_diff(store) == []
    run_id = runs.start(
        store, tenant="m365:t1", kind="plan", job_id=7, attempt=0, worker="h:1", round_="r1"
    )
    runs.finish(store, run_id, status=runs.SUCCEEDED, summary={"changes": 3})
    (row,) = runs.runs(store, tenant="m365:t1")
    assert (row.kind, row.status, row.summary) == ("plan", "succeeded", {"changes": 3})
    store.dispose()


def test_upgrade_from_0004_keeps_a_runs_table_the_first_release_made(store_url: str) -> None:
    old = Store(store_url, upgrade=False)
    old.upgrade("0004")
    _first_release_table().create_all(old.engine)  # what `runs.ensure_table` used to do
    run_id = runs.start(
        old, tenant="m365:t2", kind="discover", job_id=1, attempt=0, worker="h:2", round_=None
    )
    runs.finish(old, run_id, status=runs.FAILED, error="tenant t2 (fleet.toml:9): 401")
    old.dispose()

    store = Store(store_url)
    assert store.schema_revision() == HEAD_REVISION
    assert _schema_diff(store) == []
    (row,) = runs.runs(store)
    assert (row.tenant, row.status, row.error) == (
        "m365:t2",
        "failed",
        "tenant t2 (fleet.toml:9): 401",
    )
    store.dispose()

"""The inventory store: SQLite by default, PostgreSQL by URL, one transaction per snapshot."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from govern.errors import StoreError
from govern.model import Snapshot, SnapshotMode, utcnow
from govern.private import create_private
from govern.redact import store_url_shown
from govern.store import schema as s
from govern.store.writer import SnapshotWriter, parse_time

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0006"
"""The newest migration's revision (tests/store/test_migrations.py checks it is alembic's head).

Known here so that opening a current store reads one row instead of importing alembic and
its migration scripts, which costs every command a few hundred milliseconds."""


class Store:
    """A connection to the inventory store, upgraded to the newest schema on open."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        self.url = url
        self.where = store_url_shown(url, unparsable="the configured store_url")
        try:
            self.engine: Engine = _engine(url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreError(
                f"store_url {self.where}: {exc}; use e.g. sqlite:///path/inventory.db or "
                f"postgresql+psycopg://user@host/db (pip install 'govern[postgres]')"
            ) from None
        except ModuleNotFoundError as exc:
            raise StoreError(
                f"store_url {self.where}: driver {exc.name} is not installed; "
                f"pip install 'govern[postgres]'"
            ) from None
        if upgrade:
            self.upgrade()

    # --- schema ----------------------------------------------------------------------------
    def _alembic(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return cfg

    def schema_revision(self) -> str | None:
        """The schema revision the store is at, or None for an empty store."""
        from alembic.runtime.migration import MigrationContext

        with self._connect() as conn:
            rev: str | None = MigrationContext.configure(conn).get_current_revision()
            return rev

    def _stored_revision(self) -> str | None:
        """The revision alembic recorded, read without alembic; None if there is none yet."""
        with self._connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return None if rev is None else str(rev)

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision``, keeping existing data."""
        if revision == "head" and self._stored_revision() == HEAD_REVISION:
            return
        from alembic import command
        from alembic.script import ScriptDirectory

        cfg = self._alembic()
        if revision == "head":
            head = ScriptDirectory.from_config(cfg).get_current_head()
            if self.schema_revision() == head:
                return
        with self._connect() as conn, self._write(conn):
            # Two processes opening a new store at once: one migrates, the other waits for it
            # and then finds the schema current (alembic re-reads the revision in the lock).
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    @contextmanager
    def _write(self, conn: Any) -> Iterator[Any]:
        """A write transaction that takes the database's write lock up front.

        SQLite: BEGIN IMMEDIATE, so a second writer waits (busy_timeout) instead of failing with
        "database is locked" when its read lock cannot be upgraded. PostgreSQL: a transaction
        advisory lock for the schema, so two migrations never run side by side.
        """
        conn = conn.execution_options(govern_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7204418)")
            yield conn

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            raise StoreError(
                f"store {self.where}: {reason}; check store_url and the server"
            ) from None

    # --- writing ---------------------------------------------------------------------------
    def _scope_id(self, conn: Any, connector: str, scope: str) -> int:
        t = s.scopes
        found = conn.execute(
            select(t.c.id).where(t.c.connector == connector, t.c.scope == scope)
        ).scalar()
        if found is not None:
            return int(found)
        return int(
            conn.execute(insert(t).values(connector=connector, scope=scope)).inserted_primary_key[0]
        )

    @contextmanager
    def snapshot(
        self,
        connector: str,
        scope: str,
        mode: SnapshotMode = SnapshotMode.FULL,
        log: Callable[[str], None] | None = None,
    ) -> Iterator[SnapshotWriter]:
        """Write one snapshot: everything inside the ``with`` block commits together or not at all.

        The finished snapshot is available as ``writer.result`` after the block.
        """
        started = utcnow()
        snap = Snapshot(
            id=uuid.uuid4().hex, connector=connector, scope=scope, mode=mode, started_at=started
        )
        with self._connect() as conn:
            # Stage in temporary tables first, outside any lock on the store: a discovery can
            # take minutes, and other runs must be able to write meanwhile.
            writer = SnapshotWriter(conn, snap, log)
            try:
                yield writer
                writer.flush()
                conn.commit()
            except BaseException:
                conn.rollback()
                writer.discard()
                conn.commit()
                raise
            with self._write(conn):
                scope_id = self._scope_id(conn, connector, scope)
                # The snapshot row is inserted under the write lock, so seq orders snapshots
                # by when they were written.
                seq = conn.execute(
                    insert(s.snapshots).values(
                        id=snap.id,
                        scope_id=scope_id,
                        mode=mode.value,
                        started_at=started,
                        complete=True,
                        data={},
                    )
                ).inserted_primary_key[0]
                done = writer.finish(int(seq), scope_id)
                result = done.model_copy(update={"connector": connector, "scope": scope})
                conn.execute(
                    update(s.snapshots)
                    .where(s.snapshots.c.seq == seq)
                    .values(
                        finished_at=result.finished_at,
                        complete=result.complete,
                        data=result.model_dump(
                            mode="json",
                            include={"incomplete", "delta_tokens", "stats", "observed_at"},
                        ),
                    )
                )
                _drop_superseded_tokens(conn, scope_id, int(seq))
            writer.result = result

    # --- reading snapshots -----------------------------------------------------------------
    def snapshots(self, connector: str | None = None, scope: str | None = None) -> list[Snapshot]:
        """All snapshots, oldest first, optionally for one connector or scope."""
        q = select(s.snapshots, s.scopes.c.connector, s.scopes.c.scope).join(s.scopes)
        if connector:
            q = q.where(s.scopes.c.connector == connector)
        if scope:
            q = q.where(s.scopes.c.scope == scope)
        with self._connect() as conn:
            return [_snapshot(r) for r in conn.execute(q.order_by(s.snapshots.c.seq))]

    def snapshot_by_id(self, snapshot_id: str) -> Snapshot:
        """One snapshot by id or by its ``seq`` number."""
        q = select(s.snapshots, s.scopes.c.connector, s.scopes.c.scope).join(s.scopes)
        cond = s.snapshots.c.id == snapshot_id
        if snapshot_id.isdigit():
            cond = cond | (s.snapshots.c.seq == int(snapshot_id))
        with self._connect() as conn:
            row = conn.execute(q.where(cond)).first()
        if row is None:
            raise StoreError(
                f"snapshot {snapshot_id} not found; `govern inventory snapshots` lists them"
            )
        return _snapshot(row)

    def latest(self) -> dict[tuple[str, str], Snapshot]:
        """The newest snapshot of every connector scope."""
        last = (
            select(func.max(s.snapshots.c.seq).label("seq"))
            .group_by(s.snapshots.c.scope_id)
            .subquery()
        )
        q = (
            select(s.snapshots, s.scopes.c.connector, s.scopes.c.scope)
            .join(s.scopes)
            .where(s.snapshots.c.seq.in_(select(last.c.seq)))
        )
        with self._connect() as conn:
            return {(r.connector, r.scope): _snapshot(r) for r in conn.execute(q)}

    def scope_ids(self, connector: str | None = None) -> dict[int, tuple[str, str]]:
        """Scope ids known to the store, with their connector and scope."""
        q = select(s.scopes)
        if connector:
            q = q.where(s.scopes.c.connector == connector)
        with self._connect() as conn:
            return {r.id: (r.connector, r.scope) for r in conn.execute(q)}

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def _drop_superseded_tokens(conn: Any, scope_id: int, seq: int) -> None:
    """Clear the delta tokens of the scope's snapshots older than ``seq``.

    Discovery resumes only from a scope's newest snapshot, so older tokens are never read again;
    kept, they would grow the store by hundreds of kilobytes a day at xl (a connector's tokens
    hold ids of groups, guests and communities) and every listing of snapshots would parse them.
    Each write clears its predecessor, so the walk back stops at the first snapshot without
    tokens (a store written before this walks all of its snapshots once).
    """
    t = s.snapshots
    rows = conn.execute(
        select(t.c.seq, t.c.data)
        .where(t.c.scope_id == scope_id, t.c.seq < seq)
        .order_by(t.c.seq.desc())
    )
    stale: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        data = dict(row.data or {})
        if not data.pop("delta_tokens", None):
            break
        stale.append((row.seq, data))
    rows.close()
    for old, data in stale:
        conn.execute(update(t).where(t.c.seq == old).values(data=data))


def _snapshot(row: Any) -> Snapshot:
    data = row.data or {}
    return Snapshot(
        id=row.id,
        seq=row.seq,
        connector=row.connector,
        scope=row.scope,
        mode=SnapshotMode(row.mode),
        started_at=parse_time(row.started_at) or utcnow(),
        finished_at=parse_time(row.finished_at),
        observed_at=data.get("observed_at"),
        complete=row.complete,
        incomplete=data.get("incomplete", []),
        delta_tokens=data.get("delta_tokens", {}),
        stats=data.get("stats", {}),
    )


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        db = make_url(url).database
        if db and db != ":memory:" and not db.startswith("file:"):
            # The inventory is who can see what: owner-only (SQLite's journals follow its mode).
            create_private(Path(db))
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets readers (reports) run while a sync writes; busy_timeout waits for the
            # writer instead of failing at once.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
        # `with conn.begin()` really wraps the whole snapshot.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("govern_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


__all__ = ["SQLAlchemyError", "Store"]

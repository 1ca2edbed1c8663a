"""Whole-inventory reads for reports: every current row of a table, in bulk, as plain tuples.

The shadow-IT report reads whole tables (two million grants at the xl size). SQLAlchemy's rows
and type processors cost about a microsecond per row on top of the driver, so these queries are
compiled once and read as the driver's own tuples, in batches, with only the columns the report
measures and the work the database does for free (epoch seconds, booleans) done in SQL.

Use one :class:`BulkReader` per report (``with bulk_reader(store) as r:``): it holds one read
transaction, so every table is read at the same state of the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, func, select

from govern.errors import StoreError
from govern.store import schema as s
from govern.store.store import Store

BATCH = 100_000
"""Rows per driver fetch: large enough to amortise the call, small enough to stay flat."""

PrincipalRow = tuple[str, str, str | None, str | None, str]
"""(principal id, kind, email, department, connector) of a current principal."""
GrantRow = tuple[int, float | None, int, int, int | None, int]
"""(principal key, since in epoch seconds or None, adder's key (0: no adder), valid_from,
valid_to (None while current), place) of a grant, read per community. Keys are the store's
:data:`~govern.store.schema.principal_keys` (see :meth:`BulkReader.principal_keys`); ``place``
is ``2 * scope id + owner`` (owner 1 where the role is the owner role): one small integer
instead of two columns."""
SpanRow = tuple[str, str, int, int | None]
"""(community id, principal id, valid_from, valid_to) of any grant, current or ended."""


class PrincipalBrief(NamedTuple):
    """A current principal as the steward pool reads it."""

    id: str
    kind: str
    email: str | None
    department: str | None


@contextmanager
def bulk_reader(store: Store) -> Iterator[BulkReader]:
    """A :class:`BulkReader` on one read transaction of ``store``.

    Every query of the reader sees the same state of the store, even while a sync writes:
    SQLite's read transaction (WAL) keeps its snapshot; PostgreSQL needs REPEATABLE READ
    for that, since READ COMMITTED takes a new snapshot per statement.
    """
    with store._connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield BulkReader(conn)


class BulkReader:
    """The bulk queries of the report, on one connection. Each yields batches of tuples."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def principals(self) -> Iterator[list[PrincipalRow]]:
        """Every current principal with its scope's connector."""
        t, sc = s.principals, s.scopes
        q = (
            select(t.c.id, t.c.kind, t.c.email, t.c.department, sc.c.connector)
            .join(sc, sc.c.id == t.c.scope_id)
            .where(t.c.valid_to.is_(None))
        )
        return self._tuples(q)

    def principal_briefs(self) -> list[PrincipalBrief]:
        """Every current principal's id, kind, email and department (the steward pool's read)."""
        t = s.principals
        q = select(t.c.id, t.c.kind, t.c.email, t.c.department).where(t.c.valid_to.is_(None))
        return [PrincipalBrief(*row) for batch in self._tuples(q) for row in batch]

    def disabled(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are current principals whose account is disabled."""
        t = s.principals
        out: set[str] = set()
        for i in range(0, len(ids), 500):  # bound the IN list
            q = select(t.c.id, t.c.data).where(t.c.valid_to.is_(None), t.c.id.in_(ids[i : i + 500]))
            # Through SQLAlchemy, not the driver-level batches: the IN list needs expanding.
            for pid, data in self.conn.execute(q):
                doc = json.loads(data) if isinstance(data, str) else data
                if isinstance(doc, dict) and doc.get("enabled") is False:
                    out.add(pid)
        return out

    def group_documents(self) -> Iterator[list[tuple[str, Any]]]:
        """(id, JSON document) of every current group principal."""
        t = s.principals
        q = select(t.c.id, t.c.data).where(t.c.valid_to.is_(None), t.c.kind == "group")
        return self._tuples(q)

    def membership_edges(self) -> Iterator[list[tuple[str, str]]]:
        """(group id, member id) of every current directory-group membership."""
        t = s.memberships
        return self._tuples(select(t.c.group_id, t.c.member_id).where(t.c.valid_to.is_(None)))

    def communities(self) -> Iterator[list[tuple[int, Any]]]:
        """(scope id, JSON document) of every current community."""
        t = s.communities
        return self._tuples(select(t.c.scope_id, t.c.data).where(t.c.valid_to.is_(None)))

    def principal_keys(self) -> Iterator[list[tuple[int, str]]]:
        """(key, principal id) of every id a grant names, or once named."""
        k = s.principal_keys
        return self._tuples(select(k.c.key, k.c.id))

    def community_grants(self, owner_role: str) -> Iterator[tuple[str, list[GrantRow]]]:
        """Every grant row, current and ended, one community at a time: (community id, rows).

        The rows of a community come in the order they were written (``row_id``), so its
        members keep their order of first appearance; :data:`GrantRow` says what a row holds
        (``owner_role`` is the role that makes an owner). A first, small query counts each
        community's rows; the second reads them ordered by community through
        ``ix_grants_community`` (a community's rows lie together in the table, so this costs
        SQLite no more than a plain scan) without sending the community id again with each of
        its rows. Inside :func:`bulk_reader`'s transaction both queries see the same rows.

        Holders and adders come as their keys: small integers the driver makes for a fraction
        of a string's cost, which the report uses as list positions.
        """
        t = s.grants
        counts = (
            select(t.c.community_id, func.count())
            .group_by(t.c.community_id)
            .order_by(t.c.community_id)
        )
        sizes = [row for batch in self._tuples(counts) for row in batch]
        q = select(
            t.c.principal_key,
            self._epoch(t.c.since),
            func.coalesce(t.c.added_by_key, 0),
            t.c.valid_from,
            t.c.valid_to,
            t.c.scope_id * 2 + case((t.c.role == owner_role, 1), else_=0),
        ).order_by(t.c.community_id, t.c.row_id)
        with self._cursor(q) as cursor:
            for cid, n in sizes:
                rows = cursor.fetchmany(n)
                if len(rows) != n:
                    break
                yield cid, rows
            else:
                if cursor.fetchone() is None:
                    return
        raise StoreError(
            "store: the grants changed while the report read them; run the report again"
        )

    def newest_activity(self) -> Iterator[list[tuple[Any]]]:
        """The JSON document of the newest activity report per community and period."""
        t = s.activity
        newest = (
            select(t.c.community_id, t.c.period, func.max(t.c.snapshot_seq).label("seq"))
            .group_by(t.c.community_id, t.c.period)
            .subquery()
        )
        q = select(t.c.data).join(
            newest,
            and_(
                t.c.community_id == newest.c.community_id,
                t.c.period == newest.c.period,
                t.c.snapshot_seq == newest.c.seq,
            ),
        )
        return self._tuples(q)

    def grant_spans(self, community_ids: Sequence[str]) -> Iterator[list[SpanRow]]:
        """Every grant row, current or ended, of the given communities (500 per query)."""
        t = s.grants
        for i in range(0, len(community_ids), 500):
            chunk = list(community_ids[i : i + 500])
            q = select(t.c.community_id, t.c.principal_id, t.c.valid_from, t.c.valid_to).where(
                t.c.community_id.in_(chunk)
            )
            # A few communities (the charted ones): SQLAlchemy expands the IN list itself.
            yield [(cid, pid, vf, vt) for cid, pid, vf, vt in self.conn.execute(q)]

    def _epoch(self, column: Any) -> ColumnElement[Any]:
        """A timestamp column as epoch seconds, computed by the database.

        Parsing millions of timestamps in Python costs seconds; the database does it for free.
        """
        if self.conn.dialect.name == "sqlite":
            return (func.julianday(column) - 2440587.5) * 86400.0
        return cast(func.extract("epoch", column), Float)

    def _tuples(self, query: Select[Any]) -> Iterator[list[Any]]:
        """The rows of ``query`` in batches of driver tuples (no SQLAlchemy row objects).

        JSON columns come back as the driver returns them: text on SQLite, decoded on
        PostgreSQL (parse either with the pydantic model, see ``virality.rows.Parser``).
        """
        with self._cursor(query) as cursor:
            while rows := cursor.fetchmany(BATCH):
                yield rows

    @contextmanager
    def _cursor(self, query: Select[Any]) -> Iterator[Any]:
        """A driver cursor that has executed ``query`` (compiled once, no SQLAlchemy rows)."""
        compiled = query.compile(dialect=self.conn.dialect)
        params: Any = (
            [compiled.params[k] for k in compiled.positiontup]
            if compiled.positiontup
            else compiled.params
        )
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(str(compiled), params)
            yield cursor
        finally:
            cursor.close()

"""Finishing a run at the cost of what it changed: closing rows, appending activity reports.

An incremental run stages only what changed: records read again and marks for what is gone
(see :mod:`govern.store.staging`). The rows to close are found from those few staged keys,
through the current-row indexes, and never by testing every current row of the scope against
the staging tables: on a store of millions of grants the latter cost seconds for a run that
changed a hundred people. The rows closed are exactly those the full-scan statements of
:class:`~govern.store.writer.SnapshotWriter` would close (the store's tests check both modes).

Each lookup is written as ``staged LEFT JOIN current ON ...`` with every condition on the
stored row inside ``ON``: that makes SQLite (which has no statistics on temporary tables) walk
the few staged rows and probe the index, instead of walking the scope's current rows; a staged
key with no current row yields NULL, which ``IN`` ignores. PostgreSQL plans it from statistics.

Removing a principal has no index by principal id to go through (the current-grant index leads
with the community); that one case scans the scope's current grants and memberships once, and
only in a run that removed someone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
)
from sqlalchemy import update as sql_update

from govern.model import Activity
from govern.store import schema as s
from govern.store.staging import stage_communities, stage_grants, stage_marks, stage_principals

m = stage_marks.c


def _current(table: Table, scope_id: int) -> list[Any]:
    return [table.c.scope_id == scope_id, table.c.valid_to.is_(None)]


def _marked(kind: str) -> Any:
    return m.kind == kind


def _close_rows(conn: Connection, table: Table, seq: int, found: list[Any]) -> None:
    """Close the current rows of ``table`` whose row ids the selects ``found`` yield."""
    if not found:
        return
    ids: Any = found[0]
    if len(found) > 1:
        ids = union(*found)
    conn.execute(sql_update(table).where(table.c.row_id.in_(ids)).values(valid_to=seq))


def _driven(stage: Table, where: Any, table: Table, *on: Any) -> Any:
    """Row ids of ``table`` matching the staged rows of ``stage`` (``where``), staged first."""
    q = select(table.c.row_id).select_from(stage.outerjoin(table, and_(*on)))
    return q if where is None else q.where(where)


def _removes_principals(conn: Connection) -> bool:
    q = select(literal(1)).where(exists().where(_marked("principal")))
    return conn.execute(q).first() is not None


def close_entities(conn: Connection, table: Table, scope_id: int, seq: int) -> None:
    """Principals or communities: those read again with another fingerprint, and those gone."""
    stage = stage_principals if table is s.principals else stage_communities
    kind = "principal" if table is s.principals else "community"
    t = table
    cur = _current(t, scope_id)
    changed = _driven(stage, None, t, *cur, t.c.id == stage.c.id, stage.c.fp != t.c.fp)
    gone = _driven(stage_marks, _marked(kind), t, *cur, t.c.id == m.k1)
    _close_rows(conn, t, seq, [changed, gone])


def grant_knows_less() -> ColumnElement[bool]:
    """A staged grant read again without the join facts its stored row has: the same grant.

    (The audit log entry that gave them has aged out, or a group was read whole.) What was
    learnt is kept, not lost, by full and incremental finishing alike.
    """
    t, st = s.grants, stage_grants
    return and_(
        st.c.since.is_(None),
        st.c.added_by.is_(None),
        t.c.since.is_not(None),
        func.coalesce(st.c.source, "") == func.coalesce(t.c.source, ""),
    )


def close_grants(conn: Connection, scope_id: int, seq: int) -> None:
    """Grants removed, of communities or principals gone, or restated or read again otherwise.

    "The same grant" is as in the full-scan rule: same key and fingerprint, or read again
    without the join facts the stored one has (those are kept, not lost).
    """
    t, st = s.grants, stage_grants
    knows_less = grant_knows_less()
    key = and_(
        st.c.community_id == t.c.community_id,
        st.c.principal_id == t.c.principal_id,
        st.c.role == t.c.role,
    )
    same = exists().where(key, or_(st.c.fp == t.c.fp, knows_less))
    cur = _current(t, scope_id)
    grant_key = (t.c.community_id == m.k1, t.c.principal_id == m.k2, t.c.role == m.k3)
    found = [
        _driven(stage_marks, _marked("grant"), t, *cur, *grant_key),
        _driven(stage_marks, _marked("community"), t, *cur, t.c.community_id == m.k1),
        _driven(stage_marks, _marked("restate"), t, *cur, t.c.community_id == m.k1, not_(same)),
        _driven(st, None, t, *cur, key, not_(or_(st.c.fp == t.c.fp, knows_less))),
    ]
    if _removes_principals(conn):
        gone = select(m.k1).where(_marked("principal"))
        found.append(select(t.c.row_id).where(*cur, t.c.principal_id.in_(gone)))
    _close_rows(conn, t, seq, found)


def close_memberships(conn: Connection, scope_id: int, seq: int) -> None:
    """Memberships removed, and those of a principal (group or member) gone."""
    t = s.memberships
    cur = _current(t, scope_id)
    pair = (t.c.group_id == m.k1, t.c.member_id == m.k2)
    found = [_driven(stage_marks, _marked("membership"), t, *cur, *pair)]
    if _removes_principals(conn):
        found.append(_driven(stage_marks, _marked("principal"), t, *cur, t.c.group_id == m.k1))
        gone = select(m.k1).where(_marked("principal"))
        found.append(select(t.c.row_id).where(*cur, t.c.member_id.in_(gone)))
    _close_rows(conn, t, seq, found)


def insert_activity(conn: Connection, seq: int, reports: Sequence[Activity]) -> None:
    """Append a run's activity reports, straight to the driver.

    The text is what SQLAlchemy's JSON type writes (``json.dumps``), without its per-row
    parameter processing, which cost more than the database for a full run's 200,000 rows.
    """
    value = "CAST(%s AS JSONB)" if conn.dialect.name == "postgresql" else "?"
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    sql = (
        f"INSERT INTO {s.activity.name} (snapshot_seq, community_id, period, data) "
        f"VALUES ({mark}, {mark}, {mark}, {value})"
    )
    rows = [(seq, a.community_id, a.period, json.dumps(a.model_dump(mode="json"))) for a in reports]
    conn.exec_driver_sql(sql, rows)

"""Principal keys: one small integer per principal id that a grant names, kept for ever.

Grants carry the keys of their holder and adder beside the ids (``grants.principal_key``,
``grants.added_by_key``), so a whole-inventory read (the shadow-IT report) gets integers it can
use as list positions, instead of two million fresh id strings to look up among 200,000.
Every grant write goes through :func:`ensure` then :func:`key_of`; erasure renames a key's id
(:func:`rename`), so a key never outlives the id it stood for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, ScalarSelect, exists, not_, select, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govern.store import schema as s


def ensure(conn: Connection, columns: Sequence[ColumnElement[Any]]) -> None:
    """Give a key to every id in ``columns`` (of a staging table) that has none yet.

    Each staged id is looked up in the keys' own index, which is small (one entry per
    principal) and stays in cache: cheaper than finding first which staged grants are new.
    Inserted in id order, and an id another writer inserted meanwhile is skipped, not an
    error: two PostgreSQL writers (fleet workers) adding the same ids wait on each other in
    one order, so they cannot deadlock.
    """
    k = s.principal_keys
    # NOT EXISTS, not NOT IN: PostgreSQL plans it as an anti-join at any size.
    named = union(
        *[
            select(c.label("id")).where(c.is_not(None), not_(exists().where(k.c.id == c)))
            for c in columns
        ]
    ).subquery()
    fresh = select(named.c.id).order_by(named.c.id)
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(make(k).from_select(["id"], fresh).on_conflict_do_nothing(index_elements=["id"]))


def key_of(column: ColumnElement[Any]) -> ScalarSelect[Any]:
    """The key of the id in ``column`` (NULL for a NULL id), for an INSERT ... SELECT."""
    k = s.principal_keys
    return select(k.c.key).where(k.c.id == column).scalar_subquery()


def rename(conn: Connection, mapping: Mapping[str, str]) -> int:
    """Erasure: each old id's key now stands for its anonymous id. Returns the keys renamed."""
    k = s.principal_keys
    n = 0
    for old, anon in mapping.items():
        n += conn.execute(update(k).where(k.c.id == old).values(id=anon)).rowcount
    return n

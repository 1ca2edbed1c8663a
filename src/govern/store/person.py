"""One person's rows: the ids they held, and everything the store keeps that names them.

The reads behind ``govern inventory export-person`` (a subject access request); the privacy
module shapes them into the export. Rows come back as the driver gives them (JSON columns may
be text on SQLite); the store knows nothing of what an export looks like.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from govern.store import schema as s
from govern.store.store import Store
from govern.store.writer import parse_time

ERASED = "erased-"
"""The prefix of an erased principal's anonymous id (after ``<connector>:<kind>:``)."""


def principal_ids(conn: Connection, person: str) -> set[str]:
    """Every principal id of ``person`` (an email or a principal id), across history and tools."""
    t = s.principals
    wanted = person.strip().lower()
    ids: set[str] = set()
    if "@" in wanted and ":" not in wanted:
        ids |= {r[0] for r in conn.execute(select(t.c.id).where(t.c.email == wanted).distinct())}
    else:
        ids |= {r[0] for r in conn.execute(select(t.c.id).where(t.c.id == person).distinct())}
        emails = {
            r[0]
            for r in conn.execute(select(t.c.email).where(t.c.id == person, t.c.email.isnot(None)))
        }
        if emails:
            q = select(t.c.id).where(t.c.email.in_(emails)).distinct()
            ids |= {r[0] for r in conn.execute(q)}
    return {i for i in ids if not i.split(":", 2)[-1].startswith(ERASED)}


@dataclass
class PersonRows:
    """Everything the store keeps that names one person, read at one state of the store."""

    ids: set[str]
    times: dict[int, str] = field(default_factory=dict)
    """Snapshot seq -> when it was taken (ISO 8601)."""
    paths: dict[str, str] = field(default_factory=dict)
    """Current community id -> its path (its id where the record has none)."""
    principals: list[Row[Any]] = field(default_factory=list)
    """Every version of the person's principal rows, oldest first."""
    grants: list[Row[Any]] = field(default_factory=list)
    """Every version of the grants they hold or made (``added_by``), oldest first."""
    activity: list[tuple[int, Any]] = field(default_factory=list)
    """(snapshot seq, data) of every activity report (the caller looks for the person in it)."""
    communities: list[tuple[str, Any]] = field(default_factory=list)
    """(id, data) of every version of every community (the caller looks for ``created_by``)."""
    journal: list[Row[Any]] = field(default_factory=list)
    """run_id, change_id, phase, at, before and after of every journal entry."""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def person_rows(store: Store, person: str) -> PersonRows | None:
    """The rows that name ``person`` (an email or a principal id); None if they are unknown."""
    with store._connect() as conn:
        ids = principal_ids(conn, person)
        if not ids:
            return None
        out = PersonRows(ids)
        out.times = {
            r.seq: (parse_time(r.started_at) or r.started_at).isoformat()
            for r in conn.execute(select(s.snapshots.c.seq, s.snapshots.c.started_at))
        }
        c = s.communities
        for cid, data in conn.execute(select(c.c.id, c.c.data).where(c.c.valid_to.is_(None))):
            out.paths[cid] = str(_json(data).get("path", cid))
        p, g = s.principals, s.grants
        q = select(p).where(p.c.id.in_(ids)).order_by(p.c.valid_from)
        out.principals = list(conn.execute(q))
        q = select(g).where(or_(g.c.principal_id.in_(ids), g.c.added_by.in_(ids)))
        out.grants = list(conn.execute(q.order_by(g.c.valid_from)))
        a = s.activity
        out.activity = [(r[0], r[1]) for r in conn.execute(select(a.c.snapshot_seq, a.c.data))]
        out.communities = [(r[0], r[1]) for r in conn.execute(select(c.c.id, c.c.data))]
        j = s.journal
        out.journal = list(
            conn.execute(
                select(j.c.run_id, j.c.change_id, j.c.phase, j.c.at, j.c.before, j.c.after)
            )
        )
    return out

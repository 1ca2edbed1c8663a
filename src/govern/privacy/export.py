"""``govern inventory export-person PERSON``: everything the store keeps about one person.

The answer to a subject access request: the person's accounts as each tool described them over
time, the roles they held (with when they began and who added them), the people they added,
the communities they created, their posts per community where a tool reports them, and the
plans' journal entries that name them. Snapshot numbers are given with their times.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select

from govern.errors import StoreError
from govern.privacy.forget import principal_ids
from govern.store import schema as s
from govern.store.store import Store
from govern.store.writer import parse_time


def _when(times: dict[int, str], seq: int | None) -> str | None:
    return times.get(seq) if seq is not None else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def export_person(store: Store, person: str) -> dict[str, Any]:
    """One person's data as a JSON-ready dictionary."""
    with store._connect() as conn:
        ids = principal_ids(conn, person)
        if not ids:
            raise StoreError(f"{person} is not in the inventory (give an email or a principal id)")
        times = {
            r.seq: (parse_time(r.started_at) or r.started_at).isoformat()
            for r in conn.execute(select(s.snapshots.c.seq, s.snapshots.c.started_at))
        }
        paths: dict[str, str] = {}
        c = s.communities
        for cid, data in conn.execute(select(c.c.id, c.c.data).where(c.c.valid_to.is_(None))):
            paths[cid] = str(_json(data).get("path", cid))
        p, g = s.principals, s.grants
        accounts = [
            {
                "id": r.id,
                "record": _json(r.data),
                "from": _when(times, r.valid_from),
                "until": _when(times, r.valid_to),
            }
            for r in conn.execute(select(p).where(p.c.id.in_(ids)).order_by(p.c.valid_from))
        ]
        roles, added = [], []
        q = select(g).where(or_(g.c.principal_id.in_(ids), g.c.added_by.in_(ids)))
        for r in conn.execute(q.order_by(g.c.valid_from)):
            row = {
                "community": paths.get(r.community_id, r.community_id),
                "community_id": r.community_id,
                "role": r.role,
                "since": r.since.isoformat() if r.since else None,
                "from": _when(times, r.valid_from),
                "until": _when(times, r.valid_to),
            }
            if r.principal_id in ids:
                roles.append({**row, "added_by": r.added_by})
            if r.added_by in ids:
                added.append({**row, "principal_id": r.principal_id})
        activity = []
        for r in conn.execute(select(s.activity.c.snapshot_seq, s.activity.c.data)):
            data = _json(r.data)
            authors = (data.get("attributes") or {}).get("authors") or {}
            for pid in ids & set(authors):
                posts, last = authors[pid]
                activity.append(
                    {
                        "community": paths.get(data["community_id"], data["community_id"]),
                        "period": data.get("period"),
                        "posts": posts,
                        "last_post": last,
                        "reported": _when(times, r.snapshot_seq),
                    }
                )
        created = sorted(
            paths.get(cid, cid)
            for cid, data in conn.execute(select(s.communities.c.id, s.communities.c.data))
            if _json(data).get("created_by") in ids
        )
        j = s.journal
        journal = [
            {"run": r.run_id, "change": r.change_id, "phase": r.phase, "at": r.at.isoformat()}
            for r in conn.execute(
                select(j.c.run_id, j.c.change_id, j.c.phase, j.c.at, j.c.before, j.c.after)
            )
            if any(pid in json.dumps([_json(r.before), _json(r.after)]) for pid in ids)
        ]
    return {
        "person": person,
        "principal_ids": sorted(ids),
        "accounts": accounts,
        "roles": roles,
        "added_others": added,
        "created": sorted(set(created)),
        "posts": activity,
        "journal": journal,
        "kept_where": store.where,
    }

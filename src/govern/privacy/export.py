"""``govern inventory export-person PERSON``: everything the store keeps about one person.

The answer to a subject access request: the person's accounts as each tool described them over
time, the roles they held (with when they began and who added them), the people they added,
the communities they created, their posts per community where a tool reports them, and the
plans' journal entries that name them. Snapshot numbers are given with their times.
"""

from __future__ import annotations

import json
from typing import Any

from govern.errors import StoreError
from govern.store.person import person_rows
from govern.store.store import Store


def _when(times: dict[int, str], seq: int | None) -> str | None:
    return times.get(seq) if seq is not None else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def export_person(store: Store, person: str) -> dict[str, Any]:
    """One person's data as a JSON-ready dictionary."""
    rows = person_rows(store, person)
    if rows is None:
        raise StoreError(f"{person} is not in the inventory (give an email or a principal id)")
    ids, times, paths = rows.ids, rows.times, rows.paths
    accounts = [
        {
            "id": r.id,
            "record": _json(r.data),
            "from": _when(times, r.valid_from),
            "until": _when(times, r.valid_to),
        }
        for r in rows.principals
    ]
    roles, added = [], []
    for r in rows.grants:
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
    for seq, value in rows.activity:
        data = _json(value)
        authors = (data.get("attributes") or {}).get("authors") or {}
        for pid in ids & set(authors):
            posts, last = authors[pid]
            activity.append(
                {
                    "community": paths.get(data["community_id"], data["community_id"]),
                    "period": data.get("period"),
                    "posts": posts,
                    "last_post": last,
                    "reported": _when(times, seq),
                }
            )
    created = sorted(
        paths.get(cid, cid)
        for cid, data in rows.communities
        if _json(data).get("created_by") in ids
    )
    journal = [
        {"run": r.run_id, "change": r.change_id, "phase": r.phase, "at": r.at.isoformat()}
        for r in rows.journal
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

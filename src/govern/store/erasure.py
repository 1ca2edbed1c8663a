"""Erasing one person: every row that names them rewritten to anonymous ids, in one transaction.

The queries behind ``govern inventory forget``: the privacy module chooses the anonymous ids
and the token; this module rewrites principals, grants (held or made), memberships, the JSON of
communities, activity reports, the plans' journal and runs, drops the snapshots' delta tokens
that name the person, and records the erasure in the ``erasures`` table (when, who ran it, the
token, rows rewritten), never with the person.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import Table, Text, insert, or_, select, update

from govern.model import Community, Principal, PrincipalKind, split_id, utcnow
from govern.store import keys
from govern.store import schema as s
from govern.store.person import principal_ids
from govern.store.store import Store


def erase(
    store: Store,
    person: str,
    anonymous: Callable[[list[str]], dict[str, str]],
    *,
    token: str,
    actor: str,
    reason: str,
) -> tuple[dict[str, str], dict[str, int]] | None:
    """Rewrite every row naming ``person`` and record the erasure; None if they are unknown.

    ``anonymous`` maps the person's principal ids (sorted) to their anonymous ids. Returns
    that mapping and the rows rewritten per table.
    """
    rows: dict[str, int] = {}
    with store._connect() as conn, store._write(conn):
        ids = principal_ids(conn, person)
        if not ids:
            return None
        mapping = anonymous(sorted(ids))
        t = s.principals
        emails = {
            r[0].lower()
            for r in conn.execute(select(t.c.email).where(t.c.id.in_(ids), t.c.email.isnot(None)))
        }
        rows["delta_tokens"] = _tokens(conn, ids, emails)
        rows["principals"] = _principals(conn, mapping)
        rows["grants"] = _grants(conn, mapping)
        rows["principal_keys"] = keys.rename(conn, mapping)
        rows["memberships"] = _memberships(conn, mapping)
        rows["communities"] = _json_rows(conn, s.communities, "row_id", mapping, emails, True)
        rows["activity"] = _json_rows(conn, s.activity, "row_id", mapping, emails, False)
        rows["journal"] = _journal(conn, mapping, emails)
        rows["runs"] = _runs(conn, mapping, emails)
        conn.execute(
            insert(s.erasures).values(
                id=uuid.uuid4().hex,
                at=utcnow(),
                actor=actor,
                token=token,
                principals=len(mapping),
                rows=rows,
                reason=reason,
            )
        )
    return mapping, rows


def _tokens(conn: Any, ids: Collection[str], emails: set[str]) -> int:
    """Drop every snapshot delta token that names the person; how many were dropped.

    Tokens are the connectors' own and opaque to the store, and some keep native object ids
    (guests, the IT groups' members, directory groups). Rewriting a format the store does not
    know could corrupt it, so a token naming the person is dropped instead: the connector reads
    again what it kept (an incremental run that needs the token becomes a full one).
    """
    names = sorted({split_id(pid)[2] for pid in ids if pid.count(":") >= 2} | emails)
    if not names:
        return 0
    # A whole id, not part of a longer one (ids hold letters, digits, dashes and dots).
    pattern = re.compile(
        "|".join(rf"(?<![\w.-]){re.escape(n)}(?![\w.-])" for n in names), re.IGNORECASE
    )
    t = s.snapshots
    dropped = 0
    for seq, data in conn.execute(select(t.c.seq, t.c.data)).all():
        tokens = (data or {}).get("delta_tokens") or {}
        kept = {k: v for k, v in tokens.items() if not pattern.search(str(v))}
        if len(kept) != len(tokens):
            dropped += len(tokens) - len(kept)
            new = {**data, "delta_tokens": kept}
            conn.execute(update(t).where(t.c.seq == seq).values(data=new))
    return dropped


def _replace_json(value: Any, mapping: dict[str, str], emails: set[str]) -> tuple[Any, bool]:
    """``value`` with every id in ``mapping`` (and every email) replaced, wherever it occurs."""
    text = value if isinstance(value, str) else json.dumps(value)
    new = text
    for old, anon in mapping.items():
        new = new.replace(old, anon)
    for email in emails:
        new = new.replace(email, "[erased]")
    if new == text:
        return value, False
    return (new if isinstance(value, str) else json.loads(new)), True


def _principals(conn: Any, mapping: dict[str, str]) -> int:
    t = s.principals
    rows = conn.execute(
        select(t.c.row_id, t.c.id, t.c.kind, t.c.department).where(t.c.id.in_(mapping))
    ).all()
    # The department the person's other accounts were matched to by email (the directory's
    # first): kept on every anonymous account, since the email that matched them is gone.
    known = sorted(
        ((not pid.startswith("m365:"), department) for _, pid, _, department in rows if department),
        key=lambda r: r[0],
    )
    resolved = known[0][1] if known else None
    for row_id, pid, kind, department in rows:
        anon = Principal(
            id=mapping[pid],
            kind=PrincipalKind(kind),
            department=department or resolved,
            enabled=False,
        )
        conn.execute(
            update(t)
            .where(t.c.row_id == row_id)
            .values(
                id=anon.id,
                email=None,
                department=anon.department,
                fp=anon.fingerprint(),
                data=json.loads(anon.model_dump_json()),
            )
        )
    return len(rows)


def _grants(conn: Any, mapping: dict[str, str]) -> int:
    t = s.grants
    n = 0
    for old, anon in mapping.items():
        n += conn.execute(
            update(t).where(t.c.principal_id == old).values(principal_id=anon)
        ).rowcount
        n += conn.execute(update(t).where(t.c.added_by == old).values(added_by=anon)).rowcount
    return int(n)


def _memberships(conn: Any, mapping: dict[str, str]) -> int:
    t = s.memberships
    n = 0
    for old, anon in mapping.items():
        n += conn.execute(update(t).where(t.c.member_id == old).values(member_id=anon)).rowcount
        n += conn.execute(update(t).where(t.c.group_id == old).values(group_id=anon)).rowcount
    return int(n)


def _json_rows(
    conn: Any,
    table: Table,
    key: str,
    mapping: dict[str, str],
    emails: set[str],
    community: bool,
) -> int:
    """Rewrite the JSON ``data`` of rows that mention the person (a LIKE prefilter, then exact)."""
    likes = [table.c.data.cast(Text).like(f"%{old}%") for old in mapping]
    likes += [table.c.data.cast(Text).like(f"%{e}%") for e in emails]
    n = 0
    for row_key, data in conn.execute(select(table.c[key], table.c.data).where(or_(*likes))):
        value = json.loads(data) if isinstance(data, str) else data
        new, changed = _replace_json(value, mapping, emails)
        if not changed:
            continue
        values: dict[str, Any] = {"data": new}
        if community:
            values["fp"] = Community.model_validate(new).fingerprint()
        conn.execute(update(table).where(table.c[key] == row_key).values(**values))
        n += 1
    return n


def _journal(conn: Any, mapping: dict[str, str], emails: set[str]) -> int:
    t = s.journal
    n = 0
    for seq, before, after, message, actor in conn.execute(
        select(t.c.seq, t.c.before, t.c.after, t.c.message, t.c.actor)
    ):
        values: dict[str, Any] = {}
        for name, value in (("before", before), ("after", after), ("message", message)):
            if value is None:
                continue
            new, changed = _replace_json(value, mapping, emails)
            if changed:
                values[name] = new
        if actor.lower() in emails:
            values["actor"] = "[erased]"
        if values:
            conn.execute(update(t).where(t.c.seq == seq).values(**values))
            n += 1
    return n


def _runs(conn: Any, mapping: dict[str, str], emails: set[str]) -> int:
    t = s.runs
    n = 0
    for run_id, plan, summary, actor in conn.execute(
        select(t.c.id, t.c.plan, t.c.summary, t.c.actor)
    ):
        values: dict[str, Any] = {}
        for name, value in (("plan", plan), ("summary", summary)):
            new, changed = _replace_json(value, mapping, emails)
            if changed:
                values[name] = new
        if actor.lower() in emails:
            values["actor"] = "[erased]"
        if values:
            conn.execute(update(t).where(t.c.id == run_id).values(**values))
            n += 1
    return n


def erasures(store: Store) -> list[dict[str, Any]]:
    """The audit trail: every erasure, oldest first (no person in it)."""
    t = s.erasures
    with store._connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.at)).all()
    return [
        {
            "at": r.at,
            "actor": r.actor,
            "token": r.token,
            "principals": r.principals,
            "rows": r.rows if not isinstance(r.rows, str) else json.loads(r.rows),
            "reason": r.reason,
        }
        for r in rows
    ]

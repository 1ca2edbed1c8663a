"""``govern inventory forget PERSON``: erase one person from the store, keep the counts right.

Every principal id of the person (the id given, or every id that ever carried the email given)
is replaced, in every table and in every row of history, by an anonymous id
``<connector>:<kind>:erased-<token>.<n>`` with a random token (nothing to reverse it with). The
anonymous principal keeps only its kind and department (the one its email matched, for accounts
that had none), so member counts, growth curves and
department mixes stay as they were; its email, name, title and attributes are gone. Grants they
hold or made (``added_by``), communities they created, their posts per author, and the plans
and journal that name them are rewritten the same way. The erasure is recorded in the
``erasures`` table (when, who ran it, the token, rows rewritten), never with the person.

The tools stay the source of truth: a person still present in a tool is read again on the next
discovery, as a new principal; remove them from the tool (or its scope) first.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Text, insert, or_, select, update

from govern.errors import StoreError
from govern.model import Community, Principal, PrincipalKind, utcnow
from govern.store import schema as s
from govern.store.store import Store

ERASED = "erased-"


@dataclass
class Erasure:
    """What one ``forget`` did."""

    token: str
    principals: dict[str, str] = field(default_factory=dict)
    """Old principal id -> anonymous id (returned to the caller, never stored)."""
    rows: dict[str, int] = field(default_factory=dict)


def principal_ids(conn: Any, person: str) -> set[str]:
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


def _anonymous(pid: str, token: str, n: int) -> str:
    # One person may have several accounts in one tool (a Grid and a free Slack workspace):
    # each gets its own id, all with the same token, so reports still count one person.
    connector, kind, _ = pid.split(":", 2)
    return f"{connector}:{kind}:{ERASED}{token}.{n}"


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


def forget(store: Store, person: str, actor: str, reason: str = "") -> Erasure:
    """Erase ``person`` from the store in one transaction, and record the erasure."""
    token = secrets.token_hex(6)
    out = Erasure(token)
    with store._connect() as conn, store._write(conn):
        ids = principal_ids(conn, person)
        if not ids:
            raise StoreError(
                f"{person} is not in the inventory (give an email or a principal id; "
                "`govern inventory export-person` shows what is kept about someone)"
            )
        mapping = {pid: _anonymous(pid, token, n) for n, pid in enumerate(sorted(ids))}
        out.principals = mapping
        t = s.principals
        emails = {
            r[0].lower()
            for r in conn.execute(select(t.c.email).where(t.c.id.in_(ids), t.c.email.isnot(None)))
        }
        out.rows["principals"] = _principals(conn, mapping)
        out.rows["grants"] = _grants(conn, mapping)
        out.rows["memberships"] = _memberships(conn, mapping)
        out.rows["communities"] = _json_rows(conn, s.communities, "row_id", mapping, emails, True)
        out.rows["activity"] = _json_rows(conn, s.activity, "row_id", mapping, emails, False)
        out.rows["journal"] = _journal(conn, mapping, emails)
        out.rows["runs"] = _runs(conn, mapping, emails)
        conn.execute(
            insert(s.erasures).values(
                id=uuid.uuid4().hex,
                at=utcnow(),
                actor=actor,
                token=token,
                principals=len(mapping),
                rows=out.rows,
                reason=reason,
            )
        )
    return out


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

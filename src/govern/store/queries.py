"""Reading the inventory: state now or at any snapshot, one community's history, and diffs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select

from govern.errors import StoreError
from govern.model import Activity, Community, Grant, Membership, Principal, Role, Snapshot
from govern.store import schema as s
from govern.store.store import Store
from govern.store.writer import parse_time


def _valid(table: Table, seq: int | None) -> ColumnElement[bool]:
    """Rows valid now (seq None) or at snapshot ``seq``."""
    if seq is None:
        return table.c.valid_to.is_(None)
    return and_(table.c.valid_from <= seq, or_(table.c.valid_to.is_(None), table.c.valid_to > seq))


def _scope_filter(store: Store, table: Table, connector: str | None) -> list[ColumnElement[bool]]:
    if connector is None:
        return []
    ids = list(store.scope_ids(connector))
    return [table.c.scope_id.in_(ids)]


def _state(
    store: Store, table: Table, connector: str | None, at: Snapshot | None
) -> list[ColumnElement[bool]]:
    """Rows of ``connector`` now, or rows of ``at``'s own scope as that snapshot saw them."""
    if at is None:
        return [*_scope_filter(store, table, connector), _valid(table, None)]
    ids = [i for i, key in store.scope_ids(at.connector).items() if key == (at.connector, at.scope)]
    return [table.c.scope_id.in_(ids), _valid(table, at.seq)]


def principals(
    store: Store, *, connector: str | None = None, at: Snapshot | None = None
) -> Iterator[Principal]:
    """Principals as of now, or as of snapshot ``at`` (within that snapshot's scope)."""
    t = s.principals
    conds = _state(store, t, connector, at)
    with store._connect() as conn:
        for row in conn.execution_options(yield_per=5000).execute(select(t.c.data).where(*conds)):
            yield Principal.model_validate(_json(row.data))


def communities(
    store: Store, *, connector: str | None = None, at: Snapshot | None = None
) -> Iterator[Community]:
    """Communities as of now, or as of snapshot ``at``."""
    t = s.communities
    conds = _state(store, t, connector, at)
    with store._connect() as conn:
        for row in conn.execution_options(yield_per=5000).execute(select(t.c.data).where(*conds)):
            yield Community.model_validate(_json(row.data))


def community(store: Store, community_id: str) -> Community:
    """The current state of one community (or its last known state if it is gone)."""
    t = s.communities
    with store._connect() as conn:
        row = conn.execute(
            select(t.c.data).where(t.c.id == community_id).order_by(t.c.valid_from.desc()).limit(1)
        ).first()
    if row is None:
        raise StoreError(
            f"community {community_id} is not in the inventory; `govern inventory list` shows ids"
        )
    return Community.model_validate(_json(row.data))


GrantRow = tuple[str, str, str, datetime | None, str | None, str | None]
"""(community_id, principal_id, role, since, added_by, source): grants without model objects."""


def grant_rows(
    store: Store,
    *,
    community_id: str | None = None,
    connector: str | None = None,
    at: Snapshot | None = None,
) -> Iterator[GrantRow]:
    """Grants as plain tuples, for code that reads millions of them (evaluation, reports)."""
    t = s.grants
    conds = _state(store, t, connector, at)
    if community_id is not None:
        conds.append(t.c.community_id == community_id)
    q = select(
        t.c.community_id, t.c.principal_id, t.c.role, t.c.since, t.c.added_by, t.c.source
    ).where(*conds)
    with store._connect() as conn:
        naive = conn.dialect.name == "sqlite"
        for r in conn.execution_options(yield_per=20000).execute(q):
            since = r[3]
            if naive and since is not None:
                since = since.replace(tzinfo=UTC)
            yield (r[0], r[1], r[2], since, r[4], r[5])


def grants(
    store: Store,
    *,
    community_id: str | None = None,
    connector: str | None = None,
    at: Snapshot | None = None,
) -> Iterator[Grant]:
    """Grants as of now or as of snapshot ``at``, optionally of one community."""
    roles = {r.value: r for r in Role}
    for c, p, role, since, added_by, source in grant_rows(
        store, community_id=community_id, connector=connector, at=at
    ):
        # Rows were validated when written; skip re-validation for speed.
        yield Grant.model_construct(
            community_id=c,
            principal_id=p,
            role=roles[role],
            since=since,
            added_by=added_by,
            source=source,
        )


def memberships(store: Store, *, connector: str | None = None) -> Iterator[Membership]:
    """Current directory group memberships."""
    t = s.memberships
    conds = _scope_filter(store, t, connector) + [_valid(t, None)]
    with store._connect() as conn:
        for r in conn.execute(select(t.c.group_id, t.c.member_id).where(*conds)):
            yield Membership.model_construct(group_id=r.group_id, member_id=r.member_id)


def activity(store: Store, community_id: str) -> list[tuple[int, Activity]]:
    """Every activity report of one community, with the snapshot seq it came with."""
    t = s.activity
    with store._connect() as conn:
        rows = conn.execute(
            select(t.c.snapshot_seq, t.c.data)
            .where(t.c.community_id == community_id)
            .order_by(t.c.snapshot_seq)
        ).all()
    return [(r.snapshot_seq, Activity.model_validate(_json(r.data))) for r in rows]


@dataclass(frozen=True)
class HistoryPoint:
    """One community as one snapshot saw it."""

    seq: int
    at: datetime
    present: bool
    owners: int
    members: int
    guests: int
    viewers: int
    activity: dict[str, Activity] = field(default_factory=dict)


@dataclass(frozen=True)
class CommunityHistory:
    """A community over time: the figures growth and virality are measured from."""

    community: Community
    points: list[HistoryPoint]


def community_history(store: Store, community_id: str) -> CommunityHistory:
    """Owners, members, guests and activity of one community at every snapshot of its scope."""
    current = community(store, community_id)
    t, c = s.grants, s.communities
    with store._connect() as conn:
        scope_id = conn.execute(
            select(c.c.scope_id).where(c.c.id == community_id).limit(1)
        ).scalar_one()
        spans = conn.execute(
            select(c.c.valid_from, c.c.valid_to).where(c.c.id == community_id)
        ).all()
        rows = conn.execute(
            select(t.c.principal_id, t.c.role, t.c.valid_from, t.c.valid_to).where(
                t.c.community_id == community_id
            )
        ).all()
        snaps = conn.execute(
            select(s.snapshots.c.seq, s.snapshots.c.started_at, s.snapshots.c.data)
            .where(s.snapshots.c.scope_id == scope_id)
            .order_by(s.snapshots.c.seq)
        ).all()
        guest_ids = {
            r.id
            for r in conn.execute(
                select(s.principals.c.id).where(
                    s.principals.c.scope_id == scope_id,
                    s.principals.c.kind == "guest",
                    s.principals.c.id.in_({r.principal_id for r in rows}),
                )
            )
        }
    reports: dict[int, dict[str, Activity]] = {}
    for seq, a in activity(store, community_id):
        reports.setdefault(seq, {})[a.period] = a

    def alive(vf: int, vt: int | None, seq: int) -> bool:
        return vf <= seq and (vt is None or vt > seq)

    points = []
    for snap in snaps:
        seq = snap.seq
        roles: Counter[str] = Counter()
        guests = set()
        for r in rows:
            if alive(r.valid_from, r.valid_to, seq):
                roles[r.role] += 1
                if r.principal_id in guest_ids or r.role == Role.GUEST.value:
                    guests.add(r.principal_id)
        points.append(
            HistoryPoint(
                seq=seq,
                at=_observed(snap),
                present=any(alive(vf, vt, seq) for vf, vt in spans),
                owners=roles["owner"],
                members=roles["member"],
                guests=len(guests),
                viewers=roles["viewer"],
                activity=reports.get(seq, {}),
            )
        )
    return CommunityHistory(current, points)


@dataclass
class SnapshotDiff:
    """What changed in one scope between two snapshots."""

    before: Snapshot
    after: Snapshot
    communities_added: list[str] = field(default_factory=list)
    communities_removed: list[str] = field(default_factory=list)
    communities_changed: list[str] = field(default_factory=list)
    grants_added: list[tuple[str, str, str]] = field(default_factory=list)
    grants_removed: list[tuple[str, str, str]] = field(default_factory=list)
    principals_added: list[str] = field(default_factory=list)
    principals_removed: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        """True when nothing changed."""
        return not any(
            getattr(self, f)
            for f in (
                "communities_added",
                "communities_removed",
                "communities_changed",
                "grants_added",
                "grants_removed",
                "principals_added",
                "principals_removed",
            )
        )


def diff(store: Store, before: Snapshot, after: Snapshot) -> SnapshotDiff:
    """The difference between two snapshots of the same connector scope."""
    if (before.connector, before.scope) != (after.connector, after.scope):
        raise StoreError(
            f"snapshots {before.seq} and {after.seq} are of different scopes "
            f"({before.connector}/{before.scope} vs {after.connector}/{after.scope}); "
            f"diff two snapshots of one scope"
        )
    if before.seq > after.seq:
        before, after = after, before
    out = SnapshotDiff(before, after)
    with store._connect() as conn:
        scope_id = conn.execute(
            select(s.snapshots.c.scope_id).where(s.snapshots.c.seq == after.seq)
        ).scalar_one()

        def state(table: Table, cols: list[str], seq: int) -> dict[tuple[Any, ...], Any]:
            fp = table.c.fp if "fp" in table.c else None
            q = select(*[table.c[k] for k in cols], *([fp] if fp is not None else [])).where(
                table.c.scope_id == scope_id, _valid(table, seq)
            )
            n = len(cols)
            return {tuple(r[:n]): (r[n] if fp is not None else None) for r in conn.execute(q)}

        for table, keys, added, removed, changed in (
            (
                s.communities,
                ["id"],
                out.communities_added,
                out.communities_removed,
                out.communities_changed,
            ),
            (s.principals, ["id"], out.principals_added, out.principals_removed, None),
        ):
            a, b = state(table, keys, before.seq), state(table, keys, after.seq)
            added.extend(sorted(k[0] for k in b.keys() - a.keys()))
            removed.extend(sorted(k[0] for k in a.keys() - b.keys()))
            if changed is not None:
                changed.extend(sorted(k[0] for k in a.keys() & b.keys() if a[k] != b[k]))
        gk = ["community_id", "principal_id", "role"]
        ga, gb = state(s.grants, gk, before.seq), state(s.grants, gk, after.seq)
        out.grants_added = sorted(gb.keys() - ga.keys())
        out.grants_removed = sorted(ga.keys() - gb.keys())
    return out


def _observed(row: Any) -> datetime:
    observed = (_json(row.data) or {}).get("observed_at")
    if observed:
        return datetime.fromisoformat(observed)
    started: datetime = parse_time(row.started_at) or row.started_at
    return started


def _json(value: Any) -> Any:
    # Some drivers hand JSON back as text when it was inserted through a cast.
    if isinstance(value, str):
        import json

        return json.loads(value)
    return value


@dataclass
class GrantCounts:
    """How many current grants of each role a community has, and how many go to guests."""

    by_role: Counter[Role] = field(default_factory=Counter)
    guests: int = 0
    """Grants held by guest accounts or in the guest role (a guest member counts here too)."""

    def of(self, role: Role) -> int:
        """Grants in one role."""
        return self.by_role[role]


def grant_counts(store: Store, *, connector: str | None = None) -> dict[str, GrantCounts]:
    """Current grants per role, and guests, per community, counted in the database."""
    g, p = s.grants, s.principals
    q = (
        select(g.c.community_id, g.c.role, p.c.kind, func.count())
        .select_from(
            g.outerjoin(
                p,
                and_(
                    p.c.id == g.c.principal_id, p.c.scope_id == g.c.scope_id, p.c.valid_to.is_(None)
                ),
            )
        )
        .where(g.c.valid_to.is_(None), *_scope_filter(store, g, connector))
        .group_by(g.c.community_id, g.c.role, p.c.kind)
    )
    out: dict[str, GrantCounts] = {}
    with store._connect() as conn:
        for community_id, role, kind, n in conn.execute(q):
            c = out.setdefault(community_id, GrantCounts())
            c.by_role[Role(role)] += n
            if kind == "guest" or role == Role.GUEST.value:
                c.guests += n
    return out


def community_id_for(store: Store, ref: str) -> str:
    """The id of a community named by its id or by its path (``m365/<tenant>/team/x``)."""
    t = s.communities
    with store._connect() as conn:
        if conn.execute(select(t.c.id).where(t.c.id == ref).limit(1)).first() is not None:
            return ref
        q = select(t.c.id).where(t.c.data["path"].as_string() == ref)
        found = sorted({str(r.id) for r in conn.execute(q)})
    if len(found) == 1:
        return found[0]
    if found:
        raise StoreError(
            f"community path {ref} names {len(found)} communities ({', '.join(found)}); "
            f"give one of those ids"
        )
    raise StoreError(
        f"community {ref} is not in the inventory (neither an id nor a path); "
        f"`govern inventory list` shows paths, `--format csv` or `json` ids too"
    )


def principal_labels(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """What people read for principals: email, else display name, else the id itself."""
    wanted = sorted(set(ids))
    out = {pid: pid for pid in wanted}
    t = s.principals
    with store._connect() as conn:
        for i in range(0, len(wanted), 500):
            q = select(t.c.id, t.c.email, t.c.data).where(
                t.c.valid_to.is_(None), t.c.id.in_(wanted[i : i + 500])
            )
            for r in conn.execute(q):
                data = _json(r.data) or {}
                out[r.id] = r.email or data.get("email") or data.get("display_name") or r.id
    return out


def community_paths(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Paths of communities by id (their last known path; the id where none is known)."""
    wanted = sorted(set(ids))
    out = {cid: cid for cid in wanted}
    t = s.communities
    with store._connect() as conn:
        for i in range(0, len(wanted), 500):
            q = select(t.c.id, t.c.data).where(t.c.id.in_(wanted[i : i + 500]))
            for r in conn.execute(q.order_by(t.c.valid_from)):
                out[r.id] = (_json(r.data) or {}).get("path") or r.id
    return out

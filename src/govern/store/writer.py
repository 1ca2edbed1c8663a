"""Writing one snapshot in one transaction.

The writer is the :class:`~govern.connector.DiscoverySink` a connector streams into. Records are
staged in temporary tables in batches; ``finish`` turns the staged state into validity intervals
with a few set-based statements, and the caller commits. Anything that goes wrong before the
commit rolls back and leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    and_,
    cast,
    exists,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)

from govern.model import (
    Activity,
    Community,
    Grant,
    Membership,
    Principal,
    Role,
    Snapshot,
    SnapshotCounts,
    SnapshotMode,
    utcnow,
)
from govern.store import keys, settle
from govern.store import schema as s
from govern.store.staging import (
    STAGES,
    stage_communities,
    stage_grants,
    stage_marks,
    stage_memberships,
    stage_principals,
    upsert_sql,
)

BATCH = 5000


def _grant_fp(g: Grant) -> str:
    return _fp_of(g.since, g.added_by, g.source)


def _fp_of(since: datetime | None, added_by: str | None, source: str | None) -> str:
    # Cheap on purpose (millions of grants pass through here in a large run), and deterministic
    # across processes, unlike hash().
    raw = f"{since.isoformat() if since else ''}|{added_by or ''}|{source or ''}".encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


_PLAIN_FP: dict[str | None, str] = {}
"""Fingerprint of a grant without join facts, by source: most grants, and the same few values."""


def _plain_fp(source: str | None) -> str:
    fp = _PLAIN_FP.get(source)
    if fp is None:
        fp = _PLAIN_FP[source] = _fp_of(None, None, source)
    return fp


class SnapshotWriter:
    """Stages one discovery run and writes it as one snapshot."""

    def __init__(
        self,
        conn: Connection,
        snapshot: Snapshot,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.conn = conn
        self.scope_id = 0  # known when the run is written (see finish)
        self.mode = snapshot.mode
        self.started_at = snapshot.started_at
        self.snapshot_id = snapshot.id
        self._incomplete: list[str] = list(snapshot.incomplete)
        self._tokens: dict[str, str] = dict(snapshot.delta_tokens)
        self._stats: dict[str, Any] = dict(snapshot.stats)
        # Rows are tuples in the staging table's column order, built once where they are staged.
        self._buffers: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in STAGES}
        self._activity: list[Activity] = []
        self._log = log or (lambda m: print(m, file=sys.stderr))
        self.counts = SnapshotCounts()
        self._observed: datetime | None = snapshot.observed_at
        self.result: Snapshot | None = None
        """The written snapshot, set once the transaction has committed."""
        for table in STAGES:
            table.drop(conn, checkfirst=True)
            table.create(conn)

    # --- DiscoverySink ---------------------------------------------------------------------
    def principal(self, principal: Principal) -> None:
        """Stage a principal."""
        self.counts.principals += 1
        data = principal.model_dump_json()
        self._add(
            stage_principals,
            id=principal.id,
            fp=principal.fingerprint(),
            kind=principal.kind.value,
            email=principal.email,
            department=principal.department,
            data=data,
        )

    def community(self, community: Community) -> None:
        """Stage a community."""
        self.counts.communities += 1
        self._add(
            stage_communities,
            id=community.id,
            fp=community.fingerprint(),
            data=community.model_dump_json(),
        )

    def grant(self, grant: Grant) -> None:
        """Stage a grant."""
        self.counts.grants += 1
        since, added_by, source = grant.since, grant.added_by, grant.source
        fp = _plain_fp(source) if since is None and added_by is None else _grant_fp(grant)
        key = (grant.community_id, grant.principal_id, grant.role.value)
        self._append(stage_grants, (*key, fp, since, added_by, source))

    def grants(
        self, community_id: str, role: Role, principal_ids: Sequence[str], source: str | None
    ) -> None:
        """Stage grants of one role in one community (a page of members), one per principal."""
        if not principal_ids:
            return
        self.counts.grants += len(principal_ids)
        buf = self._buffers[stage_grants.name]
        # zip builds the rows in C: a Python loop per grant cost as much as the insert.
        buf.extend(
            zip(
                repeat(community_id),
                principal_ids,
                repeat(role.value),
                repeat(_plain_fp(source)),
                repeat(None),
                repeat(None),
                repeat(source),
            )
        )
        if len(buf) >= BATCH:
            self._flush(stage_grants)

    def membership(self, membership: Membership) -> None:
        """Stage a group membership."""
        self._add(stage_memberships, group_id=membership.group_id, member_id=membership.member_id)

    def activity(self, activity: Activity) -> None:
        """Keep an activity report row (append-only, per snapshot)."""
        self._activity.append(activity)

    def restate(self, community_id: str) -> None:
        """Every grant of this community is given in this run."""
        self._mark("restate", community_id)

    def keep_grants(self, community_id: str) -> None:
        """The community's grants were not read: those stored stay, full run or not."""
        self._mark("keep", community_id)

    def remove_community(self, community_id: str) -> None:
        """The community is gone."""
        self._mark("community", community_id)

    def remove_principal(self, principal_id: str) -> None:
        """The principal is gone."""
        self._mark("principal", principal_id)

    def remove_grant(self, community_id: str, principal_id: str, role: str) -> None:
        """The grant is gone."""
        self._mark("grant", community_id, principal_id, role)

    def remove_membership(self, group_id: str, member_id: str) -> None:
        """The membership is gone."""
        self._mark("membership", group_id, member_id)

    def incomplete(self, part: str, reason: str) -> None:
        """Record a part not read, and say so."""
        line = f"{part}: {reason}"
        if line not in self._incomplete:
            self._incomplete.append(line)
            self._log(f"warning: {line}")

    def delta_token(self, name: str, token: str) -> None:
        """Keep a delta token for the next run."""
        self._tokens[name] = token

    def observed_at(self, when: datetime) -> None:
        """Keep the tool's clock at discovery."""
        self._observed = when

    def stat(self, name: str, value: Any) -> None:
        """Record a figure of the run's cost."""
        self._stats[name] = value

    def log(self, message: str) -> None:
        """Pass a progress message on."""
        self._log(message)

    # --- staging ---------------------------------------------------------------------------
    def _mark(self, kind: str, k1: str, k2: str = "", k3: str = "") -> None:
        self._add(stage_marks, kind=kind, k1=k1, k2=k2, k3=k3)

    def _add(self, table: Table, **row: Any) -> None:
        self._append(table, tuple(row[c.name] for c in table.columns))

    def _append(self, table: Table, row: tuple[Any, ...]) -> None:
        buf = self._buffers[table.name]
        buf.append(row)
        if len(buf) >= BATCH:
            self._flush(table)

    def _flush(self, table: Table) -> None:
        buf = self._buffers[table.name]
        if not buf:
            return
        keys = [c.name for c in table.primary_key.columns]
        cols = [c.name for c in table.columns]
        # Last write wins for a key seen twice (delta pages repeat objects): the upsert runs
        # row by row in order, so a later row overwrites an earlier one. Straight to the
        # driver: SQLAlchemy's per-row parameter processing cost more than the database itself
        # for millions of grants.
        sql = upsert_sql(self.conn.dialect.name, table.name, cols, keys)
        self.conn.exec_driver_sql(sql, buf)
        buf.clear()

    # --- finishing -------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every buffered record to the staging tables."""
        for table in STAGES:
            self._flush(table)

    def discard(self) -> None:
        """Drop the staging tables of a run that will not be written."""
        for table in STAGES:
            table.drop(self.conn, checkfirst=True)

    def finish(self, seq: int, scope_id: int) -> Snapshot:
        """Turn the staged run into validity intervals at snapshot ``seq`` of scope ``scope_id``."""
        self.flush()
        # What was read, once per key: a record written twice (delta pages repeat objects, a
        # connector restamps a grant once it learns its join) is one record seen.
        for kind, table in (
            ("principals", stage_principals),
            ("communities", stage_communities),
            ("grants", stage_grants),
        ):
            self.counts[kind] = self.conn.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
        self.scope_id = scope_id
        full = self.mode is SnapshotMode.FULL
        self._finish_principals(seq, full)
        self._finish_communities(seq, full)
        self._finish_grants(seq, full)
        self._finish_memberships(seq, full)
        if self._activity:
            settle.insert_activity(self.conn, seq, self._activity)
        for table in STAGES:
            table.drop(self.conn)
        return Snapshot(
            id=self.snapshot_id,
            seq=seq,
            connector="",
            scope="",
            mode=self.mode,
            started_at=self.started_at,
            finished_at=utcnow(),
            observed_at=self._observed,
            complete=not self._incomplete,
            incomplete=self._incomplete,
            delta_tokens=self._tokens,
            stats={**self._stats, **self.counts.as_stats()},
        )

    def _marked(self, kind: str, *cols: Any) -> Any:
        m = stage_marks.c
        conds = [m.kind == kind] + [getattr(m, f"k{i + 1}") == col for i, col in enumerate(cols)]
        return exists().where(and_(*conds))

    def _close(self, table: Table, seq: int, condition: Any) -> None:
        self.conn.execute(
            update(table)
            .where(table.c.scope_id == self.scope_id, table.c.valid_to.is_(None), condition)
            .values(valid_to=seq)
        )

    def _insert_new(
        self,
        table: Table,
        stage: Table,
        cols: list[str],
        keys: list[str],
        seq: int,
        computed: dict[str, Any] | None = None,
    ) -> None:
        """Insert the staged rows that have no current row of the same key.

        ``computed``: more columns, as expressions over the staged row.
        """
        more = computed or {}
        t = table
        current = exists().where(
            t.c.scope_id == self.scope_id,
            t.c.valid_to.is_(None),
            *[t.c[k] == stage.c[k] for k in keys],
        )
        src = select(
            *[self._column(stage, c) for c in cols],
            *[value.label(name) for name, value in more.items()],
            _literal(self.scope_id).label("scope_id"),
            _literal(seq).label("valid_from"),
        ).where(not_(current))
        names = [*cols, *more, "scope_id", "valid_from"]
        self.conn.execute(insert(t).from_select(names, src))

    def _column(self, stage: Table, name: str) -> Any:
        # Staged data is JSON text; PostgreSQL wants it cast to JSONB, SQLite stores text as is.
        if name == "data" and self.conn.dialect.name == "postgresql":
            return cast(stage.c[name], s.Json).label(name)
        return stage.c[name]

    def _finish_principals(self, seq: int, full: bool) -> None:
        t, st = s.principals, stage_principals
        same = exists().where(st.c.id == t.c.id, st.c.fp == t.c.fp)
        if full:
            # A principal holding a grant of a community whose grants were not read stays, as
            # the grant does (see keep_grants).
            g = s.grants
            holds_kept = exists().where(
                g.c.scope_id == self.scope_id,
                g.c.valid_to.is_(None),
                g.c.principal_id == t.c.id,
                self._marked("keep", g.c.community_id),
            )
            staged = exists().where(st.c.id == t.c.id)
            self._close(t, seq, and_(not_(same), or_(staged, not_(holds_kept))))
        else:
            settle.close_entities(self.conn, t, self.scope_id, seq)
        self._insert_new(t, st, ["id", "fp", "kind", "email", "department", "data"], ["id"], seq)

    def _finish_communities(self, seq: int, full: bool) -> None:
        t, st = s.communities, stage_communities
        same = exists().where(st.c.id == t.c.id, st.c.fp == t.c.fp)
        if full:
            self._close(t, seq, not_(same))
        else:
            settle.close_entities(self.conn, t, self.scope_id, seq)
        self._insert_new(t, st, ["id", "fp", "data"], ["id"], seq)

    def _finish_grants(self, seq: int, full: bool) -> None:
        t, st = s.grants, stage_grants
        knows_less = settle.grant_knows_less()
        same = exists().where(
            st.c.community_id == t.c.community_id,
            st.c.principal_id == t.c.principal_id,
            st.c.role == t.c.role,
            or_(st.c.fp == t.c.fp, knows_less),
        )
        if full:
            self._close(t, seq, and_(not_(same), not_(self._marked("keep", t.c.community_id))))
        else:
            settle.close_grants(self.conn, self.scope_id, seq)
        grant_key = ["community_id", "principal_id", "role"]
        holder, adder = st.c.principal_id, st.c.added_by
        keys.ensure(self.conn, [holder, adder])
        self._insert_new(
            t,
            st,
            ["community_id", "principal_id", "role", "fp", "since", "added_by", "source"],
            grant_key,
            seq,
            {"principal_key": keys.key_of(holder), "added_by_key": keys.key_of(adder)},
        )

    def _finish_memberships(self, seq: int, full: bool) -> None:
        t, st = s.memberships, stage_memberships
        same = exists().where(st.c.group_id == t.c.group_id, st.c.member_id == t.c.member_id)
        if full:
            self._close(t, seq, not_(same))
        else:
            settle.close_memberships(self.conn, self.scope_id, seq)
        self._insert_new(t, st, ["group_id", "member_id"], ["group_id", "member_id"], seq)


def _literal(value: int) -> Any:
    from sqlalchemy import literal

    return literal(value, Integer)


def parse_time(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything govern stores is UTC."""
    from datetime import UTC

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value

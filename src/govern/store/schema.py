"""The store's tables, as the newest migration leaves them.

History is kept as validity intervals: a row is valid from the snapshot that first saw it
(``valid_from``, a snapshot ``seq``) until the snapshot that saw it change or go (``valid_to``,
NULL while current). A run that changes nothing writes nothing but its snapshot row, so history
costs what changed, not what exists, and "state at snapshot N" is one range condition.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# JSONB on PostgreSQL for compact storage; plain JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for large stores.
RowId = BigInteger().with_variant(Integer(), "sqlite")

scopes = Table(
    "scopes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connector", String(64), nullable=False),
    Column("scope", String(512), nullable=False),
    UniqueConstraint("connector", "scope", name="uq_scopes"),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("complete", Boolean, nullable=False),
    Column("data", Json, nullable=False),
    Index("ix_snapshots_scope", "scope_id", "seq"),
)

principals = Table(
    "principals",
    metadata,
    Column("row_id", RowId, primary_key=True, autoincrement=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("id", String(512), nullable=False),
    Column("fp", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("email", String(320)),
    Column("department", String(256)),
    Column("data", Json, nullable=False),
    Column("valid_from", Integer, nullable=False),
    Column("valid_to", Integer),
    Index("ix_principals_current", "scope_id", "id", "valid_to"),
    Index("ix_principals_email", "email"),
)

communities = Table(
    "communities",
    metadata,
    Column("row_id", RowId, primary_key=True, autoincrement=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("id", String(512), nullable=False),
    Column("fp", String(32), nullable=False),
    Column("data", Json, nullable=False),
    Column("valid_from", Integer, nullable=False),
    Column("valid_to", Integer),
    Index("ix_communities_current", "scope_id", "id", "valid_to"),
)

principal_keys = Table(
    "principal_keys",
    metadata,
    Column("key", Integer, primary_key=True, autoincrement=True),
    Column("id", String(512), nullable=False, unique=True),
)
"""One small integer per principal id that a grant names (holder or adder), for ever.

The grants carry it beside the ids (``principal_key``, ``added_by_key``, kept by the writer and
by erasure), so a whole-inventory read gets integers: the shadow-IT report turns two million
member ids into list positions instead of looking fresh strings up among 200,000.
"""

grants = Table(
    "grants",
    metadata,
    Column("row_id", RowId, primary_key=True, autoincrement=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("community_id", String(512), nullable=False),
    Column("principal_id", String(512), nullable=False),
    Column("role", String(16), nullable=False),
    Column("fp", String(32), nullable=False),
    Column("since", DateTime(timezone=True)),
    Column("added_by", String(512)),
    Column("source", Text),
    Column("valid_from", Integer, nullable=False),
    Column("valid_to", Integer),
    Column("principal_key", Integer),
    Column("added_by_key", Integer),
    Index("ix_grants_current", "scope_id", "community_id", "principal_id", "role", "valid_to"),
    Index("ix_grants_community", "community_id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("row_id", RowId, primary_key=True, autoincrement=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("group_id", String(512), nullable=False),
    Column("member_id", String(512), nullable=False),
    Column("valid_from", Integer, nullable=False),
    Column("valid_to", Integer),
    Index("ix_memberships_current", "scope_id", "group_id", "member_id", "valid_to"),
)

activity = Table(
    "activity",
    metadata,
    Column("row_id", RowId, primary_key=True, autoincrement=True),
    Column("snapshot_seq", Integer, ForeignKey("snapshots.seq"), nullable=False),
    Column("community_id", String(512), nullable=False),
    Column("period", String(16), nullable=False),
    Column("data", Json, nullable=False),
    Index("ix_activity_community", "community_id", "snapshot_seq"),
)

VERSIONED = (principals, communities, grants, memberships)
"""Tables kept as validity intervals."""

runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("plan_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False),
    Column("plan", Json, nullable=False),
    Column("summary", Json, nullable=False),
    Index("ix_runs_plan", "plan_id"),
)
"""One application of one plan; applying the same plan again resumes it."""

journal = Table(
    "journal",
    metadata,
    Column("seq", RowId, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("runs.id"), nullable=False),
    Column("change_id", String(128), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("before", Json),
    Column("after", Json),
    Column("message", Text, nullable=False),
    Index("ix_journal_run", "run_id", "change_id"),
)
"""Append-only: a row per phase of a change (intent before, result after)."""

erasures = Table(
    "erasures",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("token", String(64), nullable=False),
    Column("principals", Integer, nullable=False),
    Column("rows", Json, nullable=False),
    Column("reason", Text, nullable=False),
)
"""Audit trail of `govern inventory forget`: who erased a person when; never the person."""

fleet_runs = Table(
    "govern_fleet_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(200), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("job_id", Integer),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(200)),
    Column("round", String(100)),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("snapshot_seq", Integer),
    Column("error", Text),
    Column("summary", JSON),
)
"""One row per attempt of a fleet job on a tenant (``govern.fleet.runs``); plain JSON, as the
fleet's first release created it, so stores made then match without a rewrite."""

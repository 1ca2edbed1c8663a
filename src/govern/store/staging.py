"""The temporary tables a discovery run is staged in before it is written as a snapshot.

Staging keeps a run out of the store until it is complete: records land here in batches (the
last write of a key wins, as delta pages repeat objects), and the writer turns them into
validity intervals in a few set-based statements under the store's write lock.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

stage_md = MetaData()
stage_principals = Table(
    "stage_principals",
    stage_md,
    Column("id", String(512), primary_key=True),
    Column("fp", String(32)),
    Column("kind", String(16)),
    Column("email", String(320)),
    Column("department", String(256)),
    Column("data", Text),
    prefixes=["TEMPORARY"],
)
stage_communities = Table(
    "stage_communities",
    stage_md,
    Column("id", String(512), primary_key=True),
    Column("fp", String(32)),
    Column("data", Text),
    prefixes=["TEMPORARY"],
)
stage_grants = Table(
    "stage_grants",
    stage_md,
    Column("community_id", String(512), primary_key=True),
    Column("principal_id", String(512), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("fp", String(32)),
    Column("since", DateTime(timezone=True)),
    Column("added_by", String(512)),
    Column("source", Text),
    prefixes=["TEMPORARY"],
)
stage_memberships = Table(
    "stage_memberships",
    stage_md,
    Column("group_id", String(512), primary_key=True),
    Column("member_id", String(512), primary_key=True),
    prefixes=["TEMPORARY"],
)
# Removals and restatements of incremental runs: kind is principal, community, grant, membership
# or restate; k1..k3 hold the key. Kind keep (any run): a community whose grants were not read.
stage_marks = Table(
    "stage_marks",
    stage_md,
    Column("kind", String(16), primary_key=True),
    Column("k1", String(512), primary_key=True),
    Column("k2", String(512), primary_key=True),
    Column("k3", String(16), primary_key=True),
    prefixes=["TEMPORARY"],
)
STAGES = (stage_principals, stage_communities, stage_grants, stage_memberships, stage_marks)


def upsert_sql(dialect: str, table: str, cols: list[str], keys: list[str]) -> str:
    """INSERT ... ON CONFLICT DO UPDATE (last write wins), in the driver's parameter style."""
    mark = "%s" if dialect == "postgresql" else "?"
    others = [c for c in cols if c not in keys]
    action = (
        "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others)
        if others
        else "DO NOTHING"
    )
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))}) "
        f"ON CONFLICT ({', '.join(keys)}) {action}"
    )

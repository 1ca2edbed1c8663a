"""Initial schema: scopes, snapshots, and the versioned inventory tables."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _versioned(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("row_id", RowId, primary_key=True, autoincrement=True),
        sa.Column("scope_id", sa.Integer, sa.ForeignKey("scopes.id"), nullable=False),
        *columns,
        sa.Column("valid_from", sa.Integer, nullable=False),
        sa.Column("valid_to", sa.Integer),
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "scopes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("connector", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(512), nullable=False),
        sa.UniqueConstraint("connector", "scope", name="uq_scopes"),
    )
    op.create_table(
        "snapshots",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("scope_id", sa.Integer, sa.ForeignKey("scopes.id"), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("data", Json, nullable=False),
    )
    op.create_index("ix_snapshots_scope", "snapshots", ["scope_id", "seq"])
    _versioned(
        "principals",
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("fp", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", Json, nullable=False),
    )
    op.create_index("ix_principals_current", "principals", ["scope_id", "id", "valid_to"])
    _versioned(
        "communities",
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("fp", sa.String(32), nullable=False),
        sa.Column("data", Json, nullable=False),
    )
    op.create_index("ix_communities_current", "communities", ["scope_id", "id", "valid_to"])
    _versioned(
        "grants",
        sa.Column("community_id", sa.String(512), nullable=False),
        sa.Column("principal_id", sa.String(512), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("fp", sa.String(32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True)),
        sa.Column("added_by", sa.String(512)),
        sa.Column("source", sa.Text),
    )
    op.create_index(
        "ix_grants_current",
        "grants",
        ["scope_id", "community_id", "principal_id", "role", "valid_to"],
    )
    op.create_index("ix_grants_community", "grants", ["community_id"])
    _versioned(
        "memberships",
        sa.Column("group_id", sa.String(512), nullable=False),
        sa.Column("member_id", sa.String(512), nullable=False),
    )
    op.create_index(
        "ix_memberships_current", "memberships", ["scope_id", "group_id", "member_id", "valid_to"]
    )
    op.create_table(
        "activity",
        sa.Column("row_id", RowId, primary_key=True, autoincrement=True),
        sa.Column("snapshot_seq", sa.Integer, sa.ForeignKey("snapshots.seq"), nullable=False),
        sa.Column("community_id", sa.String(512), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("data", Json, nullable=False),
    )
    op.create_index("ix_activity_community", "activity", ["community_id", "snapshot_seq"])

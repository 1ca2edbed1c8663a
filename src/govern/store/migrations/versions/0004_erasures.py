"""Erasures: the audit trail of ``govern inventory forget``.

One row per person forgotten: when, by whom, the anonymous token that replaced their ids, and how
many rows were rewritten. The person's name, email and ids are not kept (that is the point).
Existing data is untouched.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("principals", sa.Integer, nullable=False),
        sa.Column("rows", Json, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("erasures")

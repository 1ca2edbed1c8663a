"""Principals get email and department columns, so people can be matched across tools.

Existing rows are backfilled from their JSON data: an upgrade keeps and completes what is there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("principals") as batch:
        batch.add_column(sa.Column("email", sa.String(320)))
        batch.add_column(sa.Column("department", sa.String(256)))
    conn = op.get_bind()
    table = sa.table(
        "principals",
        sa.column("row_id", sa.Integer),
        sa.column("data", sa.JSON),
        sa.column("email", sa.String),
        sa.column("department", sa.String),
    )
    rows = conn.execute(sa.select(table.c.row_id, table.c.data)).all()
    for row_id, data in rows:
        conn.execute(
            table.update()
            .where(table.c.row_id == row_id)
            .values(email=(data.get("email") or None), department=data.get("department"))
        )
    op.create_index("ix_principals_email", "principals", ["email"])

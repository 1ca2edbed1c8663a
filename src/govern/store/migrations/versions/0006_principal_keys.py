"""Principal keys: one integer per principal id a grant names, carried by the grants.

``principal_keys`` maps each id to its key; ``grants.principal_key`` and ``grants.added_by_key``
hold the keys of the grant's holder and adder. Existing grants are backfilled, so an upgraded
store reads exactly as before; the writer keeps both in step from here on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "principal_keys",
        sa.Column("key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(512), nullable=False, unique=True),
    )
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("principal_key", sa.Integer))
        batch.add_column(sa.Column("added_by_key", sa.Integer))
    keys = sa.table("principal_keys", sa.column("key", sa.Integer), sa.column("id", sa.String))
    grants = sa.table(
        "grants",
        sa.column("principal_id", sa.String),
        sa.column("added_by", sa.String),
        sa.column("principal_key", sa.Integer),
        sa.column("added_by_key", sa.Integer),
    )
    named = sa.union(
        sa.select(grants.c.principal_id.label("id")),
        sa.select(grants.c.added_by).where(grants.c.added_by.is_not(None)),
    ).subquery()
    conn = op.get_bind()
    conn.execute(keys.insert().from_select(["id"], sa.select(named.c.id).order_by(named.c.id)))

    def key_of(column: sa.ColumnElement[str]) -> sa.ScalarSelect[int]:
        return sa.select(keys.c.key).where(keys.c.id == column).scalar_subquery()

    conn.execute(
        grants.update().values(
            principal_key=key_of(grants.c.principal_id), added_by_key=key_of(grants.c.added_by)
        )
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("added_by_key")
        batch.drop_column("principal_key")
    op.drop_table("principal_keys")

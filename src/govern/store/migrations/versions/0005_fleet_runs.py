"""Fleet runs: one row per attempt of a fleet job (discover, audit, plan, sync) on a tenant.

The fleet's first release created this table itself (``create_all``) outside the migrations; a
store made then already has it, with exactly these columns, so the table is only created where
it is missing. Existing data is untouched.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "govern_fleet_runs"


def upgrade() -> None:
    """Apply this revision."""
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return  # made by the fleet's first release; same columns and index
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("job_id", sa.Integer),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(200)),
        sa.Column("round", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("snapshot_seq", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("summary", sa.JSON),
    )
    op.create_index("ix_govern_fleet_runs_tenant", TABLE, ["tenant"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_govern_fleet_runs_tenant", table_name=TABLE)
    op.drop_table(TABLE)

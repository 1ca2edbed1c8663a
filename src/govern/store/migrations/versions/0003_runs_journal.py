"""Runs and their journal: every change applied, written before (intent) and after (result).

A run is one application of one plan; applying the same plan again resumes its run. The journal
is append-only: one row per phase of a change, so an interrupted run shows the intents that have
no result yet. Existing inventory data is untouched.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("plan", Json, nullable=False),
        sa.Column("summary", Json, nullable=False),
    )
    op.create_index("ix_runs_plan", "runs", ["plan_id"])
    op.create_table(
        "journal",
        sa.Column("seq", RowId, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("change_id", sa.String(128), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("before", Json),
        sa.Column("after", Json),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_journal_run", "journal", ["run_id", "change_id"])

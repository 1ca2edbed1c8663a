"""Schema migrations of the inventory store (alembic)."""

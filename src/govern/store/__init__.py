"""The inventory store: snapshots and the history of every community, through SQLAlchemy."""

from govern.store.queries import CommunityHistory, HistoryPoint, SnapshotDiff
from govern.store.store import Store
from govern.store.writer import SnapshotWriter

__all__ = ["CommunityHistory", "HistoryPoint", "SnapshotDiff", "SnapshotWriter", "Store"]

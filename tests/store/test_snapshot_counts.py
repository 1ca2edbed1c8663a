"""A snapshot's counts: typed fields, kept in its stats as before, each record counted once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from govern.model import Snapshot, SnapshotCounts
from govern.store import Store
from tests.factories import grant, person, team


def test_counts_are_read_back_typed_and_stored_as_stats(store: Store) -> None:
    alice, bob, hiking = person("alice"), person("bob"), team("hiking")
    with store.snapshot("m365", "contoso") as w:
        for p in (alice, bob, alice):  # a delta page repeating a record: one record seen
            w.principal(p)
        w.community(hiking)
        w.grant(grant(hiking, alice))
    assert w.result is not None
    assert w.result.counts == SnapshotCounts(principals=2, communities=1, grants=1)
    (kept,) = store.snapshots()
    assert kept.counts == SnapshotCounts(principals=2, communities=1, grants=1)
    assert {k: kept.stats[k] for k in ("principals_seen", "communities_seen", "grants_seen")} == {
        "principals_seen": 2,
        "communities_seen": 1,
        "grants_seen": 1,
    }


def test_a_snapshot_without_counts_reads_unknown_and_unknown_kinds_are_refused() -> None:
    # Written before govern kept its counts: unknown, never an empty read.
    assert SnapshotCounts.from_stats({}) is None
    assert SnapshotCounts.from_stats({"principals_seen": 3, "grants_seen": 1}) is None
    old = Snapshot(id="s", connector="m365", scope="contoso", started_at=datetime.now(UTC))
    assert old.count("grants") is None and old.count_text("grants") == "unknown"
    zero = SnapshotCounts().as_stats()
    assert SnapshotCounts.from_stats(zero) == SnapshotCounts()
    counts = SnapshotCounts()
    counts["grants"] = 4
    assert counts.as_stats()["grants_seen"] == 4
    with pytest.raises(KeyError):
        counts["guests"] = 1

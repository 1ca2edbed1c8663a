"""Running a connector's discovery into the store: one snapshot, one transaction.

A run is incremental when the connector's scope has a previous snapshot with delta tokens and the
caller did not ask for a full run; otherwise it is full. The connector streams into the store's
snapshot writer; if it raises (or the process dies), nothing of the run is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from govern.connector import Connector, DiscoveryRequest
from govern.model import Snapshot, SnapshotMode
from govern.progress import CountingSink, Progress
from govern.store import Store


@dataclass(frozen=True)
class DiscoveryOutcome:
    """The snapshot a run wrote, and how long it took."""

    snapshot: Snapshot
    seconds: float


def previous_snapshot(store: Store, connector: str, scope: str) -> Snapshot | None:
    """The newest snapshot of this connector scope, if any."""
    return store.latest().get((connector, scope))


def run_discovery(
    store: Store,
    connector: Connector,
    *,
    full: bool = False,
    log: Callable[[str], None] | None = None,
    directory_groups: Sequence[str] = (),
    progress: Progress | None = None,
) -> DiscoveryOutcome:
    """Discover one connector scope into the store and return the snapshot written.

    ``directory_groups`` names the directory groups the policies refer to (see
    :func:`govern.policy.groups.directory_group_names`), whose memberships the connector reads.
    With ``progress``, what the connector streams is counted there as it arrives.
    """
    scope = connector.scope()
    prev = previous_snapshot(store, connector.name, scope)
    incremental = not full and prev is not None and bool(prev.delta_tokens)
    request = DiscoveryRequest(
        scope=scope,
        delta_tokens=dict(prev.delta_tokens) if incremental and prev else {},
        full=not incremental,
        previous_tokens=dict(prev.delta_tokens) if prev else {},
        directory_groups=tuple(directory_groups),
    )
    mode = SnapshotMode.INCREMENTAL if incremental else SnapshotMode.FULL
    started = time.perf_counter()
    if progress is not None:
        progress.phase(f"{connector.name}/{scope}: {mode.value} discovery")
    with store.snapshot(connector.name, scope, mode, log=log) as writer:
        connector.discover(request, CountingSink(writer, progress) if progress else writer)
    seconds = time.perf_counter() - started
    assert writer.result is not None  # set when the transaction committed
    return DiscoveryOutcome(writer.result, seconds)

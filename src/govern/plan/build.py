"""Making a plan from the store: the latest inventory, the policies in force, the planner.

The plan records the policy revision and the snapshot of every scope it read, so apply can tell
when either has moved on. A plan is refused when a run changed the tools after the inventory was
read: the inventory would show grants that are no longer there, so discover first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from govern.errors import PlanError, StoreError
from govern.model import ChangeAction, JournalPhase, Plan, Snapshot, split_id
from govern.plan.journal import Journal
from govern.plan.names import readable_names
from govern.plan.needs import NeedsPerson
from govern.plan.planfile import new_plan
from govern.plan.planner import Planner
from govern.plan.scoped import scoped_inventory
from govern.store import Store


@dataclass
class Built:
    """A plan, with the notes for reviewers and readable names for its ids."""

    plan: Plan
    notes: list[NeedsPerson] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def build_plan(
    store: Store,
    policies_dir: Path,
    *,
    now: datetime,
    connectors: list[str] | None = None,
    supported: Mapping[str, frozenset[ChangeAction]] | None = None,
    scopes: Collection[tuple[str, str]] | None = None,
) -> Built:
    """Plan the latest inventory (of ``connectors``, or all) under the policies in a folder.

    With ``scopes`` ((connector, scope) pairs, e.g. one tenant of a fleet), only those scopes
    are read and planned: a store shared by many tenants of one connector plans one tenant.
    """
    from govern.policy.inventory import Inventory
    from govern.policy.repo import revision
    from govern.policy.validate import load_policies

    latest = {k: s for k, s in store.latest().items() if connectors is None or k[0] in connectors}
    if scopes is not None:
        _require_scopes(store, latest, scopes)
        latest = {k: s for k, s in latest.items() if k in set(scopes)}
    if not latest:
        which = f" of {', '.join(connectors)}" if connectors else ""
        raise StoreError(
            f"store {store.where} has no inventory{which}; run `govern discover` first"
        )
    _check_not_behind(store, latest)
    policies = load_policies(policies_dir)
    if scopes is not None:
        inventory = scoped_inventory(store, list(latest.values()))
    else:
        inventory = Inventory.from_store(
            store, connectors[0] if connectors and len(connectors) == 1 else None
        )
    if connectors and len(connectors) > 1:
        keep = set(connectors)
        inventory.communities = {
            k: v for k, v in inventory.communities.items() if v.connector in keep
        }
    result = Planner(policies, inventory, supported=supported).plan()
    snapshots = {f"{c}/{scope}": s.id for (c, scope), s in latest.items()}
    plan = new_plan(
        result.changes, policy=revision(policies_dir), snapshots=snapshots, created_at=now
    )
    names = readable_names(store, [*plan.changes, *result.notes])
    return Built(plan, result.notes, names)


def _require_scopes(
    store: Store, latest: Mapping[tuple[str, str], Snapshot], scopes: Collection[tuple[str, str]]
) -> None:
    missing = [f"{c}/{s}" for c, s in scopes if (c, s) not in latest]
    if missing:
        raise StoreError(
            f"store {store.where} has no inventory of {', '.join(missing)}; discover "
            f"{'it' if len(missing) == 1 else 'them'} first (`govern discover`, or a fleet's "
            f"`govern fleet run --job discover`)"
        )


def _check_not_behind(store: Store, latest: Mapping[tuple[str, str], Snapshot]) -> None:
    journal = Journal(store)
    snaps = list(latest.values())
    oldest = min(s.started_at for s in snaps)
    by_connector = {k[0]: s.started_at for k, s in latest.items()}
    for run in journal.runs_since(oldest):
        done = {
            e.change_id
            for e in journal.last_phases(run.id).values()
            if e.phase is JournalPhase.DONE
        }
        for change in run.plan.changes:
            connector = split_id(change.community_id)[0]
            read_at = by_connector.get(connector)
            if change.id in done and read_at is not None and run.started_at > read_at:
                raise PlanError(
                    f"run {run.id} changed {connector} after its inventory was read; run "
                    f"`govern discover` so the plan starts from what is there now"
                )

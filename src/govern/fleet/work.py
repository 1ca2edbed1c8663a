"""What one fleet job does on one tenant, independent of the queue that runs it.

``discover`` writes one snapshot of the tenant's scope (one transaction: a worker killed
mid-job leaves the store as it was); ``audit`` evaluates the tenant's current inventory under
its layered policies (base + overlay) and returns the finding counts the roll-up shows;
``plan`` plans the changes of that tenant's scope alone under the same policies and writes the
plan file (and its summary for people) under the state directory, changing nothing; ``sync`` is
discover, plan and audit, for the periodic schedule (a dry run: applying stays a reviewed step).
"""

from __future__ import annotations

import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.errors import StoreError
from govern.fleet.config import Tenant
from govern.registry import Registry
from govern.store import Store

KINDS = ("discover", "audit", "plan", "sync")

_POLICY_LOCK = threading.Lock()
"""One policy load and evaluation at a time per process: CPython 3.11's ``ast`` is not safe to
use from two threads at once (a worker with --concurrency runs jobs in threads; loading the
policies compiles expressions), and the evaluation is CPU-bound under the GIL anyway."""


@dataclass
class Outcome:
    """What a job did: the snapshot it wrote (if any) and a small summary for the roll-up."""

    snapshot_seq: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def run_job(
    store: Store,
    tenant: Tenant,
    registry: Registry,
    base_policies: Path,
    kind: str,
    *,
    full: bool = False,
    state_dir: Path | None = None,
) -> Outcome:
    """One job of ``kind`` on one tenant; the queue's workers and ``fleet run`` both call it.

    Plans are written under ``state_dir``/plans/fleet/<tenant id> (not written without one).
    """
    outcome = Outcome()
    if kind in ("discover", "sync"):
        outcome = discover(store, tenant, registry, full=full, policies=base_policies)
    if kind in ("plan", "sync"):
        planned = plan(store, tenant, registry, base_policies, state_dir=state_dir)
        outcome.summary["plan"] = planned.summary
        outcome.snapshot_seq = outcome.snapshot_seq or planned.snapshot_seq
    if kind in ("audit", "sync"):
        audited = audit(store, tenant, registry, base_policies)
        outcome.summary["audit"] = audited.summary
        outcome.snapshot_seq = outcome.snapshot_seq or audited.snapshot_seq
    return outcome


def discover(
    store: Store,
    tenant: Tenant,
    registry: Registry,
    *,
    full: bool = False,
    policies: Path | None = None,
) -> Outcome:
    """Discover the tenant into the store (incremental when a previous snapshot allows).

    With ``policies``, the directory groups they name (the steward pool) are read too, as
    ``govern discover`` does, so that steward pools resolve in fleet runs.
    """
    from govern.discovery import run_discovery
    from govern.policy.groups import directory_group_names

    named = directory_group_names(policies)
    connector = registry.get(tenant.connector)(tenant.settings)
    done = run_discovery(store, connector, full=full, directory_groups=named)
    snap = done.snapshot
    return Outcome(
        snapshot_seq=snap.seq,
        summary={
            "scope": snap.scope,
            "mode": str(snap.mode),
            "complete": snap.complete,
            "incomplete": list(snap.incomplete),
            "communities": snap.count("communities"),
            "principals": snap.count("principals"),
            "grants": snap.count("grants"),
            "requests": snap.stats.get("requests"),
            "seconds": round(done.seconds, 2),
        },
    )


def audit(store: Store, tenant: Tenant, registry: Registry, base_policies: Path) -> Outcome:
    """Findings of the tenant's current inventory under its layered policies, counted."""
    from govern.fleet.overlay import load_layered
    from govern.policy.audit import audit as run

    scope, snap = _latest(store, tenant, registry)
    with _POLICY_LOCK, tempfile.TemporaryDirectory(prefix=f"govern-{tenant.id}-") as work:
        policies = load_layered(base_policies, tenant.overlay, Path(work) / "policies")
        result = run(policies, tenant_inventory(store, snap))
    severities = Counter(str(f.severity) for f in result.findings)
    rules = Counter(f.rule_id for f in result.findings)
    return Outcome(
        snapshot_seq=snap.seq,
        summary={
            "scope": scope,
            "findings": len(result.findings),
            "by_severity": dict(severities),
            "top_rules": dict(rules.most_common(10)),
            "communities": result.communities,
            "grants": result.grants,
        },
    )


def plan(
    store: Store,
    tenant: Tenant,
    registry: Registry,
    base_policies: Path,
    *,
    state_dir: Path | None = None,
) -> Outcome:
    """Plan the tenant's scope alone under its layered policies; write the plan, change nothing."""
    from govern.fleet.overlay import load_layered
    from govern.model import utcnow
    from govern.plan.build import build_plan
    from govern.plan.planfile import write
    from govern.plan.summary import render
    from govern.private import open_private

    scope, snap = _latest(store, tenant, registry)
    cls = registry.get(tenant.connector)
    with _POLICY_LOCK, tempfile.TemporaryDirectory(prefix=f"govern-{tenant.id}-") as work:
        layered = Path(work) / "policies"
        load_layered(base_policies, tenant.overlay, layered)
        built = build_plan(
            store,
            layered,
            now=utcnow(),
            connectors=[tenant.connector],
            supported={tenant.connector: cls.supported_actions},
            scopes=[(tenant.connector, scope)],
        )
    changes = built.plan.changes
    summary: dict[str, Any] = {
        "scope": scope,
        "plan_id": built.plan.id,
        "changes": len(changes),
        "by_action": dict(Counter(c.action.value for c in changes)),
        "needs_person": len(built.notes),
    }
    if state_dir is not None:
        folder = state_dir / "plans" / "fleet" / tenant.id
        path = folder / f"plan-{built.plan.created_at:%Y%m%d-%H%M%S}-{built.plan.id}.json"
        write(built.plan, path)
        with open_private(path.with_suffix(".txt"), encoding="utf-8") as fh:  # names people
            fh.write(render(built.plan, built.names, built.notes))
        summary["plan_file"] = str(path.resolve())  # which host: the run row names the worker
    return Outcome(snapshot_seq=snap.seq, summary=summary)


def _latest(store: Store, tenant: Tenant, registry: Registry) -> tuple[str, Any]:
    """The tenant's scope and its newest snapshot, or a one-line error saying to discover."""
    scope = registry.get(tenant.connector)(tenant.settings).scope()
    snap = store.latest().get((tenant.connector, scope))
    if snap is None:
        raise StoreError(
            f"tenant '{tenant.id}' ({tenant.source}) has no snapshot yet; run "
            f"`govern fleet run --tenants {tenant.id} --job discover` first"
        )
    return scope, snap


def tenant_inventory(store: Store, snap: Any) -> Any:
    """The policy engine's inventory of one scope, as its newest snapshot saw it."""
    from govern.plan.scoped import scoped_inventory

    return scoped_inventory(store, [snap])

"""The fleet roll-up: per tenant what to adopt, migrate and archive, findings, last good run.

Read, never computed twice: the recommendations come from the shadow-IT report built once over
the whole shared store and grouped by tenant (a community's path names its tenant); the
findings are the counts the tenant's last successful audit recorded under its own layered
policies; last runs and failures come from the runs table. A tenant never audited has unknown
findings (None), not zero. Shadow apps and external networks that turn up in several tenants
are listed once with every tenant they are in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.fleet import runs
from govern.fleet.config import Fleet, Tenant
from govern.model import Snapshot, utcnow
from govern.registry import Registry
from govern.store import Store

if TYPE_CHECKING:
    from govern.virality.report import Report

ACTIONS = ("adopt", "migrate", "archive", "monitor")
SEVERITIES = ("critical", "high", "medium", "low", "info")
SPREADING = ("unsanctioned-app", "external-network")


@dataclass
class TenantRow:
    """One tenant's line of the roll-up."""

    tenant: str
    connector: str
    scope: str
    communities: int
    """Communities of the tenant in the shadow-IT report (grassroots, apps, networks)."""
    recommendations: dict[str, int]
    findings: dict[str, int] | None
    """Findings by severity from the last successful audit; None when never audited."""
    last_success: datetime | None
    last_success_kind: str | None
    age_hours: float | None
    failures: list[str] = field(default_factory=list)
    """One line per failed attempt since the last success, newest first."""
    incomplete: list[str] = field(default_factory=list)


@dataclass
class Spread:
    """One shadow app or external network found in several tenants."""

    name: str
    category: str
    tenants: list[str]
    members: int
    recommendations: dict[str, int]


@dataclass
class FleetReport:
    """The roll-up across every tenant of the fleet."""

    generated_at: datetime
    fleet_file: str
    tenants: list[TenantRow]
    spreading: list[Spread]
    totals: dict[str, int]
    notes: list[str] = field(default_factory=list)


Key = tuple[str, str]
"""(connector, scope): where a community or a snapshot belongs."""

Place = tuple[str, int, str | None]
"""(tenant scope, members, recommendation) of one sighting of a spreading community."""


@dataclass
class _Grouped:
    """The shadow-IT report's entries counted per tenant, and the spreading ones' sightings."""

    recommendations: dict[Key, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    communities: Counter[Key] = field(default_factory=Counter)
    seen: dict[tuple[str, str], dict[str, list[Place]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    """(category, folded name) -> name as written -> where it was seen."""


def build_rollup(
    store: Store, fleet: Fleet, registry: Registry, policies_dir: Path | None
) -> FleetReport:
    """Roll the fleet up from the store (reports, runs) and the fleet file (tenants)."""
    from govern.virality.build import build_report

    now = utcnow()
    notes: list[str] = []
    latest = store.latest()
    report = build_report(store, policies_dir=policies_dir) if latest else None
    grouped = _Grouped()
    if report is not None:
        grouped = _group(report)
        notes.append(
            "adopt/migrate/archive come from the shadow-IT report over the whole fleet: "
            "percentiles compare each community with every tenant's"
        )
    attempts = runs.latest_by_tenant(store)
    rows = [
        _tenant_row(tenant, registry, attempts, latest, grouped, now) for tenant in fleet.tenants
    ]
    return FleetReport(
        generated_at=now,
        fleet_file=str(fleet.path),
        tenants=rows,
        spreading=_spreading(grouped.seen),
        totals=_totals(rows),
        notes=notes,
    )


def _group(report: Report) -> _Grouped:
    """Count the report's communities and recommendations per tenant (its path names it)."""
    grouped = _Grouped()
    for e in report.entries:
        parts = e.path.split("/")
        key = (e.connector, parts[1] if len(parts) > 1 else "")
        grouped.communities[key] += 1
        if e.recommendation is not None:
            grouped.recommendations[key][str(e.recommendation)] += 1
        if e.category in SPREADING:
            members = _members(e)
            rec = str(e.recommendation) if e.recommendation else None
            place = (key[1], members, rec)
            grouped.seen[(e.category, e.name.strip().lower())][e.name].append(place)
    return grouped


def _tenant_row(
    tenant: Tenant,
    registry: Registry,
    attempts: dict[tuple[str, str], list[runs.Attempt]],
    latest: dict[Key, Snapshot],
    grouped: _Grouped,
    now: datetime,
) -> TenantRow:
    """One tenant's line: its report counts, last audit's findings, last success and failures."""
    scope = registry.get(tenant.connector)(tenant.settings).scope()
    key = (tenant.connector, scope)
    mine = {kind: rs for (t, kind), rs in attempts.items() if t == tenant.key}
    ok = [
        rs[-1] for rs in mine.values() if rs and rs[-1].status == runs.SUCCEEDED
    ]  # the success closing each kind's list
    last = max(ok, key=lambda r: r.finished_at or r.started_at, default=None)
    failures = sorted(
        (r for rs in mine.values() for r in rs if r.status == runs.FAILED),
        key=lambda r: r.id,
        reverse=True,
    )
    snap = latest.get(key)
    when = (last.finished_at or last.started_at) if last else None
    return TenantRow(
        tenant=tenant.id,
        connector=tenant.connector,
        scope=scope,
        communities=grouped.communities.get(key, 0),
        recommendations={a: grouped.recommendations[key].get(a, 0) for a in ACTIONS},
        findings=_findings(ok),
        last_success=when,
        last_success_kind=last.kind if last else None,
        age_hours=round((now - when).total_seconds() / 3600, 1) if when else None,
        failures=[r.error or f"{r.kind} failed" for r in failures],
        incomplete=list(snap.incomplete) if snap else ["never discovered"],
    )


def _findings(ok: list[runs.Attempt]) -> dict[str, int] | None:
    """Findings by severity from the newest successful audit (or sync); None if never audited."""
    audits = [r for r in ok if r.kind in ("audit", "sync")]
    audit = max(audits, key=lambda r: r.id, default=None)
    if audit is None:
        return None
    summary = audit.summary.get("audit", audit.summary)
    return {s: int(summary.get("by_severity", {}).get(s, 0)) for s in SEVERITIES}


def _spreading(seen: dict[tuple[str, str], dict[str, list[Place]]]) -> list[Spread]:
    """The shadow apps and external networks seen in two tenants or more, widest first."""
    spreading = []
    for (category, _), names in sorted(seen.items()):
        places = [p for found in names.values() for p in found]
        tenants = sorted({t for t, _, _ in places})
        if len(tenants) < 2:
            continue
        spreading.append(
            Spread(
                name=max(names, key=lambda n: len(names[n])),
                category=category,
                tenants=tenants,
                members=sum(m for _, m, _ in places),
                recommendations=dict(Counter(r for _, _, r in places if r)),
            )
        )
    spreading.sort(key=lambda s: (-len(s.tenants), -s.members, s.name))
    return spreading


def _totals(rows: list[TenantRow]) -> dict[str, int]:
    """The fleet's sums: recommendations, findings, failing and never-audited tenants."""
    totals: Counter[str] = Counter()
    for row in rows:
        totals.update(row.recommendations)
        totals.update(row.findings or {})
        totals["failing_tenants"] += 1 if row.failures else 0
        totals["never_audited"] += 1 if row.findings is None else 0
    return dict(totals)


def _members(entry: Any) -> int:
    measure = entry.metrics.get("reach", {}).get("members")
    return int(measure.value) if measure is not None and measure.value is not None else 0

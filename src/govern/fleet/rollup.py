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
from typing import Any

from govern.fleet import runs
from govern.fleet.config import Fleet
from govern.model import utcnow
from govern.registry import Registry
from govern.store import Store

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


def build_rollup(
    store: Store, fleet: Fleet, registry: Registry, policies_dir: Path | None
) -> FleetReport:
    """Roll the fleet up from the store (reports, runs) and the fleet file (tenants)."""
    from govern.virality.build import build_report

    now = utcnow()
    notes: list[str] = []
    latest = store.latest()
    report = build_report(store, policies_dir=policies_dir) if latest else None
    by_tenant: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    communities: Counter[tuple[str, str]] = Counter()
    seen: dict[tuple[str, str], dict[str, list[tuple[str, int, str | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    if report is not None:
        for e in report.entries:
            parts = e.path.split("/")
            key = (e.connector, parts[1] if len(parts) > 1 else "")
            communities[key] += 1
            if e.recommendation is not None:
                by_tenant[key][str(e.recommendation)] += 1
            if e.category in SPREADING:
                members = _members(e)
                rec = str(e.recommendation) if e.recommendation else None
                seen[(e.category, e.name.strip().lower())][e.name].append((key[1], members, rec))
        notes.append(
            "adopt/migrate/archive come from the shadow-IT report over the whole fleet: "
            "percentiles compare each community with every tenant's"
        )
    attempts = runs.latest_by_tenant(store)
    rows: list[TenantRow] = []
    for tenant in fleet.tenants:
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
        audits = [r for r in ok if r.kind in ("audit", "sync")]
        audit = max(audits, key=lambda r: r.id, default=None)
        found: dict[str, int] | None = None
        if audit is not None:
            summary = audit.summary.get("audit", audit.summary)
            found = {s: int(summary.get("by_severity", {}).get(s, 0)) for s in SEVERITIES}
        snap = latest.get(key)
        when = (last.finished_at or last.started_at) if last else None
        rows.append(
            TenantRow(
                tenant=tenant.id,
                connector=tenant.connector,
                scope=scope,
                communities=communities.get((tenant.connector, scope), 0),
                recommendations={
                    a: by_tenant[(tenant.connector, scope)].get(a, 0) for a in ACTIONS
                },
                findings=found,
                last_success=when,
                last_success_kind=last.kind if last else None,
                age_hours=round((now - when).total_seconds() / 3600, 1) if when else None,
                failures=[r.error or f"{r.kind} failed" for r in failures],
                incomplete=list(snap.incomplete) if snap else ["never discovered"],
            )
        )
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
    totals: Counter[str] = Counter()
    for row in rows:
        totals.update(row.recommendations)
        totals.update(row.findings or {})
        totals["failing_tenants"] += 1 if row.failures else 0
        totals["never_audited"] += 1 if row.findings is None else 0
    return FleetReport(
        generated_at=now,
        fleet_file=str(fleet.path),
        tenants=rows,
        spreading=spreading,
        totals=dict(totals),
        notes=notes,
    )


def _members(entry: Any) -> int:
    measure = entry.metrics.get("reach", {}).get("members")
    return int(measure.value) if measure is not None and measure.value is not None else 0

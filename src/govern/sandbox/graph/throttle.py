"""Graph's throttling: resource units per app per 10 s, write quota, reports and Teams limits.

Costs and limits are Microsoft's published ones (concepts/throttling-limits.md in
microsoftgraph/microsoft-graph-docs-contrib, "Identity and access service limits"):

* application+tenant pair, L tenant (over 500 users): 8,000 resource units per 10 s, and a
  write quota of 3,000 per 2 min 30 s;
* base costs: GET ``users`` 2, GET ``groups/{id}/members`` 3, GET ``oauth2PermissionGrants`` 2,
  any other identity path 1 (GET ``groups``, ``owners``, ``delta``, ``servicePrincipals``, ...);
  writes (POST, PATCH, PUT, DELETE) 1 plus 1 write unit;
* ``$select`` -1, ``$expand`` +1, ``$top`` below 20 -1; never below 1.

Reports (14 CSV requests per 10 min per app, per report API), identity and access reports
(the directory audit log: 5 requests per 10 s per app and tenant) and Teams (4 requests per second
per app on one team) have their own limits. Graph uses token buckets; so does this module, on
the wall clock (throttling is about real request rates, not the simulated calendar).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from govern.sandbox.graph.errors import GraphError


@dataclass
class Limits:
    """The budgets; ``None`` disables one (e.g. a benchmark of the server itself)."""

    resource_units: int | None = 8_000
    """Resource units per 10 s per app (Graph's L tenant)."""
    writes: int | None = 3_000
    """Write units per 150 s per app."""
    reports: int | None = 14
    """CSV report requests per 10 min per app and report API."""
    team_rps: int | None = 4
    """Requests per second per app on one team."""
    audit: int | None = 5
    """Identity and access reports (the directory audit log): requests per 10 s per app."""


def request_cost(base: int, select: bool, expand: bool, top: int | None) -> int:
    """The resource units one identity request costs, by the published rules."""
    cost = (
        base
        - (1 if select else 0)
        + (1 if expand else 0)
        - (1 if top is not None and top < 20 else 0)
    )
    return max(cost, 1)


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: float

    def take(self, amount: float, now: float) -> float:
        """Take ``amount``; 0 if granted, else the seconds until it would be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if amount <= self.tokens:
            self.tokens -= amount
            return 0.0
        return (amount - self.tokens) / self.per_second


@dataclass
class Throttle:
    """Every bucket of every app; thread-safe.

    ``spent`` totals the units granted per app, ``refused`` the requests answered 429 per app
    and reason (what a well-paced client keeps at 0).
    """

    limits: Limits = field(default_factory=Limits)
    spent: dict[str, int] = field(default_factory=dict)
    refused: dict[tuple[str, str], int] = field(default_factory=dict)
    _buckets: dict[tuple[str, ...], _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _take(self, key: tuple[str, ...], capacity: int, window: float, amount: int) -> float:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(capacity, capacity / window, capacity, now)
        return bucket.take(amount, now)

    def level(self, app: str) -> float:
        """Share of the resource-unit budget in use, for ``x-ms-throttle-limit-percentage``."""
        bucket = self._buckets.get(("ru", app))
        if bucket is None or not self.limits.resource_units:
            return 0.0
        return 1 - bucket.tokens / bucket.capacity

    def charge_identity(self, app: str, units: int, write: bool) -> None:
        """Charge an identity request; Graph's 429 when the app is over budget."""
        with self._lock:
            wait = 0.0
            if self.limits.resource_units:
                wait = self._take(("ru", app), self.limits.resource_units, 10.0, units)
            if not wait and write and self.limits.writes:
                wait = self._take(("write", app), self.limits.writes, 150.0, 1)
            if wait:
                raise self._refuse(
                    app, wait, "WriteLimitExceeded" if write else "ResourceUnitLimitExceeded"
                )
            self.spent[app] = self.spent.get(app, 0) + units

    def charge_report(self, app: str, report: str) -> None:
        """Charge one CSV report request."""
        if self.limits.reports:
            with self._lock:
                wait = self._take(("report", app, report), self.limits.reports, 600.0, 1)
            if wait:
                raise self._refuse(app, wait, "ReportLimitExceeded")

    def charge_audit(self, app: str) -> None:
        """Charge one identity and access reports request (5 per 10 s per app and tenant)."""
        if self.limits.audit:
            with self._lock:
                wait = self._take(("audit", app), self.limits.audit, 10.0, 1)
            if wait:
                raise self._refuse(app, wait, "IdentityReportsLimitExceeded")

    def charge_team(self, app: str, team: str) -> None:
        """Charge one request on one team (Teams allows 4 per second per app per team)."""
        if self.limits.team_rps:
            with self._lock:
                wait = self._take(("team", app, team), self.limits.team_rps, 1.0, 1)
            if wait:
                raise self._refuse(app, wait, "TeamRequestLimitExceeded")

    def _refuse(self, app: str, wait: float, reason: str) -> GraphError:
        key = (app, reason)
        self.refused[key] = self.refused.get(key, 0) + 1
        return _throttled(wait, reason)

    def refused_count(self, app: str | None = None) -> int:
        """Requests answered 429 (for ``app``, or every app)."""
        with self._lock:
            return sum(n for (a, _), n in self.refused.items() if app is None or a == app)

    def reset(self) -> None:
        """Refill every bucket and forget what was spent and refused."""
        with self._lock:
            self._buckets.clear()
            self.spent.clear()
            self.refused.clear()


def _throttled(wait: float, reason: str) -> GraphError:
    return GraphError(
        429,
        "TooManyRequests",
        "Please retry again later.",
        # Retry-After is whole seconds, at least 1 (0 makes the SDKs fall back to their backoff).
        {"Retry-After": str(max(1, math.ceil(wait))), "x-ms-throttle-information": reason},
    )

"""What a run costs, counted as Graph counts it.

Resource units follow Graph's published identity-service table (throttling-limits, "Identity
and access service limits"): a base cost per path, minus 1 with ``$select``, plus 1 with
``$expand``, minus 1 with ``$top`` under 20, never below 1. Only identity paths (users, groups,
service principals, grants, ...) draw on that budget; reports, Teams and SharePoint calls have
limits of their own and are counted as requests only, also when reached through a group
(``/groups/{id}/sites/root`` is a SharePoint request). A ``$batch`` costs what its requests cost.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

_IDENTITY_ROOTS = frozenset(
    {
        "users",
        "groups",
        "directoryobjects",
        "serviceprincipals",
        "oauth2permissiongrants",
        "applications",
        "organization",
        "me",
        "contracts",
        "domains",
        "subscribedskus",
    }
)

# (method, path pattern) -> base cost; anything else on an identity path costs 1.
_BASE: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (m, re.compile(p), c)
    for m, p, c in (
        ("GET", r"^users$", 2),
        ("GET", r"^applications$", 2),
        ("GET", r"^oauth2permissiongrants(/[^/]+)?$", 2),
        ("GET", r"^groups/[^/]+/members(/.*)?$", 3),
        ("GET", r"^groups/[^/]+/transitivemembers(/.*)?$", 5),
        ("GET", r"^subscribedskus$", 3),
        ("GET", r"^contracts$", 3),
    )
)

# Navigations from a user or group into another service's resources (SharePoint sites and
# drives, Teams, Outlook, Planner, OneNote) are throttled by that service, not in resource units:
# the identity limits list the entities they apply to, and a site is not one of them.
_OTHER_SERVICES = frozenset(
    {
        "sites",
        "drive",
        "drives",
        "team",
        "joinedteams",
        "calendar",
        "calendarview",
        "events",
        "conversations",
        "threads",
        "onenote",
        "planner",
        "photo",
        "photos",
        "mailfolders",
        "messages",
    }
)

_VERSION = re.compile(r"^/?(v1\.0|beta)/", re.IGNORECASE)


def resource_units(method: str, url: str) -> int:
    """Resource units of one request (0 for paths outside the identity service)."""
    parts = urlsplit(url)
    path = re.sub("/+", "/", "/" + parts.path)
    lowered = _VERSION.sub("", path).strip("/").lower()
    segments = lowered.split("/")
    if segments[0] not in _IDENTITY_ROOTS:
        return 0
    if len(segments) > 2 and segments[2] in _OTHER_SERVICES:
        return 0
    method = method.upper()
    cost = next((c for m, p, c in _BASE if m == method and p.match(lowered)), 1)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if "$select" in query:
        cost -= 1
    if "$expand" in query:
        cost += 1
    top = query.get("$top")
    if top and top[0].isdigit() and int(top[0]) < 20:
        cost -= 1
    return max(cost, 1)


def batch_units(body: bytes) -> int:
    """Resource units of a ``$batch`` request: the sum of its requests."""
    try:
        requests = json.loads(body).get("requests", [])
    except (ValueError, AttributeError):
        return 0
    return sum(resource_units(r.get("method", "GET"), r.get("url", "")) for r in requests)


@dataclass
class Cost:
    """Running totals of one discovery or apply run (thread-safe: the SDK may use threads)."""

    requests: int = 0
    """HTTP requests sent, including retries and redirects; a ``$batch`` is one."""
    batched_requests: int = 0
    """Requests carried inside ``$batch`` requests."""
    resource_units: int = 0
    retries: int = 0
    throttled: int = 0
    """Answers 429 or 503 (outer and inside batches)."""
    dropped: int = 0
    """Connections lost mid-request and retried."""
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **amounts: int) -> None:
        """Add to several totals at once."""
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def figures(self) -> dict[str, Any]:
        """The totals as ``sink.stat`` records them."""
        with self._lock:
            return {
                "requests": self.requests,
                "batched_requests": self.batched_requests,
                "resource_units": self.resource_units,
                "retries": self.retries,
                "throttled": self.throttled,
                "dropped": self.dropped,
                "seconds": round(time.monotonic() - self.started, 2),
            }

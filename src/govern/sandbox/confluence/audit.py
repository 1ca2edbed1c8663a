"""``GET /rest/api/audit``: the audit log, derived from the organisation's change log.

Records follow the v1 ``AuditRecord`` shape: author, creation date (epoch milliseconds),
summary, category, affected object (the space by name, or the user for user events: "User
created", "User deactivated") and changed values. ``startDate`` and
``endDate`` are epoch milliseconds (Cloud) or ``yyyy-MM-dd`` dates (Data Center).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from govern.sandbox import ids
from govern.sandbox.confluence.site import AuditEvent, Site
from govern.sandbox.confluence.web import ApiError, offset_page


def _date(value: str | None, default: int) -> int:
    if not value:
        return default
    if value.isdigit():
        return ids.from_datetime(datetime.fromtimestamp(int(value) / 1000, UTC))
    try:
        return ids.from_datetime(datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC))
    except ValueError:
        raise ApiError(
            400, f"Invalid date {value!r}: use epoch milliseconds or yyyy-MM-dd"
        ) from None


def records(site: Site, request: Request, base: str) -> dict[str, Any]:
    """One page of audit records, newest first."""
    q = request.query_params
    start = _date(q.get("startDate"), site.now - 90 * ids.DAY)
    end = _date(q.get("endDate"), site.now + ids.DAY)
    if q.get("endDate") and not q["endDate"].isdigit():
        end += ids.DAY  # a date names the whole day
    events = list(site.audit(start, end))
    events.reverse()
    page, env = offset_page(request, events, 1000, 1000, base)
    out = []
    for e in page:
        out.append(
            {
                "author": {"type": "user", "displayName": "System", "operations": None},
                "remoteAddress": "127.0.0.1",
                "creationDate": (ids.EPOCH.timestamp() + e.ts) * 1000 // 1,
                "summary": e.summary,
                "description": "",
                "category": e.category,
                "sysAdmin": False,
                "superAdmin": False,
                "affectedObject": _affected(site, e),
                "changedValues": [
                    {
                        "name": n,
                        "oldValue": old,
                        "hiddenOldValue": "",
                        "newValue": new,
                        "hiddenNewValue": "",
                    }
                    for n, old, new in e.changes
                ],
                "associatedObjects": [],
            }
        )
    return {"results": out, **env}


def _affected(site: Site, e: AuditEvent) -> dict[str, str]:
    """The record's affected object: the space by name, or the user by login name."""
    if e.user is not None:
        name = site.org.confluence_account_id(e.user.idx) if site.cloud else e.user.username
        return {"name": name, "objectType": "User"}
    assert e.space is not None
    return {"name": e.space.name, "objectType": "Space"}

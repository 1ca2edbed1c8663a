"""The audit log: spaces whose permissions changed (or that came and went), and changed users.

Incremental runs read it to re-read only the spaces whose permissions changed since the last
run (permission changes do not show in CQL), and to refresh only the cached users it names. It
needs Confluence administrator rights; without them the caller falls back to re-reading every
space's permissions and to trusting no cached user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from govern_confluence.reader import Reader

EVENTS = ("space permission", "space created", "space deleted", "space restored")


VIEW = frozenset({"VIEWSPACE", "read", "read:space"})
"""The permission that lets a subject in: its grant time is when the subject joined."""


@dataclass
class AuditChanges:
    """What the audit log says changed since a moment."""

    space_names: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    """Users (DC username, Cloud accountId) with user events: created, updated, deactivated."""
    user_times: dict[str, datetime] = field(default_factory=dict)
    """Those users with the time of their newest event."""
    granted: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    """(space name, ``user``/``group``, subject) -> when it was last given view access."""


def changes_since(reader: Reader, since: datetime) -> AuditChanges:
    """Space and user changes since ``since`` (raises Forbidden without administrator rights)."""
    # Cloud takes epoch milliseconds; Data Center's /rest/api/audit takes dates (whole days,
    # so the window starts at the beginning of the day: re-reading twice is harmless).
    start = str(int(since.timestamp() * 1000)) if reader.cloud else since.strftime("%Y-%m-%d")
    out = AuditChanges()
    for record in reader.offset_pages("rest/api/audit", {"startDate": start}, 1000):
        summary = str(record.get("summary", "")).lower()
        affected = record.get("affectedObject") or {}
        kind = affected.get("objectType")
        if kind == "Space" and summary.startswith(EVENTS):
            out.space_names.add(str(affected.get("name", "")))
            if summary.startswith("space permission added"):
                _granted(out, str(affected.get("name", "")), record)
        elif kind == "User" and affected.get("name"):
            name = str(affected["name"])
            out.users.add(name)
            when = _when(record)
            if when is not None and (name not in out.user_times or out.user_times[name] < when):
                out.user_times[name] = when
    return out


def grant_times(reader: Reader, now: datetime, days: int = 365) -> AuditChanges:
    """Full runs: the audit log's last ``days`` (what the site still holds of them).

    Gives when each subject was given view access (grant times for join timing) where the log
    recorded it; raises Forbidden without administrator rights.
    """
    return changes_since(reader, now - timedelta(days=days))


def changed_space_names(reader: Reader, since: datetime) -> set[str]:
    """Names of spaces with permission or lifecycle events since ``since`` (raises Forbidden)."""
    return changes_since(reader, since).space_names


def _granted(out: AuditChanges, space: str, record: dict[str, object]) -> None:
    """Note when a subject was given view access to a space (the newest record wins)."""
    values = record.get("changedValues")
    moment = _when(record)
    if not isinstance(values, list) or moment is None:
        return
    new = {
        str(v.get("name", "")): str(v.get("newValue") or "") for v in values if isinstance(v, dict)
    }
    if new.get("Permission") not in VIEW:
        return
    for label, kind in (("User", "user"), ("Group", "group")):
        if new.get(label):
            key = (space, kind, new[label])
            if key not in out.granted or out.granted[key] < moment:
                out.granted[key] = moment


def _when(record: dict[str, object]) -> datetime | None:
    """A record's ``creationDate`` (epoch milliseconds), or None when it has none."""
    when = record.get("creationDate")
    if isinstance(when, bool) or not isinstance(when, int | float):
        return None
    return datetime.fromtimestamp(when / 1000, UTC)

"""The audit log: spaces whose permissions changed (or that came and went), and changed users.

Incremental runs read it to re-read only the spaces whose permissions changed since the last
run (permission changes do not show in CQL), and to refresh only the cached users it names. It
needs Confluence administrator rights; without them the caller falls back to re-reading every
space's permissions and to trusting no cached user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from govern_confluence.reader import Reader

EVENTS = ("space permission", "space created", "space deleted", "space restored")


@dataclass
class AuditChanges:
    """What the audit log says changed since a moment."""

    space_names: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    """Users (DC username, Cloud accountId) with user events: created, updated, deactivated."""


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
        elif kind == "User" and affected.get("name"):
            out.users.add(str(affected["name"]))
    return out


def changed_space_names(reader: Reader, since: datetime) -> set[str]:
    """Names of spaces with permission or lifecycle events since ``since`` (raises Forbidden)."""
    return changes_since(reader, since).space_names

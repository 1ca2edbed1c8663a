"""The audit log: which spaces had their permissions changed, were created or deleted.

Incremental runs read it to re-read only the spaces whose permissions changed since the last
run (permission changes do not show in CQL). It needs Confluence administrator rights; without
them the caller falls back to re-reading every space's permissions.
"""

from __future__ import annotations

from datetime import datetime

from govern_confluence.reader import Reader

EVENTS = ("space permission", "space created", "space deleted", "space restored")


def changed_space_names(reader: Reader, since: datetime) -> set[str]:
    """Names of spaces with permission or lifecycle events since ``since`` (raises Forbidden)."""
    # Cloud takes epoch milliseconds; Data Center's /rest/api/audit takes dates (whole days,
    # so the window starts at the beginning of the day: re-reading a space twice is harmless).
    start = str(int(since.timestamp() * 1000)) if reader.cloud else since.strftime("%Y-%m-%d")
    names: set[str] = set()
    for record in reader.offset_pages("rest/api/audit", {"startDate": start}, 1000):
        summary = str(record.get("summary", "")).lower()
        affected = record.get("affectedObject") or {}
        if affected.get("objectType") == "Space" and summary.startswith(EVENTS):
            names.add(str(affected.get("name", "")))
    return names

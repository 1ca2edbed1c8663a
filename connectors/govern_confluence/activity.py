"""Content figures through CQL: per-space counts and last edit, and who edited lately.

Per space, one search (``space = KEY and type in (page, blogpost) order by lastmodified desc``,
one result) gives the content count (``totalSize``) and the last modification. Site-wide, one
paged content search over the last 90 days gives every recent edit with its space and editor;
from it come the 30- and 90-day figures of every space and, on incremental runs, the spaces
whose content changed. Windows are computed on the site's clock (CQL ``now()``), not ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from govern_confluence.reader import SEARCH_PAGE, Edit, Reader


def space_stats(reader: Reader, key: str) -> tuple[int, datetime | None]:
    """A space's content count and last modification."""
    cql = f'space = "{key}" and type in (page, blogpost) order by lastmodified desc'
    if reader.cloud:
        # ConfluenceV2 has no v1 CQL wrapper (its search() targets a v2 path); Cloud still
        # serves v1 search, so the call goes through the client's plain get.
        page = reader.get("rest/api/search", {"cql": cql, "limit": 1})
    else:
        page = reader.client().cql(cql, limit=1)
    results = page.get("results", [])
    last = (
        reader.time(results[0].get("lastModified"), f"space {key}", "lastModified")
        if results
        else None
    )
    return int(page.get("totalSize", len(results))), last


def recent_edits(reader: Reader, days: int = 90) -> Iterator[Edit]:
    """Every page and blog post edited in the last ``days`` days, newest first."""
    cql = f'type in (page, blogpost) and lastmodified >= now("-{days}d") order by lastmodified desc'
    params = {"cql": cql, "expand": "space,version"}
    for raw in reader.offset_pages("rest/api/content/search", params, SEARCH_PAGE):
        version = raw.get("version") or {}
        by = version.get("by") or {}
        space = (raw.get("space") or {}).get("key")
        where = f"space {space or '?'} content {raw.get('id', '?')}"
        when = reader.time(version.get("when"), where, "version.when")
        if when is None or space is None:
            continue
        editor = by.get("accountId") if reader.cloud else by.get("username")
        yield Edit(space, editor, when)

"""Content figures through CQL: per-space counts, last edits, and who edited lately.

Confluence offers no per-space count in bulk (Atlassian's own example asks ``totalSize`` space by
space), but one content search over many spaces, expanded with ``version``, returns every page
and blog post with its space (the ``_expandable.space`` link) and its latest edit. Grouped here,
it gives each space's content count, last modification and recent editors at once: a page of
up to 200 items on Data Center (its documented cap with expansions other than ``body``), 100 on
Cloud, instead of one search per space.

A full run lists the content of every space this way. An incremental run asks which content
changed since the last run (one CQL on ``lastmodified``), lists again only the spaces with
changes or re-read permissions, and keeps the other spaces' 90-day edits from the last run's
token (``edits``). Windows are computed on the site's clock (CQL ``now()``), not ours. Content
deleted from a space nobody edited since stays counted until the next full run: CQL does not
return trashed content, and the audit log does not list page deletions.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from govern.model import Activity
from govern_confluence.reader import Reader
from govern_confluence.records import Edit

TOKEN = "edits"
WINDOW_DAYS = 90
DC_PAGE = 200
"""Data Center's cap for ``/rest/api/content/search`` with expansions other than ``body``."""
CLOUD_PAGE = 100
KEYS_PER_QUERY = 100
"""Space keys per ``space in (...)`` clause: keeps the query string well under URL limits."""


@dataclass
class SpaceFigures:
    """One space's content count, last modification and 90-day edits (latest per item)."""

    count: int = 0
    last: datetime | None = None
    edits: list[Edit] = field(default_factory=list)


def _page(reader: Reader) -> int:
    return CLOUD_PAGE if reader.cloud else DC_PAGE


def _space_of(raw: dict[str, object]) -> str | None:
    """The space key of a content object: expanded, or from its ``_expandable.space`` link."""
    space = raw.get("space")
    if isinstance(space, dict) and space.get("key"):
        return str(space["key"])
    expandable = raw.get("_expandable")
    link = expandable.get("space") if isinstance(expandable, dict) else None
    if isinstance(link, str) and "/space/" in link:
        return link.rstrip("/").rsplit("/", 1)[1] or None
    return None


def _content(reader: Reader, cql: str) -> Iterator[Edit]:
    """Every page and blog post a CQL finds, with its space, latest editor and time."""
    params = {"cql": cql, "expand": "version"}
    for raw in reader.offset_pages("rest/api/content/search", params, _page(reader)):
        if not isinstance(raw, dict):
            continue
        version = raw.get("version") or {}
        by = version.get("by") or {}
        space = _space_of(raw)
        where = f"space {space or '?'} content {raw.get('id', '?')}"
        when = reader.time(version.get("when"), where, "version.when")
        if space is None:
            reader.problem(where, "no space named")
            continue
        editor = by.get("accountId") if reader.cloud else by.get("username")
        yield Edit(space, editor, when) if when is not None else Edit(space, None, _EPOCH)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Stands for an unreadable edit time: counted as content, never as a recent edit."""


def figures(
    reader: Reader, keys: Iterable[str] | None, now: datetime | None
) -> dict[str, SpaceFigures]:
    """Content figures of the given spaces (None: every space), keyed by space."""
    out: dict[str, SpaceFigures] = defaultdict(SpaceFigures)
    kinds = "type in (page, blogpost)"
    if keys is None:
        queries = [kinds]
    else:
        wanted = sorted(set(keys))
        queries = [
            f"space in ({', '.join(_quote(k) for k in wanted[i : i + KEYS_PER_QUERY])}) and {kinds}"
            for i in range(0, len(wanted), KEYS_PER_QUERY)
        ]
        for k in wanted:
            out[k] = SpaceFigures()
    start = now - timedelta(days=WINDOW_DAYS) if now is not None else None
    for cql in queries:
        for e in _content(reader, cql):
            f = out[e.space]
            f.count += 1
            if e.when == _EPOCH:
                continue
            f.last = e.when if f.last is None else max(f.last, e.when)
            if start is None or e.when >= start:
                f.edits.append(e)
    return dict(out)


def changed_spaces(reader: Reader, since: datetime, now: datetime) -> set[str]:
    """Spaces with a page or blog post edited or created since ``since`` (one CQL)."""
    # CQL compares with now() on the site's clock; a minute more than the gap re-reads a
    # little twice, never misses an edit.
    minutes = int((now - since).total_seconds() // 60) + 1
    cql = f'type in (page, blogpost) and lastmodified >= now("-{minutes}m")'
    return {e.space for e in _content(reader, cql)}


def aged_out(carried: Iterable[Edit], since: datetime, now: datetime) -> set[str]:
    """Spaces an edit of which left the 90-day window between the last run and this one.

    Nobody edited them, but their recent contributors changed: they are listed and restated
    again, or the count stored with the space would keep the edit the window no longer holds.
    """
    low, high = since - timedelta(days=WINDOW_DAYS), now - timedelta(days=WINDOW_DAYS)
    return {e.space for e in carried if low <= e.when < high}


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump(edits: Iterable[Edit]) -> str:
    """The 90-day edits as a token (compressed JSON: space, editor, epoch seconds)."""
    rows = [[e.space, e.editor, int(e.when.timestamp())] for e in edits]
    raw = json.dumps(rows, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode()


def load(token: str | None) -> list[Edit] | None:
    """Edits from a token; None when there is none or it does not decode (read all again)."""
    if not token:
        return None
    try:
        rows = json.loads(zlib.decompress(base64.b64decode(token)))
        return [
            Edit(str(space), str(editor) if editor else None, datetime.fromtimestamp(ts, UTC))
            for space, editor, ts in rows
        ]
    except (ValueError, TypeError, zlib.error):
        return None


def window(
    figures: dict[str, SpaceFigures], carried: list[Edit], live: set[str], now: datetime | None
) -> list[Edit]:
    """The 90-day edits of live spaces: listed now where listed, else from the last run."""
    start = now - timedelta(days=WINDOW_DAYS) if now is not None else None
    edits = [e for f in figures.values() for e in f.edits if e.space in live]
    edits += [
        e
        for e in carried
        if e.space in live and e.space not in figures and (start is None or e.when >= start)
    ]
    return edits


def reports(
    keys: Iterable[str], edits: list[Edit], now: datetime, community_id: Callable[[str], str]
) -> Iterator[Activity]:
    """The 30- and 90-day activity rows of each space, on the site's clock."""
    windows = {"D30": now - timedelta(days=30), "D90": now - timedelta(days=90)}
    grouped: dict[str, list[Edit]] = defaultdict(list)
    for e in edits:
        grouped[e.space].append(e)
    for key in keys:
        for period, start in windows.items():
            recent = [e for e in grouped.get(key, []) if e.when >= start]
            yield Activity(
                community_id=community_id(key),
                period=period,
                report_date=now.date(),
                active_users=len({e.editor for e in recent if e.editor}),
                page_edits=len(recent),
                last_activity_at=max((e.when for e in recent), default=None),
            )

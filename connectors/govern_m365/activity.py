"""Activity from the four usage reports, matched to communities by id.

Reports are CSV files behind a 302 to a download URL (the SDK's redirect middleware follows it).
Since 2021 tenants conceal user, group and site names in reports by default; rows are therefore
matched by id (Team Id, Group Id when the report has it, Site Id and URL), by name only when
names are shown, and a run says how many rows it could not match because names were concealed.

Incremental runs read each report for the days since the last one read, in the one-day form
(``date=YYYY-MM-DD``, "scoped to activity on the given date", available for the past 28 days),
instead of downloading whole periods again: a day report lists only the communities active that
day, so it costs a fraction of a period's rows and still moves every last-activity date. Its
rows are filed as period ``D1`` (the day's own counts, report date the day itself). What a day
cannot give is kept from the period reports and not made up: active users over 7 or 30 days
count distinct people, which no sum of days yields, and a 30-day total would need the day that
leaves the window, older than the 28 days Graph keeps. So the period reports stay as read, with
their own report date, and are read again once ``period_report_days`` old (or when the days
since cannot be read any more).

A Group Id row is filed under the community of that group's kind. Incremental runs read only
the groups that changed, so the kinds of the others come from the Teams report (its Team Ids)
and from the Viva Engage communities kept in a delta token: without them an Engage community's
row would be filed under a plain group and its activity would go stale. The Microsoft 365
groups report carries Viva Engage posted, read and liked counts by Group Id; Viva Engage
reports no active-user count per community, and the activity says so.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from govern.model import Activity
from govern_m365.mapping import CONNECTOR, community_id, kind_of
from govern_m365.permissions import Feature
from govern_m365.run import Run

REPORTS = {
    "teams": "getTeamsTeamActivityDetail",
    "groups": "getOffice365GroupsActivityDetail",
    "engage": "getYammerGroupsActivityDetail",
    "sites": "getSharePointSiteUsageDetail",
}
_CONCEALED = re.compile(r"^[0-9A-F]{32}$")

NO_ENGAGE_ACTIVE = "Viva Engage reports no active-user count per community"


@dataclass
class SiteRow:
    """A SharePoint site as the usage report lists it (standalone sites come from here)."""

    site_id: str
    url: str
    template: str
    owner_upn: str
    deleted: bool


@dataclass
class ReportTally:
    """Rows matched and not, per report, for the run's figures and warnings."""

    matched: int = 0
    unmatched: int = 0
    concealed: int = 0
    sites: dict[str, SiteRow] = field(default_factory=dict)


def rows(raw: bytes) -> Iterator[dict[str, str]]:
    """The rows of a report CSV (UTF-8 with a BOM)."""
    text = raw.decode("utf-8-sig")
    yield from csv.DictReader(io.StringIO(text))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _day(value: str | None) -> date | None:
    # Cached: a report's rows share their refresh date and a few hundred activity dates.
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _last(value: str | None) -> datetime | None:
    day = _day(value)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


REFRESH_TOKEN = "report_refresh"
"""Delta token: the Report Refresh Date of the last read of each report and period (JSON), and
``"<report> day"``: the last day read in the one-day form."""

DAY = "D1"
"""The period of a one-day report's rows."""

DAYS_BACK = 28
"""How far back ``date=`` reaches (the pages say 30 days; the service refuses past 28)."""

SETTLED_DAYS = 3
"""An empty day report older than this is a day without activity, not one not yet refreshed:
report data "usually covers up to the last 24 to 48 hours" (Microsoft 365 usage reports)."""


def load_refreshed(token: str | None) -> dict[str, str]:
    """``"<report> <period>"`` -> ISO refresh date, from the token (empty when unreadable)."""
    try:
        data = json.loads(token or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def _current(seen: str | None, today: date) -> bool:
    """True when no report newer than the one read (refreshed ``seen``) can exist yet.

    Microsoft refreshes each usage report once a day, and a report describes whole days up
    to its Report Refresh Date, which is at least a day behind: while Graph's clock is still
    within a day of the date read, another download would return the same rows.
    """
    day = _day(seen)
    return day is not None and day >= today - timedelta(days=1)


async def read_reports(
    run: Run,
    periods: list[str],
    tally: ReportTally,
    engage: set[str] | None = None,
    refreshed: dict[str, str] | None = None,
) -> dict[str, str] | None:
    """The configured reports and periods not read since their last refresh.

    ``engage``: ids of the Viva Engage groups this run did not read (incremental runs).
    ``refreshed``: the refresh date of each report and period last read (a delta token);
    those still current are not downloaded again. Returns it updated, or None when
    Reports.Read.All is missing (a 403 disables activity, recorded once, and says why).
    """
    for gid in engage or ():
        run.kinds.setdefault(gid, "engage")
    known = dict(refreshed or {})
    today = (run.session.first_date or datetime.now(UTC)).date()
    wanted: list[tuple[str, str, str]] = []
    days: list[tuple[date, str, str]] = []
    for key, name in REPORTS.items():
        due = [p for p in periods if run.full or not _current(known.get(f"{name} {p}"), today)]
        if run.full or not due:
            wanted += [(p, key, name) for p in due]
            continue
        by_day = _days_to_read(known, name, today, run.settings.period_report_days)
        if by_day is None:
            wanted += [(p, key, name) for p in due]
        else:
            days += [(day, key, name) for day in by_day]
    wanted.sort(key=lambda w: periods.index(w[0]))
    run.sink.stat("report_reads_skipped", len(periods) * len(REPORTS) - len(wanted))
    run.sink.stat("report_days_read", len(days))
    # Downloaded together (each report API has its own limit: 14 per 10 min), applied in
    # order: the Teams report names teams by Group Id for the groups report that follows.
    if await run.guard(Feature.ACTIVITY, _read_in_order(run, wanted, tally, known)) is None:
        return None
    if days and await run.guard(Feature.ACTIVITY, _read_days(run, days, tally, known)) is None:
        return None
    if tally.concealed:
        run.sink.log(
            f"m365: {tally.concealed} report rows had concealed names and no id to match them by; "
            f"turn off 'Display concealed user, group, and site names in all reports' in the "
            f"Microsoft 365 admin center (Settings > Org settings > Reports) to match them",
        )
    return known


def _days_to_read(
    known: dict[str, str], name: str, today: date, period_days: int
) -> list[date] | None:
    """The days of report ``name`` to read one by one; None when its periods must be read.

    The last day known is the newest of its period reads' refresh dates and its day reads.
    Periods are read again when their newest refresh is ``period_days`` old, or when the days
    since reach back further than Graph keeps day reports.
    """
    seen = [_day(v) for k, v in known.items() if k.startswith(f"{name} ")]
    periods = [_day(v) for k, v in known.items() if k.startswith(f"{name} D")]
    last = max((d for d in seen if d is not None), default=None)
    newest_period = max((d for d in periods if d is not None), default=None)
    if last is None or newest_period is None:
        return None
    # Reports are a day behind at best: a refresh date of yesterday is zero days old.
    if (today - newest_period).days - 1 >= period_days or (today - last).days > DAYS_BACK:
        return None
    return [last + timedelta(days=n) for n in range(1, (today - last).days)]


async def _read_days(
    run: Run, days: list[tuple[date, str, str]], tally: ReportTally, known: dict[str, str]
) -> bool:
    """Day reports, applied in report order; each community keeps its newest day's row."""
    days.sort(key=lambda d: (list(REPORTS).index(d[1]), d[0]))
    tasks = [asyncio.create_task(_download_day(run, name, day)) for day, _, name in days]
    newest: dict[tuple[str, str], Activity] = {}
    today = (run.session.first_date or datetime.now(UTC)).date()
    try:
        for (day, key, name), task in zip(days, tasks, strict=True):
            raw = await task
            has_rows = _apply(run, key, DAY, raw, tally, newest, day) is not None
            # Empty: no data yet for that day, unless it is old enough to be settled.
            if has_rows or (today - day).days > SETTLED_DAYS:
                mark = f"{name} day"
                if (_day(known.get(mark)) or day) <= day:
                    known[mark] = day.isoformat()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for a in newest.values():
        run.sink.activity(a)
    return True


async def _read_in_order(
    run: Run, wanted: list[tuple[str, str, str]], tally: ReportTally, known: dict[str, str]
) -> bool:
    tasks = [asyncio.create_task(_download_period(run, name, p)) for p, _, name in wanted]
    try:
        for (period, key, name), task in zip(wanted, tasks, strict=True):
            day = _apply(run, key, period, await task, tally)
            if day is not None:
                known[f"{name} {period}"] = day.isoformat()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return True


def _download_day(run: Run, name: str, day: date) -> Coroutine[Any, Any, bytes]:
    # The date form takes the date unquoted: quoted, the service reads an Edm.String and refuses.
    return _download(run, name, f"date={day.isoformat()}", f"of {day.isoformat()}")


def _download_period(run: Run, name: str, period: str) -> Coroutine[Any, Any, bytes]:
    return _download(run, name, f"period='{period}'", period)


async def _download(run: Run, name: str, parameter: str, what: str) -> bytes:
    s = run.session
    info = s.request_for_url(f"{s.base}/reports/{name}({parameter})")
    info.headers.try_add("Accept", "text/csv")
    raw = await s.send(info, Feature.ACTIVITY, f"usage report {name} {what}")
    return raw or b""


def _by_name(run: Run, kind: str) -> dict[str, str]:
    """Display name -> group id of this kind, for names that are unique."""
    seen: dict[str, str | None] = {}
    for gid, info in run.groups.items():
        if kind_of(info.props) != kind:
            continue
        name = str(info.props.get("displayName") or "")
        seen[name] = None if name in seen else gid
    return {n: g for n, g in seen.items() if g}


def _apply(
    run: Run,
    key: str,
    period: str,
    raw: bytes,
    tally: ReportTally,
    newest: dict[tuple[str, str], Activity] | None = None,
    day: date | None = None,
) -> date | None:
    """File the report's rows; its Report Refresh Date (None for a report without rows).

    A day report (``day``) puts its rows in ``newest`` instead, by report and community, the
    later day replacing the earlier, with the day as their report date.
    """
    names: dict[str, dict[str, str]] = {}
    urls = {info.url.rstrip("/").lower(): gid for gid, info in run.groups.items() if info.url}
    refreshed: date | None = None
    present: tuple[tuple[str, str], ...] = ()
    for row in rows(raw):
        if refreshed is None:
            refreshed = _day(row.get("Report Refresh Date"))
            # The attribute columns this report has (a third to a half of them), looked up once.
            present = tuple(c for c in _ATTRIBUTES if c[0] in row)
        cid = _match(run, key, row, names, urls, tally)
        if cid is None:
            continue
        tally.matched += 1
        found = _activity(key, cid, period, row, present, day)
        if newest is None:
            run.sink.activity(found)
        else:
            newest[(key, cid)] = found
    return refreshed


def _match(
    run: Run,
    key: str,
    row: dict[str, str],
    names: dict[str, dict[str, str]],
    urls: dict[str, str],
    tally: ReportTally,
) -> str | None:
    if key == "teams":
        tid = row.get("Team Id")
        if tid:
            run.kinds[tid] = "team"  # the groups report that follows names teams by Group Id
        return community_id(tid, "team") if tid else None
    if key == "sites":
        url = (row.get("Site URL") or "").rstrip("/").lower()
        gid = urls.get(url)
        if gid:
            return community_id(gid, kind_of(run.groups[gid].props))
        sid = row.get("Site Id") or ""
        if not sid:
            return None
        template = row.get("Root Web Template") or ""
        if template.lower().startswith("group"):
            tally.unmatched += 1  # the site of a group this run did not read
            return None
        tally.sites[sid] = SiteRow(
            sid, row.get("Site URL") or "", template, row.get("Owner Principal Name") or "",
            (row.get("Is Deleted") or "").lower() == "true",
        )  # fmt: skip
        return community_id(sid, "site")
    if row.get("Group Id"):
        gid = row["Group Id"]
        info = run.groups.get(gid)
        return community_id(gid, kind_of(info.props) if info else run.kinds.get(gid, "group"))
    kind = "engage" if key == "engage" else "group"
    name = row.get("Group Display Name") or ""
    if _CONCEALED.match(name):
        tally.concealed += 1
        return None
    table = names.setdefault(kind, _by_name(run, kind))
    gid = table.get(name) or (_by_name(run, "team").get(name) if kind == "group" else None)
    if gid is None:
        tally.unmatched += 1
        return None
    return community_id(gid, kind_of(run.groups[gid].props))


_POSTS = {
    "teams": ("Post Messages", "Channel Messages"),
    "groups": ("Exchange Received Email Count", "Yammer Posted Message Count"),
    "engage": ("Posted Count",),
    "sites": (),
}


_ATTRIBUTES = tuple(
    (col, col.lower().replace(" ", "_").replace("(", "").replace(")", ""))
    for col in ("Member Count", "Guest Count", "External Member Count", "Guests", "Reactions",
                "Meetings Organized", "Read Count", "Liked Count", "File Count",
                "Yammer Read Message Count", "Yammer Liked Message Count",
                "Active File Count", "Page View Count", "Storage Used (Byte)")
)  # fmt: skip
"""Report columns kept as attributes, with their attribute names (computed once, not per row)."""


def _activity(
    key: str,
    cid: str,
    period: str,
    row: dict[str, str],
    present: tuple[tuple[str, str], ...] = _ATTRIBUTES,
    day: date | None = None,
) -> Activity:
    """One row as an Activity; a day report's (``day``) is dated that day, not the refresh."""
    engage = cid.startswith(f"{CONNECTOR}:engage:")
    # An Engage community's group row: its Viva Engage counts are the community's activity.
    columns = ("Yammer Posted Message Count",) if engage and key == "groups" else _POSTS[key]
    posts = [v for v in (_int(row.get(col)) for col in columns) if v is not None]
    attrs: dict[str, Any] = {"report": REPORTS[key]}
    if engage:
        attrs["active_users_note"] = NO_ENGAGE_ACTIVE
    for col, name in present:
        value = _int(row.get(col))
        if value is not None:
            attrs[name] = value
    active = _int(row.get("Active Users"))
    # Every field is given, already of its type: construct without validating (20,000-200,000
    # rows a run, where validation cost more than reading the CSV).
    return Activity.model_construct(
        community_id=cid,
        period=period,
        report_date=day or _day(row.get("Report Refresh Date")),
        active_users=active,
        posts=sum(posts) if posts else None,
        page_edits=_int(row.get("Active File Count")) if key == "sites" else None,
        last_activity_at=_last(row.get("Last Activity Date")),
        attributes=attrs,
    )

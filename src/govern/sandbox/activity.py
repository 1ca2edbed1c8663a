"""Usage reports, computed from each community's activity profile at the simulated today.

Four Graph reports (``getTeamsTeamActivityDetail``, ``getOffice365GroupsActivityDetail``,
``getYammerGroupsActivityDetail``, ``getSharePointSiteUsageDetail``) over D7, D30, D90, D180
(``period=``), or for one day (``date=``, "scoped to activity on the given date": only the
communities active that day have a row). Each ``*_rows`` function returns one dict per community
keyed by the documented CSV column names, in the documented column order (``*_COLUMNS``), so a
server only writes them as CSV.

Numbers are not stored: they follow from a community's profile (``alive``, ``last_activity``,
``level``, ``active_share``, member count) and a hash-based jitter, so a report for the same
day is always the same, and a community that stopped 120 days ago shows zeros in D7-D90 and
counts in D180. ``conceal=True`` replaces names as the tenant's concealed-names setting does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import NamedTuple

from govern.sandbox import ids
from govern.sandbox.entities import NEVER, Activity, Group, GroupKind, Site
from govern.sandbox.org import Organisation

PERIODS: dict[str, int] = {"D7": 7, "D30": 30, "D90": 90, "D180": 180}

TEAMS_COLUMNS: tuple[str, ...] = (
    "Report Refresh Date", "Team Name", "Team Id", "Team Type", "Last Activity Date",
    "Report Period", "Active Users", "Active Channels", "Guests", "Reactions",
    "Meetings Organized", "Post Messages", "Reply Messages", "Channel Messages",
    "Urgent Messages", "Mentions", "Active Shared Channels", "Active External Users",
)  # fmt: skip
GROUPS_COLUMNS: tuple[str, ...] = (
    "Report Refresh Date", "Group Display Name", "Is Deleted", "Owner Principal Name",
    "Last Activity Date", "Group Type", "Member Count", "External Member Count",
    "Exchange Received Email Count", "SharePoint Active File Count",
    "Yammer Posted Message Count", "Yammer Read Message Count", "Yammer Liked Message Count",
    "Exchange Mailbox Total Item Count", "Exchange Mailbox Storage Used (Byte)",
    "SharePoint Total File Count", "SharePoint Site Storage Used (Byte)", "Group Id",
    "Report Period",
)  # fmt: skip
ENGAGE_COLUMNS: tuple[str, ...] = (
    "Report Refresh Date", "Group Display Name", "Is Deleted", "Owner Principal Name",
    "Last Activity Date", "Group Type", "Office 365 Connected", "Member Count", "Posted Count",
    "Read Count", "Liked Count", "Report Period",
)  # fmt: skip
SITES_COLUMNS: tuple[str, ...] = (
    "Report Refresh Date", "Site Id", "Site URL", "Owner Display Name", "Is Deleted",
    "Last Activity Date", "File Count", "Active File Count", "Page View Count",
    "Visited Page Count", "Storage Used (Byte)", "Storage Allocated (Byte)",
    "Root Web Template", "Owner Principal Name", "Report Period",
)  # fmt: skip

Row = dict[str, str | int]


class Window(NamedTuple):
    """The days a report covers: ``days`` days ending with day ``end`` (absolute day numbers)."""

    end: int
    days: int
    daily: bool = False
    """A ``date=`` report: only communities active on that day have a row."""


def period_window(org: Organisation, period: str) -> Window:
    """``period=Dn``: the n days ending with the refresh date."""
    return Window(refresh_day(org), PERIODS[period])


def _window(org: Organisation, w: Window | str) -> Window:
    return period_window(org, w) if isinstance(w, str) else w


def day_window(day: int) -> Window:
    """``date=YYYY-MM-DD``: that one day."""
    return Window(day, 1, daily=True)


def _jitter(salt: int, *parts: int) -> float:
    """A stable number in [0.7, 1.3) for a community, period and day."""
    raw = hashlib.blake2b(repr((salt, *parts)).encode(), digest_size=4).digest()
    return 0.7 + 0.6 * int.from_bytes(raw, "big") / 2**32


def _conceal(salt: int, text: str) -> str:
    return hashlib.md5(f"{salt}:{text}".encode(), usedforsecurity=False).hexdigest().upper()


def refresh_day(org: Organisation) -> int:
    """Reports are a day behind: their refresh date is yesterday (absolute day number)."""
    return org.today - 1


def _date(day: int) -> str:
    return ids.iso(day * ids.DAY)[:10]


def measure(
    org: Organisation, idx: int, members: int, level: float, share: float, last: int,
    created: int, w: Window,
) -> Activity:  # fmt: skip
    """Activity of one community over the days of ``w``."""
    end = w.end
    start = end - w.days + 1
    last_day = min(last // ids.DAY, end)
    first_day = max(start, created // ids.DAY)
    if last_day < start or first_day > last_day or members == 0:
        # A day report's last activity is the community's as of that day (none: no row).
        return Activity(last, 0, 0, 0, 0, 0, 0)
    active_days = last_day - first_day + 1
    # One jitter per community and day, the same for every period, so that a longer period
    # never shows fewer active users or messages than a shorter one (as in the real reports).
    j = _jitter(org.salt, idx, end)
    ramp = min(1.0, 0.35 + 0.65 * active_days / 30)
    active = max(1, round(members * share * ramp * j))
    messages = round(level * active * active_days * j)
    return Activity(
        min(last, last_day * ids.DAY + 15 * 3600),
        active,
        messages,
        round(messages * 0.6),
        round(messages * 1.4 * j),
        round(active_days / 7 * j * min(active, 5)),
        round(messages * members * 0.3),
    )


def _last(org: Organisation, alive: bool, last_activity: int) -> int:
    return refresh_day(org) * ids.DAY + 15 * 3600 if alive else last_activity


def _group_activity(org: Organisation, g: Group, w: Window) -> Activity:
    last = _last(org, g.alive and g.deleted == NEVER, g.last_activity)
    return measure(org, g.idx, len(g.members), g.level, g.active_share, last, g.created, w)


def _reported(deleted: int, w: Window) -> bool:
    """Deleted communities stay in a report for the period they were deleted in."""
    return deleted == NEVER or deleted // ids.DAY > w.end - w.days


def _owner_upn(org: Organisation, g: Group) -> str:
    return org.people[g.owners.ids[0]].upn if len(g.owners) else ""


def _guests(org: Organisation, g: Group) -> int:
    return sum(1 for p in g.members.ids if org.people[p].guest)


def _groups(org: Organisation, kinds: tuple[GroupKind, ...], w: Window) -> Iterator[Group]:
    for g in org.groups:
        if g.kind in kinds and _reported(g.deleted, w):
            yield g


def _date_or_empty(ts: int) -> str:
    return "" if ts == NEVER else ids.iso(ts)[:10]


def teams_rows(org: Organisation, w: Window | str, conceal: bool = False) -> list[Row]:
    """``getTeamsTeamActivityDetail(period=|date=)``: one row per team."""
    w = _window(org, w)
    refresh = _date(refresh_day(org))
    rows: list[Row] = []
    for g in _groups(org, (GroupKind.TEAM,), w):
        a = _group_activity(org, g, w)
        if w.daily and not a.active_users:
            continue
        name = _conceal(org.salt, g.name) if conceal else g.name
        values: tuple[str | int, ...] = (
            refresh, name, org.group_id(g.idx), str(g.visibility),
            _date_or_empty(a.last_activity), str(w.days), a.active_users,
            min(a.active_users, 1 + len(g.members) // 25) if a.active_users else 0,
            _guests(org, g), a.reactions, a.meetings, a.messages, a.replies,
            a.messages + a.replies, a.messages // 40, a.messages // 8, 0,
            min(_guests(org, g), a.active_users),
        )  # fmt: skip
        rows.append(dict(zip(TEAMS_COLUMNS, values, strict=True)))
    return rows


def groups_rows(org: Organisation, w: Window | str, conceal: bool = False) -> list[Row]:
    """``getOffice365GroupsActivityDetail(period=|date=)``: one row per Microsoft 365 group."""
    w = _window(org, w)
    refresh = _date(refresh_day(org))
    kinds = (GroupKind.TEAM, GroupKind.UNIFIED, GroupKind.ENGAGE)
    rows: list[Row] = []
    for g in _groups(org, kinds, w):
        a = _group_activity(org, g, w)
        if w.daily and not a.active_users:
            continue
        site = org.sites[g.site] if g.site >= 0 else None
        engage = g.kind == GroupKind.ENGAGE
        owner = _owner_upn(org, g)
        values: tuple[str | int, ...] = (
            refresh, _conceal(org.salt, g.name) if conceal else g.name,
            g.deleted != NEVER, _conceal(org.salt, owner) if conceal and owner else owner,
            _date_or_empty(a.last_activity), str(g.visibility), len(g.members), _guests(org, g),
            a.messages // 3, site.files // 10 if site and a.active_users else 0,
            a.messages if engage else 0, a.posts_read if engage else 0,
            a.reactions if engage else 0, a.messages * 4, a.messages * 4 * 75_000,
            site.files if site else 0, site.storage if site else 0, org.group_id(g.idx),
            str(w.days),
        )  # fmt: skip
        rows.append(dict(zip(GROUPS_COLUMNS, values, strict=True)))
    return rows


def engage_rows(org: Organisation, w: Window | str, conceal: bool = False) -> list[Row]:
    """``getYammerGroupsActivityDetail(period=|date=)``: Engage communities of the home network."""
    w = _window(org, w)
    refresh = _date(refresh_day(org))
    rows: list[Row] = []
    for g in _groups(org, (GroupKind.ENGAGE,), w):
        a = _group_activity(org, g, w)
        if w.daily and not a.active_users:
            continue
        owner = _owner_upn(org, g)
        values: tuple[str | int, ...] = (
            refresh, _conceal(org.salt, g.name) if conceal else g.name, g.deleted != NEVER,
            _conceal(org.salt, owner) if conceal and owner else owner,
            _date_or_empty(a.last_activity), str(g.visibility), True, len(g.members),
            a.messages, a.posts_read, a.reactions, str(w.days),
        )  # fmt: skip
        rows.append(dict(zip(ENGAGE_COLUMNS, values, strict=True)))
    return rows


def _site_activity(org: Organisation, s: Site, w: Window) -> Activity:
    if s.group >= 0:
        return _group_activity(org, org.groups[s.group], w)
    last = _last(org, s.alive and s.deleted == NEVER, s.last_activity)
    return measure(org, 1_000_000 + s.idx, 20, 0.3, 0.4, last, s.created, w)


def sites_rows(org: Organisation, w: Window | str, conceal: bool = False) -> list[Row]:
    """``getSharePointSiteUsageDetail(period=|date=)``: group sites and standalone sites."""
    w = _window(org, w)
    refresh = _date(refresh_day(org))
    rows: list[Row] = []
    for s in org.sites:
        if not _reported(s.deleted, w):
            continue
        a = _site_activity(org, s, w)
        if w.daily and not a.active_users:
            continue
        owner = org.people[s.owner] if s.owner >= 0 else None
        name = owner.display_name if owner else ""
        upn = owner.upn if owner else ""
        values: tuple[str | int, ...] = (
            refresh, org.site_id(s.idx).split(",")[1],
            _conceal(org.salt, s.url) if conceal else s.url,
            _conceal(org.salt, name) if conceal and name else name, s.deleted != NEVER,
            _date_or_empty(a.last_activity), s.files, min(s.files, a.messages // 5),
            a.posts_read // 10, min(s.files, a.active_users * 3), s.storage, 26_214_400 * 1024,
            s.template, _conceal(org.salt, upn) if conceal and upn else upn, str(w.days),
        )  # fmt: skip
        rows.append(dict(zip(SITES_COLUMNS, values, strict=True)))
    return rows

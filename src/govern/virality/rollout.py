"""Rollout health: communities IT provisioned or filled by a bulk add, and whether people stayed.

For each such community: active members (now, and per week where the tool reports it), posts
per member, the share of bulk-added members who never posted after being added, side by side
with the grassroots communities of the same tool and size (a power-of-two band and its two
neighbours: about half to twice as many members).
A rollout "went quiet" when, 30 days or more after the bulk add, at most ``QUIET_ACTIVE`` of its
members are active and fewer than half as many as in its grassroots peers. For those the section
names the pilot path: grassroots communities and champions in the same departments, which could seed
a pilot before the next wave (pilot, then best cases, then the full rollout).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any, NamedTuple

from govern.model import Origin
from govern.virality.history import Facts, ReportInventory
from govern.virality.people_section import Champion, RolloutHealth
from govern.virality.spread import ACTIVE_DAYS, DAY, CommunitySpread, grassroots, weekly_posters

MIN_MEMBERS = 10
"""Smaller communities are not rollouts."""
BULK_SHARE = 0.5
"""A grassroots-born community whose largest bulk add brought at least this share is a rollout."""
QUIET_ACTIVE = 0.2
"""At most this share of members active, 30 days after the bulk add: the rollout went quiet."""
QUIET_AFTER_DAYS = 30
PILOT_SCAN = 500
"""Most active grassroots communities searched for pilot seeds."""
SHOWN = 10
"""Rollouts that did not go quiet, largest first, listed for comparison."""


class _Peers:
    """Grassroots communities' figures per tool and size band (a power of two of members).

    Medians are computed once per band: a rollout is compared with the grassroots communities
    whose member count falls in its power-of-two band (128-255, ...) or the two next to it.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], tuple[list[float], list[float]]] = {}
        self._medians: dict[tuple[str, int], tuple[int, float | None, float | None]] = {}

    def add(self, connector: str, members: int, active: float | None, posts: float | None) -> None:
        shares, per_member = self._rows.setdefault((connector, _band(members)), ([], []))
        if active is not None:
            shares.append(active)
        if posts is not None:
            per_member.append(posts)

    def freeze(self) -> None:
        keys = {(c, b + d) for c, b in self._rows for d in (-1, 0, 1)}
        for connector, band in keys:
            shares: list[float] = []
            posts: list[float] = []
            for d in (-1, 0, 1):
                more = self._rows.get((connector, band + d))
                if more is not None:
                    shares += more[0]
                    posts += more[1]
            self._medians[(connector, band)] = (len(shares), _median(shares), _median(posts))

    def of(self, connector: str, members: int) -> tuple[int, float | None, float | None]:
        """Peers counted, their median active share and median posts per member."""
        return self._medians.get((connector, _band(members)), (0, None, None))


def _band(members: int) -> int:
    return max(members, 1).bit_length()


def _figures(f: Facts, sp: CommunitySpread, now: float) -> tuple[float | None, float | None]:
    """Active share and posts per member over the last 30 days."""
    members = len(f.members)
    if not members:
        return None, None
    report = f.activity.get("D30")
    posts = report.posts if report is not None else None
    per_member = posts / members if posts is not None else None
    if sp.posts is not None:
        since = now - ACTIVE_DAYS * DAY
        active = sum(1 for pid in f.members if (s := sp.posts.get(pid)) and s[1] >= since)
        return active / members, per_member
    if report is not None and report.active_users is not None:
        return min(1.0, report.active_users / members), per_member
    return None, per_member


def _is_rollout(f: Facts, sp: CommunitySpread) -> bool:
    members = len(f.members)
    if members < MIN_MEMBERS or f.community.archived:
        return False
    if f.community.origin is Origin.IT_PROVISIONED:
        return True
    return sp.burst is not None and len(sp.burst.people) >= BULK_SHARE * members


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def rollouts(
    inv: ReportInventory,
    spreads: dict[str, CommunitySpread],
    champions: list[Champion],
    nets: dict[str, str],
) -> tuple[list[RolloutHealth], list[str]]:
    """Every rollout that went quiet, the largest others, and notes on what limits the figures."""
    peers = _Peers()
    candidates: list[tuple[str, float | None, float | None]] = []
    grassroots_active: list[tuple[int, str]] = []
    for cid, f in inv.facts.items():
        sp = spreads[cid]
        active, per_member = _figures(f, sp, inv.now)
        if _is_rollout(f, sp):
            candidates.append((cid, active, per_member))
            continue
        if not grassroots(f) or len(f.members) < MIN_MEMBERS:
            continue
        peers.add(f.community.connector, len(f.members), active, per_member)
        if active is not None:
            grassroots_active.append((round(active * len(f.members)), cid))
    peers.freeze()
    grassroots_active.sort(reverse=True)
    # Whether each went quiet first: only the ones shown get their figures and a model (all
    # that went quiet and the largest others; 3,700 of 9,700 at xl).
    out: list[_Candidate] = []
    for cid, active, per_member in candidates:
        f = inv.facts[cid]
        peer_active = peers.of(f.community.connector, len(f.members))[1]
        went = _quiet(active, _days(inv, f, spreads[cid]), peer_active)
        out.append(_Candidate(went, len(f.members), f.community.path, cid, active, per_member))
    quiet = sorted((r for r in out if r.quiet), key=_Candidate.order)
    rest = sorted((r for r in out if not r.quiet), key=_Candidate.order)
    seeds = _seeds(inv, [c for c in nets if c in inv.facts] + [c for _, c in grassroots_active])

    def health(r: _Candidate) -> dict[str, Any]:
        return _health(inv, inv.facts[r.cid], spreads[r.cid], r.active, r.per_member, peers)

    shown = [RolloutHealth(**_with_pilot(inv, health(r), champions, seeds)) for r in quiet]
    notes = [
        f"{len(out)} communities IT provisioned or filled by a bulk add; {len(quiet)} went quiet "
        f"(at most {QUIET_ACTIVE:.0%} of members active {QUIET_AFTER_DAYS}+ days after the "
        "bulk add, under half the share of grassroots communities of the same size)"
    ]
    if any(r.never_came_back is None for r in shown):
        notes.append(
            "never-came-back shares need per-person activity (Slack's history); Microsoft 365 "
            "and Confluence report activity per community only"
        )
    return shown + [RolloutHealth(**health(r)) for r in rest[:SHOWN]], notes


class _Candidate(NamedTuple):
    """A rollout before its figures are worked out: whether it went quiet, and how to list it."""

    quiet: bool
    members: int
    path: str
    cid: str
    active: float | None
    per_member: float | None

    def order(self) -> tuple[int, str]:
        """Largest first, then by path."""
        return -self.members, self.path


def _health(
    inv: ReportInventory,
    f: Facts,
    sp: CommunitySpread,
    active: float | None,
    per_member: float | None,
    peers: _Peers,
) -> dict[str, Any]:
    """A rollout's :class:`RolloutHealth` fields."""
    c = f.community
    members = len(f.members)
    notes: list[str] = []
    burst = sp.burst
    days = _days(inv, f, sp)
    never: float | None = None
    if burst is not None and sp.posts is not None:
        if inv.now - burst.at <= 90 * DAY:
            stayed = sum(1 for pid in burst.people if (s := sp.posts.get(pid)) and s[1] >= burst.at)
            never = round(1 - stayed / len(burst.people), 3)
        else:
            notes.append("the bulk add is older than the 90 days of history read per person")
    elif burst is None:
        notes.append("no bulk add seen: the tool does not say who added members, or when")
    peer_count, peer_active, peer_posts_median = peers.of(c.connector, members)
    quiet = _quiet(active, days, peer_active)
    if active is None:
        notes.append("no activity report: whether people stayed is unknown")
    weekly = weekly_posters(f) or []
    verdict = _verdict(c.name, members, burst, days, active, never, peer_active, quiet)
    return dict(
        id=c.id,
        path=c.path,
        name=c.name,
        connector=c.connector,
        origin=c.origin,
        owners=sorted(_named(inv, pid) for pid in f.owners),
        members=members,
        bulk_added=len(burst.people) if burst is not None else 0,
        bulk_at=datetime.fromtimestamp(burst.at, UTC) if burst is not None else None,
        days_since_bulk=round(days, 1) if days is not None else None,
        active_share=round(active, 3) if active is not None else None,
        posts_per_member=round(per_member, 3) if per_member is not None else None,
        never_came_back=never,
        active_over_time=weekly,
        peers=peer_count,
        peer_active_share=peer_active,
        peer_posts_per_member=peer_posts_median,
        went_quiet=quiet,
        verdict=verdict,
        departments=[],
        pilot_communities=[],
        pilot_champions=[],
        notes=notes,
    )


def _days(inv: ReportInventory, f: Facts, sp: CommunitySpread) -> float | None:
    """Days since the bulk add (or since the community was made, without one)."""
    start = sp.burst.at if sp.burst is not None else f.created
    return (inv.now - start) / DAY if start is not None else None


def _quiet(active: float | None, days: float | None, peer_active: float | None) -> bool:
    """Few members active 30 days or more after the bulk add, and under half its peers' share."""
    return (
        active is not None
        and days is not None
        and days >= QUIET_AFTER_DAYS
        and active <= QUIET_ACTIVE
        and (peer_active is None or active < peer_active / 2)
    )


def _named(inv: ReportInventory, pid: str) -> str:
    p = inv.people.get(pid)
    return (p.email if p is not None and p.email else None) or pid


def _pct(x: float | None) -> str:
    return f"{x:.0%}" if x is not None else "unknown"


def _verdict(
    name: str,
    members: int,
    burst: object,
    days: float | None,
    active: float | None,
    never: float | None,
    peer: float | None,
    quiet: bool,
) -> str:
    how = "bulk-added" if burst is not None else "provisioned"
    age = f"{days:.0f} days ago" if days is not None else "at an unknown time"
    text = (
        f"{name}: {members} members {how} {age}; {_pct(active)} active in the last 30 days "
        f"(grassroots of the same size: {_pct(peer)})"
    )
    if never is not None:
        text += f"; {_pct(never)} never came back after being added"
    if quiet:
        text += "; went quiet: run a pilot with the communities and champions below first"
    return text


def _seeds(inv: ReportInventory, ordered: list[str]) -> dict[str, list[str]]:
    """Pilot seeds per department: grassroots communities whose largest department it is.

    ``ordered`` puts notable networks first, then the most active grassroots communities; the
    first ``PILOT_SCAN`` distinct ones are considered, each worked out once for every rollout.
    """
    out: dict[str, list[str]] = {}
    for cid in list(dict.fromkeys(ordered))[:PILOT_SCAN]:
        f = inv.facts[cid]
        if not grassroots(f):
            continue
        mix = _mix(inv, f)
        if mix:
            out.setdefault(mix.most_common(1)[0][0], []).append(cid)
    return out


def _with_pilot(
    inv: ReportInventory,
    r: dict[str, Any],
    champions: list[Champion],
    seeds: dict[str, list[str]],
) -> dict[str, Any]:
    """The pilot path: grassroots communities and champions in the rollout's departments."""
    depts = [d for d, _ in _mix(inv, inv.facts[r["id"]]).most_common(3)]
    wanted = set(depts)
    found: list[str] = []
    for d in depts:  # the largest department's seeds first
        found += [c for c in seeds.get(d, [])[:3] if c != r["id"]]
    paths = list(dict.fromkeys(inv.facts[c].community.path for c in found))[:3]
    people = [c.person for c in champions if c.department in wanted and c.person][:3]
    return r | {"departments": depts, "pilot_communities": paths, "pilot_champions": people}


def _mix(inv: ReportInventory, f: Facts) -> Counter[str]:
    """Members per department, in order of first appearance (ties keep that order)."""
    return f.members.department_counts(inv.people.department_of)

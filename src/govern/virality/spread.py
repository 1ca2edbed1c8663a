"""Who carried each community: organic adds per adder, bulk adds, posts per author, lone links.

One pass over the members the report already loaded (``history.ReportInventory``), so the champions
and rollout-health sections cost one loop over the grants, not another read of the store.

* An add is *bulk* when it is part of a run of at least ``burst_members`` people, and
  ``burst_share`` of the members, added by one adder within ``burst_hours`` (the same rule as
  the report's organic share): an IT broadcast is not word of mouth and earns no champion credit.
* Posts per author come from the tool's per-person activity (Slack's history, kept on the
  90-day activity report as ``authors``); where a tool reports none, posts are unknown, not 0.
* A *lone link* is a member who is the only one of their department in a community of
  ``LONE_LINK_MIN`` members or more: the person through whom the community reaches a department.
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import itemgetter
from typing import Any, NamedTuple, cast

from govern.model import Origin
from govern.virality.history import Facts, ReportInventory
from govern.virality.members import Join, Members
from govern.virality.thresholds import Thresholds

DAY = 86400.0
LONE_LINK_MIN = 5
"""Smallest community in which being a department's only member counts as a bridge."""
ACTIVE_DAYS = 30
"""A member who posted within this many days is active (Productiv: one action in 30 days)."""


def authors(f: Facts) -> dict[str, tuple[int, float]] | None:
    """Posts in 90 days and newest post time per author, or None if the tool reports neither."""
    report = f.activity.get("D90")
    raw: Any = report.attributes.get("authors") if report is not None else None
    if not isinstance(raw, dict):
        return None
    out: dict[str, tuple[int, float]] = {}
    for pid, value in raw.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            out[str(pid)] = (int(value[0]), float(value[1]))
    return out


def weekly_posters(f: Facts) -> list[int] | None:
    """Distinct posters per week over 13 weeks, oldest first, when the tool reports them."""
    report = f.activity.get("D90")
    raw: Any = report.attributes.get("weekly_posters") if report is not None else None
    if not isinstance(raw, list):
        return None
    return [int(n) for n in raw]


def grassroots(f: Facts) -> bool:
    """Whether people, not IT, made this community (the places champions carry)."""
    return f.community.origin is not Origin.IT_PROVISIONED


@dataclass
class Burst:
    """The largest run of adds by one adder within the burst window."""

    adder: str
    at: float
    """When the run began (epoch seconds)."""
    people: list[str] = field(default_factory=list)


@dataclass
class CommunitySpread:
    """What one community's joins say about who carried it."""

    adds: Adds | None = None
    """Who added whom; every add is organic unless :attr:`split` took bulk adds out."""
    split: dict[str, list[str]] | None = None
    """Adder -> its organic adds, where some adder added enough for a bulk add."""
    bulk: int = 0
    """Members who came in through a bulk add."""
    burst: Burst | None = None
    """The largest bulk add, if any."""
    posts: dict[str, tuple[int, float]] | None = None
    """Per author: posts in 90 days and newest post time; None when the tool reports none."""
    lone: dict[str, str] = field(default_factory=dict)
    """Principal -> department, for members who are their department's only one here."""

    @property
    def organic(self) -> dict[str, list[str]]:
        """Adder -> the principals it added that were not part of a bulk add."""
        if self.split is not None:
            return self.split
        return self.adds.by_adder if self.adds is not None else {}

    def organic_of(self, wanted: set[str]) -> dict[str, list[str]]:
        """:attr:`organic` of the adders in ``wanted`` only.

        Asked for a few hundred people in every community: the lists of who added whom are
        made only where one of them added someone (a pass in C over the adders' column).
        """
        if self.split is None and (self.adds is None or not self.adds.added_by_any(wanted)):
            return {}
        organic = self.organic
        return {a: organic[a] for a in organic.keys() & wanted}

    def organic_pairs(self) -> AddColumns:
        """Every organic add as two columns of principal keys; see :class:`AddColumns`."""
        if self.adds is None:
            return AddColumns((), ())
        return self.adds.pairs(self.split)


class AddColumns(NamedTuple):
    """Adds as two columns of principal keys: who added (``adders``) and whom (``members``).

    ``adders[i]`` added ``members[i]`` where it is someone else and not 0 (no adder); the
    other positions are joins by oneself or with no adder.
    """

    adders: Sequence[int]
    members: Sequence[int]


def _runs(added: list[tuple[str, float]], window: float, need: float) -> list[list[str]]:
    """Runs of adds (sorted by time) within ``window`` of a run's first add, at least ``need``."""
    out: list[list[str]] = []
    start = 0
    for end in range(1, len(added) + 1):
        if end == len(added) or added[end][1] - added[start][1] > window:
            if end - start >= need:
                out.append([pid for pid, _ in added[start:end]])
            start = end
    return out


def community_spread(f: Facts, th: Thresholds, department_of: dict[str, str]) -> CommunitySpread:
    """Organic and bulk adds, posts per author and lone links of one community."""
    out = CommunitySpread(posts=authors(f))
    members = len(f.members)
    # Lone links only matter where people, not IT, made the community. Counted with builtins
    # (map, Counter) rather than a Python loop: two million members at the xl size.
    if members >= LONE_LINK_MIN and grassroots(f):
        get = department_of.get
        # Counted once by the breadth measure when it ran on the same members.
        depts = f.departments
        if depts is None:
            depts = f.members.departments()
        if depts is None:
            depts = Counter(filter(None, map(get, f.members)))
        singles = [d for d, n in depts.items() if n == 1]
        if singles and len(depts) > 1:
            m = f.members
            if m.depts is not None:
                # Coded at load: each single's one member is found in C, without a pass of
                # lookups over every member.
                out.lone = {m.member_of(d): d for d in singles}
            else:
                pids = m.pids
                where = dict(zip(map(get, pids), pids, strict=True))  # department -> a member
                out.lone = {where[d]: d for d in singles}
    out.adds = a = adds(f)
    window = th.burst_window
    need = max(th.burst_members, th.burst_share * members)
    if a.most < need:
        # No adder added enough for a bulk add: every add is organic. The lists of who added
        # whom are not made here: the champions count the adds from the members' columns.
        return out
    out.split = organic = {}
    time_of: dict[str, float] | None = None
    for adder, pids in a.by_adder.items():
        if len(pids) < need:
            organic[adder] = pids
            continue
        if time_of is None:
            time_of = f.members.time_of()  # only where a bulk add is possible
        times = map(time_of.__getitem__, pids)
        added = sorted(zip(pids, times, strict=True), key=itemgetter(1))
        bulk: set[str] = set()
        for run in _runs(added, window, need):
            bulk.update(run)
            if out.burst is None or len(run) > len(out.burst.people):
                at = next(ts for pid, ts in added if pid == run[0])
                out.burst = Burst(adder, at, run)
        out.bulk += len(bulk)
        kept = [pid for pid, _ in added if pid not in bulk]
        if kept:
            organic[adder] = kept
    return out


class Adds:
    """Who added whom in one community, counted in one pass over its members.

    Shared by the report's organic-spread measures (:func:`govern.virality.metrics.spread`) and
    the champions section, so the two million members of an xl inventory are walked once. The
    measures need only counts, made in C (``Counter`` over the adders); the lists of who added
    whom (:attr:`by_adder`) are made on first read, by the champions section.
    """

    __slots__ = (
        "_by_adder",
        "_members",
        "added",
        "adders",
        "between",
        "counts",
        "most",
        "own_no_adder",
        "self_adds",
        "times",
    )

    def __init__(self, members: Members | None = None) -> None:
        self._members = members if members is not None else Members()
        self._by_adder: dict[str, list[str]] | None = None
        self.times: Sequence[float] = []
        """Every known join time, in member order (read only: it may be the members' column)."""
        self.between = 0
        """Joins seen only between two snapshots (a time, no adder, not from the tool)."""
        self.own_no_adder = 0
        """Joins the tool dated but attributed to no one."""
        self.self_adds = 0
        """Members who joined by themselves (the adder is the member)."""
        self.added = 0
        """Members added by someone else (every list of :attr:`by_adder`, summed)."""
        self.adders = 0
        """People who added someone else (the keys of :attr:`by_adder`)."""
        self.most = 0
        """The most members one adder added (the longest list of :attr:`by_adder`)."""
        self.counts: dict[str, int] | None = None
        """Adder -> how many it added (the keys and lengths of :attr:`by_adder`), while the
        measures read it; None once they are done (see :meth:`drop_counts`)."""

    @property
    def by_adder(self) -> dict[str, list[str]]:
        """Adder -> the members it added, made on first read and kept.

        Members in member order, adders in order of their first add; adds with a known time
        only: adds of oneself and members with no adder are not in it.
        """
        if self._by_adder is None:
            self._by_adder = _by_adder(self._members)
        return self._by_adder

    def pairs(self, organic: dict[str, list[str]] | None = None) -> AddColumns:
        """Every add of :attr:`by_adder` (or of ``organic``, a part of it), as principal keys.

        The members' own key columns where every join time is known: no copy, no list per
        adder, and keys compare in C as machine integers, where ids are strings scattered in
        memory. The members must have been read by ``history.load`` (which gives the keys).
        """
        m = self._members
        keys, adder_keys = m.member_keys, m.adder_keys
        if keys is None or adder_keys is None:
            raise ValueError("members made without their principal keys (read them with load)")
        if organic is not None:
            # A few communities (a bulk add split out): their lists' ids back to keys.
            key_of = dict(zip(m.pids, keys, strict=True))
            adder_key = dict(zip(m.adders, adder_keys, strict=True))
            by = [adder_key[a] for a, added in organic.items() for _ in added]
            to = [key_of[pid] for added in organic.values() for pid in added]
            return AddColumns(array("i", by), array("i", to))
        if m.unknown:
            known = bytes(map(operator.eq, m.times, m.times))  # NaN is not equal to itself
            keys, adder_keys = (
                array("i", compress(keys, known)),
                array("i", compress(adder_keys, known)),
            )
        return AddColumns(adder_keys, keys)

    def added_by_any(self, wanted: set[str]) -> bool:
        """Whether someone in ``wanted`` may have added someone here.

        A test on the adders' column, which also names people who joined by themselves: a
        yes may still find no add (the caller's lookup then finds none).
        """
        if self._by_adder is not None:
            return not wanted.isdisjoint(self._by_adder)
        return not wanted.isdisjoint(self._members.adders)

    def drop_counts(self) -> None:
        """Free the per-adder counts (a dict per community) once the measures have read them."""
        self.counts = None


def known_joins(m: Members) -> tuple[list[str], list[str | None], Sequence[float], Sequence[int]]:
    """The members' pids, adders, times and own flags, leaving out unknown join times.

    The members' own columns when every time is known (the common case), copies otherwise.
    """
    if not m.unknown:
        return m.pids, m.adders, m.times, m.own
    known = list(map(operator.eq, m.times, m.times))  # NaN is not equal to itself
    return (
        list(compress(m.pids, known)),
        list(compress(m.adders, known)),
        list(compress(m.times, known)),
        bytes(compress(m.own, known)),
    )


def added_by_others(
    m: Members, pids: Sequence[str], adders: Sequence[str | None]
) -> Iterator[bool]:
    """Per member of :func:`known_joins` ``(pids, adders)``: whether its adder is not itself.

    Compared as the members' keys where they have them (machine integers, in C), else as ids
    (strings scattered in memory: a cache miss or two per member at the xl size).
    """
    keys, adder_keys = m.member_keys, m.adder_keys
    if keys is not None and adder_keys is not None and not m.unknown:
        return map(operator.ne, keys, adder_keys)  # the same positions: every time is known
    return map(operator.ne, pids, adders)


def adds_of(members: Mapping[str, Join]) -> Adds:
    """The :class:`Adds` of a community's members (``Facts.members`` or a subset of it)."""
    m = Members.of(members)
    out = Adds(m)
    pids, adders, times, own = known_joins(m)
    out.times = times
    # Counted in C, not a Python loop per member: who added someone else (the adder is not the
    # member; a missing adder is counted under None and taken out).
    counts: Counter[str | None] = Counter(compress(adders, added_by_others(m, pids, adders)))
    none = counts.pop(None, 0)
    if none:
        out.own_no_adder = sum(compress(own, map(operator.is_, adders, repeat(None))))
        out.between = none - out.own_no_adder
    out.added = counts.total()
    out.self_adds = len(pids) - none - out.added
    out.adders = len(counts)
    out.most = max(counts.values(), default=0)
    out.counts = cast(dict[str, int], counts)  # None is out
    return out


def _by_adder(m: Members) -> dict[str, list[str]]:
    """Adder -> the members it added (see :attr:`Adds.by_adder`)."""
    pids, adders, _times, _own = known_joins(m)
    out: dict[str, list[str]] = {}
    get = out.get
    for pid, adder in compress(zip(pids, adders, strict=True), added_by_others(m, pids, adders)):
        if adder is None:
            continue
        found = get(adder)
        if found is None:
            out[adder] = [pid]
        else:
            found.append(pid)
    return out


def adds_by_adder(f: Facts) -> dict[str, list[str]]:
    """Adder -> the members it added, read once per community and kept on its facts."""
    return adds(f).by_adder


def adds(f: Facts) -> Adds:
    """The community's :class:`Adds`, computed on first use and kept on its facts."""
    if f.adds is None:
        f.adds = adds_of(f.members)
    return f.adds


def spreads(inv: ReportInventory, th: Thresholds) -> dict[str, CommunitySpread]:
    """The spread of every community in the inventory."""
    dept = inv.people.department_of
    return {cid: community_spread(f, th, dept) for cid, f in inv.facts.items()}

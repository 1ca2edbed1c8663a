"""The explainable components of "went viral", one function each, on plain inputs.

Every component is a :class:`Value`: a figure, or None with a note that says why there is no
figure (typically "not measurable yet: needs N more days of history"). Nothing is estimated to
fill a gap. Components are kept side by side and never folded into one opaque number: growth,
retention and activity are only weakly correlated (Cunha et al. 2019).
"""

from __future__ import annotations

import bisect
import math
import operator
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from govern.virality.bursts import bursts
from govern.virality.history import WINDOWS, Facts, ReportInventory
from govern.virality.members import Join, Members
from govern.virality.people import People
from govern.virality.spread import Adds, adds_of
from govern.virality.spread import adds as adds_cached
from govern.virality.thresholds import Thresholds

DAY = 86400.0


class Value(NamedTuple):
    """One measured figure, or the reason there is none.

    A named tuple rather than a frozen dataclass: the report makes eighteen per community
    (900,000 at the xl size), and a tuple is made in half the time.
    """

    value: float | None
    note: str | None = None
    rank_as: float | None = None
    """What to rank by when there is no figure but an order is clear (a community that had no
    members 30 days ago grew faster than any that had some)."""

    @property
    def rank_key(self) -> float | None:
        """The figure used for percentiles."""
        return self.value if self.value is not None else self.rank_as


ACTIVITY_PERIODS = ("D30", "D7", "D90", "D180")
"""Activity periods in order of preference."""

LOWER_IS_MORE = frozenset({"doubling_days"})
"""Components where a smaller figure means more (faster doubling)."""


@dataclass(slots=True)
class Measured:
    """Every component of one community."""

    values: dict[str, Value] = field(default_factory=dict)
    departments: Counter[str] = field(default_factory=Counter)
    members: list[str] = field(default_factory=list)
    inactive_days: float | None = None
    last_activity: float | None = None
    growth_method: str | None = None


def history_note(window: float, history_days: float) -> str:
    """The note for a figure that needs ``window`` days of history."""
    need = max(1, math.ceil(window - history_days))
    return f"not measurable yet: needs {need} more days of history"


def reach(members: int, active_users: int | None) -> dict[str, Value]:
    """Reach: distinct people holding a role, and people active in the last 30 days."""
    active = (
        Value(float(active_users))
        if active_users is not None
        else Value(None, "no 30-day activity report from the tool")
    )
    return {"members": Value(float(members)), "active_users": active}


_GROWTH_KEYS = tuple(sys.intern(f"growth_{window}d") for window in WINDOWS)
"""The growth components' names, made once: every community's figures share the strings."""


def growth(
    now_members: int,
    past: dict[int, int | None],
    history_days: float,
) -> dict[str, Value]:
    """Growth over 30 and 90 days and the doubling time, from members ``window`` days ago.

    ``past[window]`` is None when the history does not reach back that far. The doubling time
    is ``ln 2 / ln(1 + weekly growth)`` with the weekly rate implied by the shortest window
    that has a figure.
    """
    out: dict[str, Value] = {}
    rate: tuple[float, int] | None = None
    for window, key in zip(WINDOWS, _GROWTH_KEYS, strict=True):
        then = past.get(window)
        if then is None:
            out[key] = Value(None, history_note(window, history_days))
        elif then == 0:
            out[key] = Value(
                None,
                f"new in the last {window} days (0 -> {now_members} members)",
                rank_as=math.inf if now_members else 0.0,
            )
        else:
            out[key] = Value(100.0 * (now_members - then) / then)
            if rate is None:
                rate = (now_members / then, window)
    if rate is None:
        new = any(past.get(w) == 0 for w in WINDOWS)
        out["doubling_days"] = (
            Value(None, "new: no earlier size to double from", rank_as=0.0)
            if new and now_members
            else Value(None, out[_GROWTH_KEYS[-1]].note or "no growth figure")
        )
    elif rate[0] <= 1.0:
        out["doubling_days"] = Value(None, "not growing", rank_as=math.inf)
    else:
        weekly = rate[0] ** (7.0 / rate[1]) - 1.0
        # ln 2 / ln(1 + weekly growth) is in weeks; the report speaks days.
        out["doubling_days"] = Value(7.0 * math.log(2) / math.log(1.0 + weekly))
    return out


def past_from_joins(
    joins: Sequence[Join], now: float, created: float | None
) -> dict[int, int | None]:
    """Members ``window`` days ago from the tool's own join dates, when every member has one.

    People who joined and left before the first snapshot are unknown, so this counts the
    current members who were already in: a floor, said as such by the caller.
    """
    out: dict[int, int | None] = {}
    for window in WINDOWS:
        then = now - window * DAY
        if created is not None and created > then:
            out[window] = 0
        elif joins and all(ts is not None and own for ts, _, own in joins):
            out[window] = sum(1 for ts, _, _ in joins if ts is not None and ts <= then)
        else:
            out[window] = None
    return out


def breadth(mix: Counter[str], org_departments: int, min_share: float = 0.0) -> dict[str, Value]:
    """Breadth: departments holding a meaningful share of members, and the mix's entropy.

    A department counts when it holds at least ``min_share`` of the members whose department is
    known (``department_min_share`` in thresholds.yaml): in real firms most members of an
    ordinary community share the owner's department, and a department holding one member is
    noise, not breadth. Entropy is normalized by ``ln(departments in the organisation)``, so
    1.0 means members are spread evenly over every department and a two-department community
    cannot score 1.0.
    """
    total = sum(mix.values())
    if total == 0:
        note = "no member's department is known (needs the directory connector to match by email)"
        return {"departments": Value(None, note), "entropy": Value(None, note)}
    # The same terms, summed in the same order, as ``sum(p * log(p))``; each (n, total) term
    # is computed once per report (50,000 communities share a few thousand of them).
    h = -sum(map(_terms(total).__getitem__, filter(None, mix.values())))
    k = max(org_departments, len(mix))
    entropy = h / math.log(k) if k > 1 else 0.0
    counted = sum(map((min_share * total).__le__, mix.values()))
    said: str | None = None
    if min_share > 0:
        fewer = len(mix) - counted
        said = f"departments holding at least {min_share:.0%} of members" + (
            f" ({fewer} more hold fewer)" if fewer else ""
        )
    return {"departments": Value(float(counted), said), "entropy": Value(entropy)}


class _Terms(dict[int, float]):
    """``n -> (n / total) * log(n / total)`` for one total, each computed on first use."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def __missing__(self, n: int) -> float:
        total = self.total
        found = self[n] = (n / total) * math.log(n / total)
        return found


_TERMS: dict[int, _Terms] = {}
"""Entropy terms by total (a few thousand totals and counts at the xl size; bounded below)."""


def _terms(total: int) -> _Terms:
    found = _TERMS.get(total)
    if found is None:
        if len(_TERMS) > 10_000:
            _TERMS.clear()
        found = _TERMS[total] = _Terms(total)
    return found


SIZE_BANDS = ((2, 9), (10, 49), (50, 199), (200, None))
"""Member-count bands for the departments-per-community line of the report's closing note."""


def departments_by_size(measured: Iterable[Measured], min_share: float) -> str | None:
    """The median departments per community in each size band, as one line for the notes.

    Breadth is only a signal if ordinary communities cluster: this line shows whether they do
    (in a real firm, a few departments each, whatever the size) beside the outliers.
    """
    bands: dict[tuple[int, int | None], list[float]] = {b: [] for b in SIZE_BANDS}
    for m in measured:
        size, depts = m.values.get("members"), m.values.get("departments")
        if size is None or depts is None or size.value is None or depts.value is None:
            continue
        for lo, hi in SIZE_BANDS:
            if size.value >= lo and (hi is None or size.value <= hi):
                bands[(lo, hi)].append(depts.value)
    parts = [
        f"{lo}-{hi if hi else ''} members: {_median(v):g} "
        f"({len(v)} {'community' if len(v) == 1 else 'communities'})".replace(
            "- members", "+ members"
        )
        for (lo, hi), v in bands.items()
        if v
    ]
    if not parts:
        return None
    return (
        f"departments per community (departments holding at least {min_share:.0%} of members), "
        f"median by size: " + "; ".join(parts)
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def engagement(
    members: int,
    active_users: int | None,
    posts: int | None,
    page_edits: int | None,
    no_active: str | None = None,
) -> dict[str, Value]:
    """Engagement: active / members and contributions (posts or page edits) / members.

    ``no_active``: what the tool says when it reports activity but no active users (Viva
    Engage); its post counts still give contributions per member.
    """
    if members == 0:
        none = Value(None, "no members")
        return {"active_ratio": none, "posts_per_member": none}
    contributions = (posts or 0) + (page_edits or 0)
    have = posts is not None or page_edits is not None
    if active_users is None:
        note = no_active or "no 30-day activity report from the tool"
        return {
            "active_ratio": Value(None, note),
            "posts_per_member": Value(contributions / members)
            if have and no_active
            else Value(None, note),
        }
    return {
        "active_ratio": Value(min(1.0, active_users / members)),
        "posts_per_member": Value(contributions / members)
        if have
        else Value(None, "the tool reports no post or edit counts"),
    }


def spread(
    joins: Mapping[str, Join],
    owners: set[str],
    people: People,
    th: Thresholds,
    first_at: float,
    interval_days: float | None = None,
    adds: Adds | None = None,
    *,
    spaced: bool = False,
) -> dict[str, Value]:
    """Organic versus broadcast growth, from when and by whom members were added.

    A join is broadcast when it is part of a bulk add (at least ``burst_members`` people, and
    ``burst_share`` of the members, added by one adder within ``burst_hours``) or was made by a
    service account (provisioning, directory sync); the rest joined one by one, over time:
    organic. An all-company invite is one large broadcast and must not look viral (Goel et al.,
    "structural virality", 2016).

    The shares are measured on the joins the tool attributes (a join time from the tool itself:
    the Entra audit log, Slack's channel history); members who joined before the tool's record
    begins are unknown and the note says how many joins the figures rest on. Joins seen only as
    "appeared between two snapshots" have no adder: they count for timing (the join span) with
    their precision stated (one snapshot interval, ``interval_days``), never for bulk adds, as
    a weekly snapshot would make any week's joins look like one burst.
    """
    a = adds if adds is not None else adds_of(joins)
    members = len(joins)
    since = _day(first_at)
    span = _join_span(a, members, since, interval_days)
    attributed = len(a.times) - a.between
    if members == 0 or attributed < max(min(members, 5), 0.1 * members):
        note = (
            f"not measurable yet: join dates known for {attributed} of {members} members "
            f"from the tool (who added whom; joins seen only between snapshots since {since} "
            f"have no adder)"
        )
        none = Value(None, note)
        return {k: span if k == "join_span_days" else none for k in SPREAD_KEYS}
    basis = (
        None
        if attributed == members
        else f"from the {attributed} of {members} joins the tool attributes (earlier ones unknown)"
    )
    services = people.services
    counts = a.counts
    if counts is None:  # freed after the measures: count the lists again
        counts = {adder: len(pids) for adder, pids in a.by_adder.items()}
    # Adds by service accounts (provisioning, directory sync) are broadcast, never bursts.
    # (Tens of thousands of adders in large communities: the common cases are summed in C.)
    if not services or services.isdisjoint(counts):
        system, candidates = 0, counts
    else:
        system = sum(n for adder, n in counts.items() if adder in services)
        candidates = {adder: n for adder, n in counts.items() if adder not in services}
    broadcast, largest = bursts(candidates, Members.of(joins), th, members, spaced=spaced)
    with_adder = attributed - a.own_no_adder
    # Peers: people who joined by themselves or were added by someone who does not own it.
    by_owners = sum(counts[o] for o in owners if o in counts)
    peers = a.self_adds + a.added - by_owners
    return {  # in the order of SPREAD_KEYS
        "organic_share": Value((attributed - broadcast - system) / attributed, basis),
        "largest_burst_share": Value(largest / members),
        "peer_share": Value(peers / with_adder, basis)
        if with_adder
        else Value(None, "the tool does not say who added members"),
        "adders": Value(float(a.adders), basis),
        "join_span_days": span,
    }


SPREAD_KEYS = ("organic_share", "largest_burst_share", "peer_share", "adders", "join_span_days")
"""The organic-spread components, in the order the report lists them."""


@lru_cache(maxsize=1024)  # bounded: a fleet worker builds reports for many tenants
def _day(at: float) -> str:
    """The date of an epoch time, as ISO text (asked once per community, for a few times)."""
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def _join_span(a: Adds, members: int, since: str, interval_days: float | None) -> Value:
    """Days between the 10th and 90th percentile of join times, with its precision stated."""
    if len(a.times) < 2 or len(a.times) * 2 < members:
        return Value(
            None,
            f"not measurable yet: join dates known for {len(a.times)} of {members} members "
            f"(joins after the first snapshot on {since} count)",
        )
    times = sorted(a.times)
    last = len(times) - 1  # the nearest ranks to the 10th and 90th percentiles
    span = (times[round(0.9 * last)] - times[round(0.1 * last)]) / DAY
    precise = None
    if a.between:
        within = f" (up to {interval_days:.0f} days)" if interval_days else ""
        precise = (
            f"{a.between} of {len(times)} join times known to within one snapshot interval{within}"
        )
    return Value(span, precise)


def exposure(
    member_ids: Iterable[str], owners: set[str], people: People, label: str | None
) -> dict[str, Value]:
    """Exposure: guests and external people, owners, and whether a sensitivity label is set."""
    # A mapping's or a set's keys are distinct already: no copy of two million ids.
    ids = (
        member_ids
        if type(member_ids) is Members or isinstance(member_ids, Mapping | set)
        else set(member_ids)
    )
    # (An empty set's intersection with a mapping would still walk all of its keys.)
    external = len(people.external.intersection(ids)) if people.external else 0
    n = len(ids)
    return {
        "guests": Value(float(external)),
        "external_share": Value(external / n) if n else Value(None, "no members"),
        "owners": Value(float(len(owners))),
        "labelled": Value(1.0 if label else 0.0),
    }


def measure(
    f: Facts,
    inv: ReportInventory,
    th: Thresholds,
    shared: dict[object, Value] | None = None,
    *,
    spaced: bool = False,
) -> Measured:
    """Every component of one community, from its facts.

    ``shared``: one dict for every community of a report, through which equal figures become
    one object (a value is immutable). At the xl size 900,000 figures hold about 100,000
    distinct ones (member counts, shares of small counts, the same notes). ``spaced``: no adder
    added two of its members within the burst window (:func:`govern.virality.bursts.spaced`).
    """
    people = inv.people
    not_people = people.not_people
    joins = (
        f.members
        if not not_people or not_people.isdisjoint(f.members.pids)
        else f.members.without(not_people)
    )
    # Owners come from the same current grants as members: all of them are members.
    owners = f.owners if joins is f.members else {o for o in f.owners if o in joins}
    n = len(joins)
    # The 30-day report is the reference; tools that report other periods only (Teams: D7,
    # D90, D180) are read from the nearest one, and the figure says which.
    period = d30 = None
    for p in ACTIVITY_PERIODS:
        if p in f.activity:
            period, d30 = p, f.activity[p]
            break
    active = d30.active_users if d30 else None
    out = Measured(members=joins.pids, departments=joins.department_counts(people.department_of))
    # (The members' ids are shared with the facts, read only.)
    out.values.update(reach(n, active))
    said = (
        str(d30.attributes["active_users_note"])
        if d30 and active is None and ("active_users_note" in d30.attributes)
        else None
    )
    if said:
        # The tool reports activity but no active users (Viva Engage): say that, not "no report".
        out.values["active_users"] = Value(None, said)
    history_days = (inv.now - f.clock.first_at) / DAY
    created = f.created
    past = dict(f.past)
    for window in WINDOWS:
        if created is not None and created > inv.now - window * DAY:
            past[window] = 0
    if any(map(operator.is_not, past.values(), repeat(None))):
        out.growth_method = "snapshots"
    if None in map(past.get, WINDOWS):
        from_joins = past_from_joins(list(joins.values()), inv.now, created)
        for window in WINDOWS:
            if past.get(window) is None and from_joins[window] is not None:
                past[window] = from_joins[window]
                out.growth_method = "join dates (people who left before history began unknown)"
    out.values.update(growth(n, past, history_days))
    # Counted in C (map, filter, Counter): members with no known department map to None.
    # Coded at load where the organisation's departments fit a byte: counted over bytes.
    if joins is f.members:
        f.departments = out.departments  # the champions section's lone links count the same
    out.values.update(breadth(out.departments, len(people.departments), th.department_min_share))
    out.values.update(
        engagement(n, active, d30.posts if d30 else None, d30.page_edits if d30 else None, said)
    )
    if period not in (None, "D30"):
        for key in ("active_users", "active_ratio", "posts_per_member"):
            v = out.values[key]
            out.values[key] = Value(v.value, f"from the {period} report (no D30 report)", v.rank_as)
    # The members' adds are walked once and kept: the champions section reads them again.
    a = adds_cached(f) if joins is f.members else adds_of(joins)
    interval = f.clock.interval_days
    out.values.update(
        spread(joins, owners, people, th, f.clock.first_at, interval, a, spaced=spaced)
    )
    a.drop_counts()  # a dict per community that nothing after the measures reads
    out.values.update(exposure(joins, owners, people, f.community.sensitivity_label))
    last = [f.community.last_activity_at] + [a.last_activity_at for a in f.activity.values()]
    stamps = [t for t in last if t is not None]
    if stamps:
        # All stored times are UTC; replacing pydantic's tzinfo makes timestamp() cheap.
        out.last_activity = max(stamps).replace(tzinfo=UTC).timestamp()
        out.inactive_days = max(0.0, (inv.now - out.last_activity) / DAY)
    if shared is not None:
        one = shared.setdefault
        # _one inlined (900,000 calls at xl): a zero is keyed with its sign.
        out.values = {
            k: one(v if v[0] != 0 else (v, math.copysign(1.0, v[0])), v)
            for k, v in out.values.items()
        }
    return out


def _one(shared: dict[object, Value], v: Value) -> Value:
    """The one object for figures equal to ``v`` (see :func:`measure`)."""
    x = v.value
    # 0.0 and -0.0 are equal but not written alike (an entropy of one department is -0.0).
    key: object = (v, math.copysign(1.0, x)) if x == 0 and x is not None else v
    return shared.setdefault(key, v)


class Percentiles:
    """Each component's distribution over the organisation, to place one community in it."""

    def __init__(self, measured: Iterable[Measured]) -> None:
        ms = list(measured)
        names = tuple(ms[0].values) if ms else ()
        if all(tuple(m.values) == names for m in ms):
            cols = self._columns(ms, names)
        else:
            cols = {}
            for m in ms:
                for name, (value, _note, rank_as) in m.values.items():
                    key = value if value is not None else rank_as  # Value.rank_key, inlined
                    if key is not None:
                        cols.setdefault(name, []).append(key)
        # Ascending, also where lower is more (placed from the top in :meth:`of`).
        for values in cols.values():
            values.sort()
        self._cols = cols
        # Most figures repeat (member counts, shares of small counts): each is placed once.
        self._known: dict[str, dict[float, float]] = {name: {} for name in cols}

    @staticmethod
    def _columns(ms: list[Measured], names: tuple[str, ...]) -> dict[str, list[float]]:
        """The rank keys of every component, when all communities have the same components.

        Transposed in C (``zip``): a column per component rather than a dict lookup per figure.
        """
        cols: dict[str, list[float]] = {}
        rows = zip(*(m.values.values() for m in ms), strict=True)
        for name, col in zip(names, rows, strict=True):
            keys: list[float | None] = list(map(itemgetter(0), col))
            if None in keys:
                keys = [v if v is not None else rank_as for v, _note, rank_as in col]
                keys = [k for k in keys if k is not None]
            if keys:
                cols[name] = keys  # type: ignore[assignment]  # no None left
        return cols

    def of(self, name: str, value: Value) -> float | None:
        """The percentile (0-100, mid-rank) of a value among the organisation's communities."""
        key = value.rank_key
        known = self._known.get(name)
        if key is None or known is None:
            return None
        found = known.get(key)
        if found is None:
            col = self._cols[name]
            at = bisect.bisect_left(col, key)
            end = bisect.bisect_right(col, key, at)
            equal = end - at
            # Where lower is more, the communities below are the ones with a larger figure.
            below = len(col) - end if name in LOWER_IS_MORE else at
            found = known[key] = round(100.0 * (below + 0.5 * equal) / len(col), 1)
        return found

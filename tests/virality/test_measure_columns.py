"""The measures' counts made in C say what the per-member loops they replace said.

The spread measure counts adds with ``Counter`` over the adders and gathers join times only for
adders of two or more; the selection skips wording reasons for communities it drops; the
percentile columns are transposed in C. Each is checked here against the plain loop it
replaced, on random communities with every kind of join (unknown time, no adder, the tool's own
or a snapshot's, added by oneself, by a service account, bulk adds at the window's edge).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from array import array
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from govern.virality import metrics
from govern.virality.bursts import bursts, spaced
from govern.virality.categories import Category
from govern.virality.members import Join, Members
from govern.virality.metrics import Measured, Percentiles, Value
from govern.virality.people import People, Person
from govern.virality.recommend import decide, nothing
from govern.virality.spread import adds_of
from govern.virality.thresholds import Thresholds

DAY = 86400.0
HOUR = 3600.0
BURSTS = (
    Thresholds(),
    Thresholds(burst_members=3, burst_share=0.0),
    Thresholds(burst_members=1),  # one add is a burst: every spaced add is broadcast
)
"""Burst thresholds: the defaults, a share of nobody, and bursts of one add."""


def _joins(rng: random.Random, n: int) -> dict[str, Join]:
    """``n`` members with every kind of join, and bulk adds on and around the window's edge."""
    out: dict[str, Join] = {}
    adders = [f"u{i}" for i in range(max(1, n // 4))] + ["sync", None]
    bulk_at = rng.uniform(0, 50) * DAY
    bulk = rng.random() < 0.5
    days = itertools.count()
    for i in range(n):
        pid = f"u{i}"
        kind = rng.random()
        if kind < 0.05:
            out[pid] = (None, rng.choice(adders), False)  # time unknown
        elif kind < 0.25 and bulk:
            # One adder's bulk add: some exactly at the window's edge, some past it.
            step = rng.choice((0.0, 1.0, 24 * HOUR / 9, 24 * HOUR / 9 + 1))
            out[pid] = (bulk_at + (i % 12) * step, "u0", True)
        elif kind < 0.35:
            out[pid] = (rng.uniform(0, 90) * DAY, pid, True)  # joined by themselves
        elif kind < 0.45:
            # Adds a whole window apart: runs of two, cut exactly at the window's edge.
            out[pid] = (next(days) * 24 * HOUR, "u2", True)
        else:
            adder = rng.choice(adders)
            out[pid] = (rng.uniform(0, 90) * DAY, adder, rng.random() < 0.8)
    return out


def _old_by_adder(joins: dict[str, Join]) -> tuple[dict[str, list[str]], int, int, int]:
    """The loop the counts replace: (by adder, between, own with no adder, self adds)."""
    by_adder: dict[str, list[str]] = {}
    between = own_no_adder = self_adds = 0
    for pid, (ts, adder, own) in joins.items():
        if ts is None:
            continue
        if adder is None:
            if own:
                own_no_adder += 1
            else:
                between += 1
        elif adder == pid:
            self_adds += 1
        else:
            by_adder.setdefault(adder, []).append(pid)
    return by_adder, between, own_no_adder, self_adds


def _old_bursts(
    by_adder: dict[str, list[str]], joins: dict[str, Join], th: Thresholds, members: int
) -> tuple[int, int]:
    """The scan the bursts replace: every adder's adds sorted and cut into runs."""
    window = th.burst_hours * 3600
    need = max(th.burst_members, th.burst_share * members)
    broadcast, largest = 0, 1 if by_adder else 0
    for pids in by_adder.values():
        added = sorted(joins[p][0] or 0.0 for p in pids)
        start = 0
        for end in range(1, len(added) + 1):
            if end == len(added) or added[end] - added[start] > window:
                largest = max(largest, end - start)
                if end - start >= need:
                    broadcast += end - start
                start = end
    return broadcast, largest


@pytest.mark.parametrize("seed", range(40))
def test_adds_counted_in_c_are_the_lists_of_the_loop(seed: int) -> None:
    rng = random.Random(seed)
    joins = _joins(rng, rng.choice((0, 1, 3, 12, 40, 150)))
    by_adder, between, own_no_adder, self_adds = _old_by_adder(joins)
    for source in (joins, Members.of(joins)):
        a = adds_of(source)
        assert a.by_adder == by_adder and list(a.by_adder) == list(by_adder)  # same order
        assert a.counts == {k: len(v) for k, v in by_adder.items()}
        assert list(a.counts) == list(by_adder)
        assert (a.between, a.own_no_adder, a.self_adds) == (between, own_no_adder, self_adds)
        assert a.added == sum(map(len, by_adder.values())) and a.adders == len(by_adder)
        assert a.most == max(map(len, by_adder.values()), default=0)
        assert list(a.times) == [ts for ts, _, _ in joins.values() if ts is not None]
        a.drop_counts()
        assert a.counts is None and a.by_adder == by_adder


@pytest.mark.parametrize(("seed", "th"), list(itertools.product(range(30), BURSTS)))
def test_spread_figures_are_those_of_the_per_adder_scan(seed: int, th: Thresholds) -> None:
    rng = random.Random(seed)
    joins = _joins(rng, rng.choice((5, 12, 40, 150)))
    people = People()
    people.add("sync", Person("service", None, None, False))
    by_adder, *_ = _old_by_adder(joins)
    members = len(joins)
    candidates = {k: v for k, v in by_adder.items() if k != "sync"}
    broadcast, largest = _old_bursts(candidates, joins, th, members)
    got = metrics.spread(joins, {"u1"}, people, th, first_at=0)
    attributed = sum(1 for ts, adder, own in joins.values() if ts is not None) - sum(
        1 for ts, adder, own in joins.values() if ts is not None and adder is None and not own
    )
    if got["organic_share"].value is None:
        assert attributed < max(min(members, 5), 0.1 * members)
        return
    system = len(by_adder.get("sync", []))
    assert got["organic_share"].value == (attributed - broadcast - system) / attributed
    assert got["largest_burst_share"].value == largest / members
    assert got["adders"].value == float(len(by_adder))


def _measured(rng: random.Random) -> Measured:
    m = Measured()
    members = rng.choice((3, 8, 12, 40, 60, 300))
    depts = rng.randint(1, 9)
    m.departments = Counter({f"d{i}": max(1, members // depts) for i in range(depts)})
    growth = rng.choice((None, -10.0, 0.0, 10.0, 30.0, 200.0))
    organic = rng.choice((None, 0.2, 0.7, 1.0))
    active = rng.choice((None, 0.1, 0.5))
    m.values = {
        "members": Value(float(members)),
        "growth_30d": Value(growth, None if growth is not None else "not measurable yet")
        if rng.random() < 0.8
        else Value(None, "new in the last 30 days (0 -> 8 members)", rank_as=math.inf),
        "departments": Value(float(depts)),
        "entropy": Value(rng.choice((0.1, 0.5, 0.9))),
        "organic_share": Value(organic, None if organic is not None else "not measurable yet"),
        "active_ratio": Value(active),
        "largest_burst_share": Value(rng.choice((0.1, 0.9))),
        "owners": Value(1.0),
    }
    m.inactive_days = rng.choice((None, 10.0, 400.0))
    return m


@pytest.mark.parametrize("seed", range(20))
def test_nothing_says_what_decide_recommends_nothing_for(seed: int) -> None:
    rng = random.Random(seed)
    th = Thresholds()
    for _ in range(50):
        m = _measured(rng)
        for cat in Category:
            verdict = decide(cat, m, {}, th)
            assert nothing(cat, m, th) == (verdict.recommendation is None)


def _columns(ms: list[Measured]) -> dict[str, list[float]]:
    """The loop the transposed columns replace (where lower is more, figures negated)."""
    cols: dict[str, list[float]] = {}
    for m in ms:
        for name, v in m.values.items():
            if v.rank_key is not None:
                key = -v.rank_key if name in metrics.LOWER_IS_MORE else v.rank_key
                cols.setdefault(name, []).append(key)
    return {name: sorted(col) for name, col in cols.items()}


def _percentile(cols: dict[str, list[float]], name: str, v: Value) -> float | None:
    """The percentile as placed in the negated columns."""
    if v.rank_key is None or name not in cols:
        return None
    col = cols[name]
    place = -v.rank_key if name in metrics.LOWER_IS_MORE else v.rank_key
    below = bisect.bisect_left(col, place)
    equal = bisect.bisect_right(col, place, below) - below
    return round(100.0 * (below + 0.5 * equal) / len(col), 1)


def test_percentile_columns_are_those_of_the_per_figure_loop() -> None:
    rng = random.Random(7)
    ms = [_measured(rng) for _ in range(300)]
    for m in ms:
        m.values["doubling_days"] = Value(rng.choice((None, 3.0, 9.0)), "n", rank_as=math.inf)
        m.values["entropy"] = Value(rng.choice((-0.0, 0.0, 0.4)))
        m.values["labelled"] = Value(None, "never a figure")
    mixed = [*ms, Measured(values=dict(reversed(ms[0].values.items())))]
    # One order of components (transposed in C), and two orders (the loop).
    for group in (ms, mixed):
        cols, pcts = _columns(group), Percentiles(group)
        for m in group:
            for name, v in m.values.items():
                assert pcts.of(name, v) == _percentile(cols, name, v)
        assert pcts.of("doubling_days", Value(1.0)) == 100.0  # faster than all
        assert pcts.of("doubling_days", Value(None, "n", rank_as=math.inf)) is not None
    assert Percentiles([]).of("members", Value(1.0)) is None


def _keyed(joins: dict[str, Join]) -> Members:
    """Members with principal keys, as ``history.load`` gives them (0: no adder)."""
    m = Members.of(joins)
    key_of: dict[str | None, int] = {None: 0}
    for pid in [*m.pids, *m.adders]:
        if pid not in key_of:
            key_of[pid] = len(key_of)
    m.member_keys = array("i", map(key_of.__getitem__, m.pids))
    m.adder_keys = array("i", map(key_of.__getitem__, m.adders))
    return m


def _closest_adds(m: Members) -> float:
    """The shortest time between two adds of someone else by one adder (inf if none)."""
    by_adder: dict[str, list[float]] = {}
    for pid, t, adder in zip(m.pids, m.times, m.adders, strict=True):
        if adder is not None and adder != pid and t == t:
            by_adder.setdefault(adder, []).append(t)
    gaps = [b - a for ts in by_adder.values() for a, b in itertools.pairwise(sorted(ts))]
    return min(gaps, default=math.inf)


@pytest.mark.parametrize(("seed", "th"), list(itertools.product(range(20), BURSTS)))
def test_spaced_communities_need_no_search_for_bulk_adds(seed: int, th: Thresholds) -> None:
    """Where :func:`spaced` says no adder added two members within the window, the bulk adds
    are those of the full search; it says so only where it is true, and for most adders that
    add people days apart."""
    rng = random.Random(seed)
    window = th.burst_hours * 3600
    far = {f"u{i}": (i * 4.0 * window, "u99", True) for i in range(rng.choice((2, 9, 30)))}
    communities = [_keyed(_joins(rng, rng.choice((0, 1, 3, 12, 40)))) for _ in range(6)]
    communities.append(_keyed(far))
    flags = spaced(communities, window)
    assert flags[-1]
    for m, flag in zip(communities, flags, strict=True):
        counts = adds_of(m).counts
        assert counts is not None
        exact = bursts(counts, m, th, len(m))
        assert not flag or _closest_adds(m) > window
        if flag:
            assert bursts(counts, m, th, len(m), spaced=True) == exact


@settings(max_examples=200, deadline=None)
@given(
    adds=st.lists(
        st.tuples(
            st.integers(1, 4),
            st.one_of(st.integers(-3, 3), st.floats(-1e7, 1e7, allow_nan=False)),
        ),
        max_size=12,
    ),
    window=st.sampled_from([1.0, 3600.0, 86400.0]),
)
# Two buckets apart, yet a window apart exactly once the subtraction rounds (1 + 1e-38 is 1).
@example(adds=[(1, 1), (1, -1e-38)], window=1.0)
def test_spaced_is_never_a_wrong_yes(adds: list[tuple[int, float]], window: float) -> None:
    """Whatever the times (negative, at a bucket's edge, a window apart exactly), a community
    called spaced has no two adds by one adder within the window."""
    joins: dict[str, Join] = {
        f"m{i}": (float(t) * window if isinstance(t, int) else t, f"a{adder}", True)
        for i, (adder, t) in enumerate(adds)
    }
    m = _keyed(joins)
    (flag,) = spaced([m], window)
    assert not flag or _closest_adds(m) > window

"""Each component of "went viral" on hand-built inputs, including a first run with no history."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from govern.virality import metrics
from govern.virality.metrics import Measured, Percentiles, Value
from govern.virality.people import People, Person
from govern.virality.thresholds import Thresholds

DAY = 86400.0
NOW = 100 * DAY


def test_reach_counts_members_and_says_when_activity_is_missing() -> None:
    r = metrics.reach(12, 5)
    assert (r["members"].value, r["active_users"].value) == (12, 5)
    missing = metrics.reach(12, None)["active_users"]
    assert missing.value is None and "no 30-day activity" in (missing.note or "")


def test_growth_on_a_first_run_is_not_measurable_and_says_how_long_to_wait() -> None:
    g = metrics.growth(40, {30: None, 90: None}, history_days=0)
    assert g["growth_30d"].value is None
    assert g["growth_30d"].note == "not measurable yet: needs 30 more days of history"
    assert g["growth_90d"].note == "not measurable yet: needs 90 more days of history"
    assert g["doubling_days"].value is None


def test_growth_counts_the_days_still_missing() -> None:
    g = metrics.growth(40, {30: None, 90: None}, history_days=12.5)
    assert g["growth_30d"].note == "not measurable yet: needs 18 more days of history"
    assert g["growth_90d"].note == "not measurable yet: needs 78 more days of history"


def test_growth_and_doubling_time() -> None:
    g = metrics.growth(150, {30: 100, 90: 50}, history_days=120)
    assert g["growth_30d"].value == pytest.approx(50.0)
    assert g["growth_90d"].value == pytest.approx(200.0)
    # Weekly rate implied by +50% in 30 days; ln2 / ln(1 + weekly) = 30 ln2 / ln1.5.
    assert g["doubling_days"].value == pytest.approx(30 * math.log(2) / math.log(1.5))


def test_growth_of_a_shrinking_and_of_a_new_community() -> None:
    shrinking = metrics.growth(80, {30: 100, 90: 100}, history_days=120)
    assert shrinking["growth_30d"].value == pytest.approx(-20.0)
    assert shrinking["doubling_days"].value is None
    assert shrinking["doubling_days"].note == "not growing"
    new = metrics.growth(300, {30: 0, 90: 0}, history_days=120)
    assert new["growth_30d"].value is None
    assert new["growth_30d"].note == "new in the last 30 days (0 -> 300 members)"
    assert new["growth_30d"].rank_key == math.inf


def test_past_from_join_dates_needs_every_members_date() -> None:
    joins = [(NOW - 100 * DAY, "a", True), (NOW - 50 * DAY, "a", True), (NOW - DAY, "b", True)]
    assert metrics.past_from_joins(joins, NOW, created=None) == {30: 2, 90: 1}
    assert metrics.past_from_joins(joins, NOW, created=NOW - 40 * DAY) == {30: 2, 90: 0}
    partly = [*joins, (None, None, False)]
    assert metrics.past_from_joins(partly, NOW, created=None) == {30: None, 90: None}


def test_breadth_is_normalized_by_the_organisations_departments() -> None:
    b = metrics.breadth(Counter({"Sales": 5, "HR": 5}), org_departments=8)
    assert b["departments"].value == 2
    assert b["entropy"].value == pytest.approx(math.log(2) / math.log(8))
    even = metrics.breadth(Counter({f"d{i}": 3 for i in range(8)}), org_departments=8)
    assert even["entropy"].value == pytest.approx(1.0)
    one = metrics.breadth(Counter({"Sales": 9}), org_departments=8)
    assert one["entropy"].value == 0.0
    unknown = metrics.breadth(Counter(), org_departments=8)
    assert unknown["departments"].value is None
    assert "match by email" in (unknown["entropy"].note or "")


def test_engagement() -> None:
    e = metrics.engagement(50, 20, 100, None)
    assert e["active_ratio"].value == pytest.approx(0.4)
    assert e["posts_per_member"].value == pytest.approx(2.0)
    edits = metrics.engagement(10, 4, None, 30)
    assert edits["posts_per_member"].value == pytest.approx(3.0)
    none = metrics.engagement(50, None, None, None)
    assert none["active_ratio"].value is None and none["active_ratio"].note


def _people(*services: str) -> People:
    p = People()
    for s in services:
        p.add(s, Person("service", None, None, False))
    return p


def test_spread_tells_a_broadcast_from_person_to_person_growth() -> None:
    th = Thresholds()
    # 100 people added by one owner within an hour.
    broadcast = {f"u{i}": (NOW - 10 * DAY + i * 30, "owner", True) for i in range(100)}
    b = metrics.spread(broadcast, {"owner"}, _people(), th, first_at=0)
    assert b["organic_share"].value == 0.0
    assert b["largest_burst_share"].value == 1.0
    assert b["peer_share"].value == 0.0
    # 100 people over 50 days, each added by someone already in or by themselves.
    viral = {
        f"u{i}": (NOW - 50 * DAY + i * 0.5 * DAY, f"u{i // 2}" if i % 3 else f"u{i}", True)
        for i in range(100)
    }
    v = metrics.spread(viral, {"u0"}, _people(), th, first_at=0)
    assert v["organic_share"].value == 1.0
    assert v["peer_share"].value is not None and v["peer_share"].value > 0.9
    assert v["adders"].value is not None and v["adders"].value > 30
    assert v["join_span_days"].value == pytest.approx(40.0, abs=1)


def test_spread_counts_service_account_adds_as_broadcast() -> None:
    joins = {f"u{i}": (NOW - i * DAY, "sync" if i < 5 else f"u{i}", True) for i in range(10)}
    s = metrics.spread(joins, set(), _people("sync"), Thresholds(), first_at=0)
    assert s["organic_share"].value == pytest.approx(0.5)


def test_spread_on_a_first_run_without_join_dates_is_not_measurable() -> None:
    joins = {f"u{i}": (None, None, False) for i in range(10)}
    s = metrics.spread(joins, set(), _people(), Thresholds(), first_at=0)
    assert s["organic_share"].value is None
    assert (s["organic_share"].note or "").startswith("not measurable yet: join dates known for 0")


def test_spread_ignores_snapshot_joins_without_an_adder() -> None:
    # 20 people first seen at the same weekly snapshot: not evidence of a bulk add.
    joins = {f"u{i}": (NOW, None, False) for i in range(20)}
    s = metrics.spread(joins, set(), _people(), Thresholds(), first_at=0)
    assert s["organic_share"].value is None


def test_exposure() -> None:
    p = People()
    p.add("g", Person("guest", "g@x.example", None, True))
    p.add("e", Person("employee", "e@contoso.example", "Sales", False))
    x = metrics.exposure(["g", "e"], {"e"}, p, None)
    assert x["guests"].value == 1 and x["external_share"].value == 0.5
    assert x["owners"].value == 1 and x["labelled"].value == 0.0


def test_percentiles_are_mid_rank_and_faster_doubling_ranks_higher() -> None:
    ms = []
    for n in (10, 20, 30, 40):
        m = Measured()
        m.values["members"] = Value(float(n))
        m.values["doubling_days"] = Value(float(n))
        ms.append(m)
    p = Percentiles(ms)
    assert p.of("members", Value(40.0)) == 87.5
    assert p.of("members", Value(10.0)) == 12.5
    assert p.of("doubling_days", Value(10.0)) == 87.5
    assert p.of("members", Value(None, "n/a")) is None
    assert p.of("growth_30d", Value(5.0)) is None

"""History read from a real store: a Teams row is kept, growth counts the same principals, and
joins seen between snapshots count for timing with their precision said."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from govern.model import Activity, Principal, PrincipalKind
from govern.store import Store
from govern.virality import history, metrics
from govern.virality.people import People
from govern.virality.thresholds import Thresholds
from tests.virality.org import day, grant, person, team


def _store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'h.db'}")


def test_a_teams_row_is_not_overwritten_by_the_groups_row_of_its_group(tmp_path: Path) -> None:
    store = _store(tmp_path)
    c = team("t", "Team T")
    teams = Activity(community_id=c.id, period="D30", active_users=7, posts=40,
                     attributes={"report": "getTeamsTeamActivityDetail"})  # fmt: skip
    groups = Activity(community_id=c.id, period="D30", active_users=None, posts=3,
                      attributes={"report": "getOffice365GroupsActivityDetail"})  # fmt: skip
    for rows in ((teams, groups), (groups, teams)):
        with store.snapshot("m365", "contoso") as w:
            w.observed_at(day(0))
            w.principal(person(1))
            w.community(c)
            w.grant(grant(c, "m365:user:1", -10, None))
            for a in rows:
                w.activity(a)
        inv = history.load(store)
        assert inv.facts[c.id].activity["D30"].active_users == 7
    store.dispose()


def test_growth_counts_the_same_principals_now_and_then(tmp_path: Path) -> None:
    store = _store(tmp_path)
    c = team("t", "Team T", created=-200)
    nested = Principal(id="m365:group:g1", kind=PrincipalKind.GROUP, display_name="Nested")
    people = [person(i) for i in range(10)]
    for when in (0, 31):
        with store.snapshot("m365", "contoso") as w:
            w.observed_at(day(when))
            w.principal(nested)
            for p in people:
                w.principal(p)
            w.community(c)
            w.grant(grant(c, nested.id, -100, None))
            for p in people:
                w.grant(grant(c, p.id, -100, None))
    inv = history.load(store)
    f = inv.facts[c.id]
    m = metrics.measure(f, inv, Thresholds())
    # Ten people then, ten people now: no shrinking because the nested group is left out now.
    assert f.past[30] == 10
    assert m.values["members"].value == 10
    assert m.values["growth_30d"].value == 0.0
    store.dispose()


def test_joins_between_snapshots_count_for_timing_with_their_precision(tmp_path: Path) -> None:
    store = _store(tmp_path)
    c = team("t", "Team T", created=-200)
    people = [person(i) for i in range(30)]
    # Ten members from the start; ten more first seen at each of two weekly snapshots.
    for snap, members in ((0, 10), (7, 20), (14, 30)):
        with store.snapshot("m365", "contoso") as w:
            w.observed_at(day(snap))
            for p in people:
                w.principal(p)
            w.community(c)
            for p in people[:members]:
                w.grant(grant(c, p.id, -100, None).model_copy(update={"since": None}))
    inv = history.load(store)
    f = inv.facts[c.id]
    m = metrics.measure(f, inv, Thresholds())
    span = m.values["join_span_days"]
    assert span.value == pytest.approx(7.0)
    assert span.note == "20 of 20 join times known to within one snapshot interval (up to 7 days)"
    # No adder: never evidence of organic spread nor of a bulk add.
    assert m.values["organic_share"].value is None
    assert "0 of 30" in (m.values["organic_share"].note or "")
    store.dispose()


def test_organic_share_rests_on_the_joins_the_tool_attributes() -> None:
    now = 100 * 86400.0
    joins: dict[str, history.Join] = {f"old{i}": (None, None, False) for i in range(70)}
    joins.update({f"p{i}": (now - i * 3600.0 * 20, f"old{i % 7}", True) for i in range(30)})
    s = metrics.spread(joins, set(), People(), Thresholds(), first_at=0)
    assert s["organic_share"].value == 1.0
    assert (
        s["organic_share"].note
        == "from the 30 of 100 joins the tool attributes (earlier ones unknown)"
    )
    few = {k: v for k, v in joins.items() if k.startswith("old") or k in ("p1", "p2")}
    assert (
        metrics.spread(few, set(), People(), Thresholds(), first_at=0)["organic_share"].value
        is None
    )


def test_breadth_counts_departments_holding_a_meaningful_share() -> None:
    mix = Counter({"Sales": 90, "HR": 6, "Legal": 1, "Finance": 1, "Support": 1, "Ops": 1})
    b = metrics.breadth(mix, org_departments=12, min_share=0.05)
    assert b["departments"].value == 2
    assert b["departments"].note == "departments holding at least 5% of members (4 more hold fewer)"
    assert metrics.breadth(mix, org_departments=12)["departments"].value == 6

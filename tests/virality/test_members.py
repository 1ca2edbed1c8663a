"""Members as columns: the same joins as the mapping they replace, read from a real store.

The report keeps each community's members as columns (``virality.members``); these check that
the columns say what a ``pid -> (when, adder, own)`` dict said: the earliest known join of a
person holding two roles, at the place of their first grant; ended grants counted in the past
only; unknown times as None.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from govern.model import Role
from govern.store import Store
from govern.virality import history
from govern.virality.members import Members
from govern.virality.spread import adds_of
from tests.virality.org import day, grant, person, team


def test_a_mapping_and_its_columns_give_the_same_joins() -> None:
    joins = {
        "a": (10.0, None, True),
        "b": (None, "a", False),
        "c": (30.0, "a", True),
        "d": (40.0, "d", True),
    }
    m = Members.of(joins)
    assert dict(m.items()) == joins
    assert list(m.values()) == list(joins.values())
    assert m["b"] == (None, "a", False)
    assert "c" in m and "z" not in m
    assert m.unknown == 1
    assert dict(m.without({"a", "d"}).items()) == {"b": joins["b"], "c": joins["c"]}
    # The adds read from the columns are the adds read from the dict.
    a, b = adds_of(m), adds_of(dict(joins))
    assert (a.by_adder, list(a.times), a.self_adds, a.own_no_adder) == (
        b.by_adder,
        list(b.times),
        b.self_adds,
        b.own_no_adder,
    )
    assert a.by_adder == {"a": ["c"]} and a.self_adds == 1 and a.own_no_adder == 1


def test_two_roles_of_one_person_are_one_member_with_the_earliest_known_join(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    c = team("t", "Team T", created=-200)
    people = [person(i) for i in range(4)]
    with store.snapshot("m365", "contoso") as w:
        w.observed_at(day(0))
        for p in people:
            w.principal(p)
        w.community(c)
        w.grant(grant(c, "m365:user:0", -50, None, role=Role.OWNER))
        w.grant(grant(c, "m365:user:1", -40, "m365:user:0"))
        # Person 0 is a member too, with an earlier join: the earlier one wins, in first place.
        w.grant(grant(c, "m365:user:0", -60, "m365:user:3"))
        w.grant(grant(c, "m365:user:2", -30, "m365:user:1"))
    with store.snapshot("m365", "contoso") as w:
        w.observed_at(day(40))
        for p in people:
            w.principal(p)
        w.community(c)
        w.grant(grant(c, "m365:user:0", -50, None, role=Role.OWNER))
        w.grant(grant(c, "m365:user:0", -60, "m365:user:3"))
        w.grant(grant(c, "m365:user:1", -40, "m365:user:0"))
        # Person 2 left; person 3 joined with no date from the tool.
        w.grant(grant(c, "m365:user:3", 0, None).model_copy(update={"since": None}))
    inv = history.load(store)
    f = inv.facts[c.id]
    assert list(f.members) == ["m365:user:0", "m365:user:1", "m365:user:3"]
    assert f.members["m365:user:0"] == (day(-60).timestamp(), "m365:user:3", True)
    assert f.members["m365:user:1"] == (day(-40).timestamp(), "m365:user:0", True)
    # First seen at the second snapshot, no date from the tool: the snapshot's time, not own.
    assert f.members["m365:user:3"] == (day(40).timestamp(), None, False)
    assert f.owners == {"m365:user:0"}
    m = f.members
    assert m.member_keys is not None and m.adder_keys is not None
    assert [inv.ids[k] for k in m.member_keys] == m.pids  # the keys kept with the joins
    assert [inv.ids[k] for k in m.adder_keys] == m.adders
    # Thirty days back (day 10) is the first snapshot: 0, 1 and 2 (who has left since).
    assert f.past[30] == 3
    store.dispose()


def test_equal_figures_are_shared_but_zero_keeps_its_sign() -> None:
    from govern.virality.metrics import Value, _one

    shared: dict[object, Value] = {}
    a = _one(shared, Value(3.0))
    assert _one(shared, Value(3.0)) is a
    assert _one(shared, Value(None, "no members")) is _one(shared, Value(None, "no members"))
    zero, minus = _one(shared, Value(0.0)), _one(shared, Value(-0.0))
    # Equal, but an entropy of -0.0 is written "-0.00": the report must not change it.
    assert str(zero.value) == "0.0" and str(minus.value) == "-0.0"


def test_department_codes_count_as_the_lookups_did() -> None:
    """Coded departments give the Counter a lookup per member gave: same counts, same order."""
    department_of = {"a": "Sales", "b": "Legal", "c": "Sales", "e": "Ops", "f": "Legal"}
    m = Members.of({pid: (1.0, None, True) for pid in "abcdefg"})
    assert m.departments() is None  # not coded: the measures look departments up
    names = ["", "Legal", "Ops", "Sales"]
    codes = {n: i for i, n in enumerate(names) if i}
    m.code_departments({p: codes[d] for p, d in department_of.items()}, names, codes)
    expected = Counter(filter(None, map(department_of.get, m.pids)))
    coded = m.departments()
    assert coded == expected and list(coded.items()) == list(expected.items())
    assert list(coded) == ["Sales", "Legal", "Ops"]  # first appearance, not code order
    assert coded.most_common() == expected.most_common()
    assert m.member_of("Ops") == "e"
    # Leaving members out, or keeping some, keeps each member's own code.
    assert m.without({"a", "e"}).departments() == Counter({"Legal": 2, "Sales": 1})
    m.keep([1, 4, 6])  # b, e, g
    assert list(m.departments().items()) == [("Legal", 1), ("Ops", 1)]  # type: ignore[union-attr]
    # A member added afterwards has no code: the column is dropped, not left out of step.
    m.append("h", 2.0, None, True)
    assert m.departments() is None


def test_a_report_inventory_codes_every_communitys_departments(tmp_path: Path) -> None:
    """At load, each community's department counts from codes equal the directory lookups."""
    store = Store(f"sqlite:///{tmp_path / 'd.db'}")
    c = team("t", "Team T", created=-200)
    people = [person(i) for i in range(6)]
    with store.snapshot("m365", "contoso") as w:
        w.observed_at(day(0))
        for p in people:
            w.principal(p)
        w.community(c)
        for i in range(6):
            w.grant(grant(c, f"m365:user:{i}", -50 + i, None))
    inv = history.load(store)
    m = inv.facts[c.id].members
    assert m.depts is not None
    expected = Counter(filter(None, map(inv.people.department_of.get, m.pids)))
    assert expected and list(m.departments().items()) == list(expected.items())  # type: ignore[union-attr]


@pytest.mark.usefixtures("store_url")
def test_columns_made_a_column_at_a_time_equal_the_row_by_row_ones(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader's column-at-a-time path gives what its row-by-row path gives, whichever
    community takes which path (all dated and current; unlisted principals, whose keys name
    them like anyone's; undated; ended).

    On each backend (``store_url``): the grants' SQL (per community, ordered) runs on both.
    """
    plain, unlisted, undated, ended = (team(k, f"Team {k}", created=-200) for k in "pqrs")
    people = [person(i) for i in range(8)]

    def snapshot(at: float, leavers: bool) -> None:
        with store.snapshot("m365", "contoso") as w:
            w.observed_at(day(at))
            for p in people:
                w.principal(p)
            for c in (plain, unlisted, undated, ended):
                w.community(c)
                w.grant(grant(c, "m365:user:1", -90, None, role=Role.OWNER))
                w.grant(grant(c, "m365:user:1", -95, "m365:user:1"))  # owner and member
                w.grant(grant(c, "m365:user:2", -80, "m365:user:1"))
                w.grant(grant(c, "m365:user:5", -70, "m365:user:2"))
            # A principal the people index does not list, added by another unlisted one.
            w.grant(grant(unlisted, "m365:user:ghost", -60, "m365:user:shade"))
            w.grant(grant(undated, "m365:user:3", 0, None).model_copy(update={"since": None}))
            if leavers:
                w.grant(grant(ended, "m365:user:4", -50, "m365:user:2"))
            if at > 0:
                w.grant(grant(plain, "m365:user:6", at - 1, "m365:user:5"))

    snapshot(0, True)
    snapshot(40, False)  # person 4 left "ended"; person 6 joined "plain"
    by_rows: list[str] = []
    rows_of = history._Loader._rows

    def counted(self: history._Loader, f: history.Facts, rows: list[Any]) -> Any:
        by_rows.append(f.community.id)
        return rows_of(self, f, rows)

    monkeypatch.setattr(history._Loader, "_rows", counted)
    fast = history.load(store)
    assert sorted(by_rows) == sorted(c.id for c in (undated, ended))
    monkeypatch.setattr(history._Loader, "_rows", rows_of)

    def row_by_row(self: history._Loader, f: history.Facts, rows: list[Any]) -> Any:
        return self._rows(f, rows)

    monkeypatch.setattr(history._Loader, "_columns", row_by_row)
    slow = history.load(store)
    for cid, f in fast.facts.items():
        g = slow.facts[cid]
        a, b = f.members, g.members
        # Times as bytes: NaN (unknown) equals itself there.
        assert (a.pids, a.times.tobytes(), a.adders, a.own, a.depts, a.unknown) == (
            b.pids,
            b.times.tobytes(),
            b.adders,
            b.own,
            b.depts,
            b.unknown,
        ), cid
        assert (f.owners, f.past) == (g.owners, g.past), cid
        # Each member's and adder's key names its id (0: no adder), on both paths; the merged
        # member of two roles ("owner and member") keeps the key of the join it kept.
        for inv, m in ((fast, a), (slow, b)):
            assert m.member_keys is not None and m.adder_keys is not None
            assert [inv.ids[k] for k in m.member_keys] == m.pids, cid
            assert [inv.ids[k] for k in m.adder_keys] == m.adders, cid
        assert fast.ids[0] is None
        # Listed members are the people index's own strings (found by identity later).
        keys = {id(k) for k in fast.people.by_id}
        assert all(id(p) in keys for p in a.pids if p in fast.people.by_id)
    assert "m365:user:ghost" in fast.facts[unlisted.id].members
    assert fast.facts[unlisted.id].members["m365:user:ghost"][1] == "m365:user:shade"
    assert fast.facts[ended.id].past[30] == 4 and len(fast.facts[ended.id].members) == 3
    assert fast.facts[plain.id].owners == {"m365:user:1"}
    assert list(fast.facts[plain.id].members) == [f"m365:user:{i}" for i in (1, 2, 5, 6)]


def test_evidence_lines_are_worded_once_and_zero_keeps_its_sign() -> None:
    """The report's entries share their lines of evidence: equal (component, figure,
    percentile) give one string, the line :func:`evidence_line` words; 0.0 and -0.0 are equal
    figures that are not written alike (an entropy of one department is -0.0)."""
    from govern.virality.metrics import Value
    from govern.virality.parts import Parts
    from govern.virality.recommend import evidence_line

    parts = Parts()
    line = parts.line("members", Value(40.0), 75.0)
    assert line == evidence_line("members", Value(40.0), 75.0)
    assert parts.line("members", Value(40.0), 75.0) is line
    assert parts.line("members", Value(40.0), 80.0) != line
    note = Value(None, "no 30-day activity report from the tool")
    assert parts.line("active_users", note, None) == evidence_line("active_users", note, None)
    for name in ("entropy", "growth_30d", "members"):
        zero, minus = parts.line(name, Value(0.0), None), parts.line(name, Value(-0.0), None)
        assert zero == evidence_line(name, Value(0.0), None)
        assert minus == evidence_line(name, Value(-0.0), None)
    assert parts.line("entropy", Value(-0.0), None) != parts.line("entropy", Value(0.0), None)

"""The store: round trips, atomic snapshots, history, diffs and incremental semantics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from govern.model import (
    Activity,
    Community,
    Grant,
    Membership,
    Origin,
    Principal,
    PrincipalKind,
    Role,
    SnapshotMode,
    Visibility,
)
from govern.store import Store, queries
from govern.store import schema as s
from tests import factories

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def person(n: int, kind: PrincipalKind = PrincipalKind.EMPLOYEE) -> Principal:
    return factories.person(
        str(n),
        kind,
        display_name=f"Person {n}",
        email=f"p{n}@contoso.example",
        department=["Sales", "Finance", "IT"][n % 3],
        created_at=T0,
        attributes={"jobTitle": "Analyst", "n": n},
    )


def team(n: int, name: str = "") -> Community:
    return factories.team(
        str(n),
        name or f"Team {n}",
        path=f"m365/contoso/team/t{n}",
        url=f"https://teams.example/{n}",
        visibility=Visibility.PRIVATE,
        sensitivity_label="Confidential" if n % 2 else None,
        created_at=T0,
        created_by="m365:user:1",
        origin=Origin.SELF_SERVICE,
        last_activity_at=T0 + timedelta(days=3),
        attributes={"resourceProvisioningOptions": ["Team"]},
    )


def grant(c: int, p: int, role: Role = Role.MEMBER) -> Grant:
    return factories.grant(
        f"m365:team:{c}",
        f"m365:user:{p}",
        role,
        since=T0,
        added_by="m365:user:1",
        source="member",
    )


# The shared `store` fixture (tests/conftest.py), here on every backend `store_url` offers.
pytestmark = pytest.mark.usefixtures("store_url")


def write(store: Store, ps, cs, gs, ms=(), acts=(), mode=SnapshotMode.FULL, **marks):  # type: ignore[no-untyped-def]
    with store.snapshot("m365", "contoso", mode) as w:
        w.observed_at(T0)
        for p in ps:
            w.principal(p)
        for c in cs:
            w.community(c)
        for g in gs:
            w.grant(g)
        for m in ms:
            w.membership(m)
        for a in acts:
            w.activity(a)
        for cid in marks.get("restate", ()):
            w.restate(cid)
        for cid in marks.get("remove_community", ()):
            w.remove_community(cid)
        for key in marks.get("remove_grant", ()):
            w.remove_grant(*key)
    assert w.result is not None
    return w.result


def test_round_trip_of_every_model(store: Store) -> None:
    ps = [
        person(1),
        person(2, PrincipalKind.GUEST),
        Principal(id="m365:group:g1", kind=PrincipalKind.GROUP),
    ]
    cs = [team(1), team(2)]
    gs = [grant(1, 1, Role.OWNER), grant(1, 2), grant(2, 1, Role.VIEWER)]
    ms = [Membership(group_id="m365:group:g1", member_id="m365:user:1")]
    acts = [
        Activity(
            community_id="m365:team:1",
            period="D30",
            report_date=date(2026, 1, 4),
            active_users=7,
            posts=40,
            last_activity_at=T0,
            attributes={"Channel Messages": 12},
        )
    ]
    snap = write(store, ps, cs, gs, ms, acts)
    assert snap.seq == 1 and snap.observed_at == T0 and snap.complete
    assert sorted(queries.principals(store), key=lambda p: p.id) == sorted(ps, key=lambda p: p.id)
    assert sorted(queries.communities(store), key=lambda c: c.id) == cs
    assert sorted(queries.grants(store), key=lambda g: g.key) == sorted(gs, key=lambda g: g.key)
    assert list(queries.memberships(store)) == ms
    assert [a for _, a in queries.activity(store, "m365:team:1")] == acts
    [stored] = store.snapshots()
    assert stored == snap
    assert store.latest()[("m365", "contoso")] == snap


def test_unchanged_run_writes_only_its_snapshot(store: Store) -> None:
    args = ([person(1)], [team(1)], [grant(1, 1, Role.OWNER)])
    write(store, *args)
    write(store, *args)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.grants)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(s.communities)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(s.snapshots)).scalar() == 2


def test_failed_write_leaves_store_unchanged(store: Store) -> None:
    write(store, [person(1)], [team(1)], [grant(1, 1, Role.OWNER)])
    before = (list(queries.grants(store)), list(queries.communities(store)), store.snapshots())

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.snapshot("m365", "contoso") as w:
        # Enough records to force several flushes to the database before the failure.
        for n in range(12_000):
            w.principal(person(n))
        w.community(team(9))
        w.grant(grant(9, 3))
        raise Boom
    after = (list(queries.grants(store)), list(queries.communities(store)), store.snapshots())
    assert after == before


def test_history_and_diff(store: Store) -> None:
    a = write(
        store,
        [person(1), person(2), person(3, PrincipalKind.GUEST)],
        [team(1)],
        [grant(1, 1, Role.OWNER)],
    )
    b = write(
        store,
        [person(1), person(2), person(3, PrincipalKind.GUEST)],
        [team(1, "Renamed"), team(2)],
        [grant(1, 1, Role.OWNER), grant(1, 2), grant(1, 3), grant(2, 1, Role.OWNER)],
    )
    c = write(
        store, [person(1), person(2)], [team(1, "Renamed")], [grant(1, 1, Role.OWNER), grant(1, 2)]
    )

    h = queries.community_history(store, "m365:team:1")
    assert [(p.seq, p.owners, p.members, p.guests) for p in h.points] == [
        (a.seq, 1, 0, 0),
        (b.seq, 1, 2, 1),
        (c.seq, 1, 1, 0),
    ]
    assert h.community.name == "Renamed"
    h2 = queries.community_history(store, "m365:team:2")
    assert [p.present for p in h2.points] == [False, True, False]

    d = queries.diff(store, a, b)
    assert d.communities_added == ["m365:team:2"]
    assert d.communities_changed == ["m365:team:1"]
    assert d.grants_added == [
        ("m365:team:1", "m365:user:2", "member"),
        ("m365:team:1", "m365:user:3", "member"),
        ("m365:team:2", "m365:user:1", "owner"),
    ]
    d2 = queries.diff(store, b, c)
    assert d2.communities_removed == ["m365:team:2"]
    assert d2.principals_removed == ["m365:user:3"]
    assert ("m365:team:1", "m365:user:3", "member") in d2.grants_removed
    assert queries.diff(store, c, c).is_empty()
    # State as of an older snapshot is still readable.
    assert {g.principal_id for g in queries.grants(store, community_id="m365:team:1", at=b)} == {
        "m365:user:1",
        "m365:user:2",
        "m365:user:3",
    }


def test_incremental_keeps_what_was_not_mentioned(store: Store) -> None:
    write(
        store,
        [person(1), person(2), person(3)],
        [team(1), team(2), team(3)],
        [grant(1, 1, Role.OWNER), grant(2, 1, Role.OWNER), grant(2, 2), grant(3, 3, Role.OWNER)],
    )
    write(
        store,
        [],
        [],
        [grant(1, 2)],  # a join in team 1
        mode=SnapshotMode.INCREMENTAL,
        restate=["m365:team:3"],  # team 3 re-read completely: its only owner left
        remove_grant=[("m365:team:2", "m365:user:2", "member")],
    )
    now = {g.key for g in queries.grants(store)}
    assert now == {
        ("m365:team:1", "m365:user:1", "owner"),
        ("m365:team:1", "m365:user:2", "member"),
        ("m365:team:2", "m365:user:1", "owner"),
    }
    write(store, [], [], [], mode=SnapshotMode.INCREMENTAL, remove_community=["m365:team:2"])
    assert {c.id for c in queries.communities(store)} == {"m365:team:1", "m365:team:3"}
    assert all(g.community_id != "m365:team:2" for g in queries.grants(store))


def test_duplicate_records_in_one_run_keep_the_last(store: Store) -> None:
    write(
        store,
        [person(1), person(1)],
        [team(1, "first"), team(1, "second")],
        [grant(1, 1), grant(1, 1)],
    )
    assert [c.name for c in queries.communities(store)] == ["second"]
    assert len(list(queries.grants(store))) == 1


def test_grant_counts_count_guests(store: Store) -> None:
    write(
        store,
        [person(1), person(2, PrincipalKind.GUEST)],
        [team(1)],
        [grant(1, 1, Role.OWNER), grant(1, 1), grant(1, 2)],
    )
    counts = queries.grant_counts(store)["m365:team:1"]
    assert (counts.of(Role.OWNER), counts.of(Role.MEMBER), counts.guests) == (1, 2, 1)


def test_a_page_of_grants_is_stored_as_single_grants_are(tmp_path) -> None:
    """``grants`` (one call per page of members) writes what ``grant`` per member writes."""
    rows = {}
    for how in ("single", "page"):
        store = Store(f"sqlite:///{tmp_path / how}.db")
        with store.snapshot("m365", "t", SnapshotMode.FULL, log=lambda m: None) as w:
            pids = [f"m365:user:{n}" for n in range(7)]
            if how == "single":
                for pid in pids:
                    w.grant(Grant(community_id="m365:team:a", principal_id=pid,
                                  role=Role.MEMBER, source="members"))  # fmt: skip
            else:
                w.grants("m365:team:a", Role.MEMBER, pids, "members")
                w.grants("m365:team:a", Role.GUEST, [], "members")
            assert w.counts.grants == 7
        with store._connect() as conn:
            cols = [c for c in s.grants.c if c.name != "row_id"]
            rows[how] = sorted(conn.execute(select(*cols)).all())
    assert rows["single"] == rows["page"] and len(rows["page"]) == 7

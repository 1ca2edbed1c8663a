"""keep_grants: a community whose grants were not read keeps those last stored, full run or not."""

from __future__ import annotations

from pathlib import Path

from govern.model import Community, Grant, Principal, PrincipalKind, Role, SnapshotMode
from govern.store import Store
from govern.store import queries as q


def _person(n: int) -> Principal:
    return Principal(id=f"t:user:{n}", kind=PrincipalKind.EMPLOYEE, display_name=f"P{n}")


def _space(n: int) -> Community:
    return Community(id=f"t:space:{n}", path=f"t/site/space/S{n}", kind="space", name=f"S{n}")


def _grant(c: int, p: int) -> Grant:
    return Grant(community_id=f"t:space:{c}", principal_id=f"t:user:{p}", role=Role.MEMBER)


def test_full_run_keeps_grants_and_holders_of_unread_community(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    with store.snapshot("t", "site") as w:
        for n in (1, 2, 3):
            w.principal(_person(n))
        for c in (1, 2):
            w.community(_space(c))
            w.restate(f"t:space:{c}")
        w.grant(_grant(1, 1))
        w.grant(_grant(2, 2))
        w.grant(_grant(2, 3))
    # Full run: space 2's grants could not be read; person 3 holds a grant only there, and
    # person 2 is read again (changed). Space 1 lost its grant for real.
    with store.snapshot("t", "site", SnapshotMode.FULL) as w:
        w.principal(_person(1))
        w.principal(_person(2).model_copy(update={"display_name": "P2 renamed"}))
        w.community(_space(1))
        w.community(_space(2))
        w.restate("t:space:1")
        w.keep_grants("t:space:2")
    grants = {(g.community_id, g.principal_id) for g in q.grants(store)}
    assert grants == {("t:space:2", "t:user:2"), ("t:space:2", "t:user:3")}
    people = {p.id: p.display_name for p in q.principals(store)}
    assert people == {"t:user:1": "P1", "t:user:2": "P2 renamed", "t:user:3": "P3"}
    # Without keep_grants, the next full run closes them as before.
    with store.snapshot("t", "site", SnapshotMode.FULL) as w:
        w.community(_space(2))
        w.restate("t:space:2")
    assert list(q.grants(store)) == []
    store.dispose()

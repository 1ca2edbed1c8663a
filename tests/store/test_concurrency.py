"""Several processes on one store: opening a new store and writing snapshots at the same time."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from govern.model import Community, Grant, Principal, PrincipalKind, Role
from govern.store import Store, queries


def _discover(url: str, connector: str, barrier: mp.synchronize.Barrier, people: int) -> None:  # type: ignore[name-defined]
    barrier.wait()
    store = Store(url)  # every process opens (and, if new, upgrades) the store at once
    with store.snapshot(connector, "scope") as w:
        for n in range(people):
            w.principal(Principal(id=f"{connector}:user:{n}", kind=PrincipalKind.EMPLOYEE))
        w.community(
            Community(id=f"{connector}:team:1", path=f"{connector}/s/team/1", kind="team", name="T")
        )
        for n in range(people):
            w.grant(
                Grant(
                    community_id=f"{connector}:team:1",
                    principal_id=f"{connector}:user:{n}",
                    role=Role.MEMBER,
                )
            )
    store.dispose()


def test_concurrent_first_open_and_snapshots_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    ctx = mp.get_context("spawn")
    names = ["alpha", "beta", "gamma", "delta"]
    barrier = ctx.Barrier(len(names))
    procs = [ctx.Process(target=_discover, args=(url, n, barrier, 3000)) for n in names]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * len(names)
    store = Store(url)
    assert sorted(s.connector for s in store.snapshots()) == sorted(names)
    assert sum(1 for _ in queries.grants(store)) == 3000 * len(names)
    assert [s.seq for s in store.snapshots()] == [1, 2, 3, 4]

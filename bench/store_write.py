"""Writing a large snapshot: time and peak memory of a full and an unchanged second run.

Run: .venv/bin/python bench/store_write.py [people] [communities] [grants]
Default is the sandbox's xl shape: 200,000 people, 50,000 communities, 2,000,000 grants.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from govern.model import Community, Grant, Principal, PrincipalKind, Role
from govern.store import Store, queries


def run(store: Store, people: int, teams: int, grants: int, seed: int) -> float:
    rng = random.Random(seed)
    t = time.perf_counter()
    with store.snapshot("m365", "bench") as w:
        for p in range(people):
            w.principal(
                Principal(id=f"m365:user:{p}", kind=PrincipalKind.EMPLOYEE, department=f"d{p % 15}")
            )
        for c in range(teams):
            w.community(
                Community(
                    id=f"m365:team:{c}", path=f"m365/bench/team/t{c}", kind="team", name=f"T{c}"
                )
            )
        per = grants // teams
        for c in range(teams):
            cid = f"m365:team:{c}"
            for i in range(per):
                role = Role.OWNER if i == 0 else Role.MEMBER
                w.grant(
                    Grant(
                        community_id=cid,
                        principal_id=f"m365:user:{rng.randrange(people)}",
                        role=role,
                    )
                )
    return time.perf_counter() - t


def main() -> None:
    people, teams, grants = (int(a) for a in (sys.argv[1:] or ["200000", "50000", "2000000"]))
    with tempfile.TemporaryDirectory() as d:
        store = Store(f"sqlite:///{Path(d) / 'bench.db'}")
        first = run(store, people, teams, grants, 1)
        second = run(store, people, teams, grants, 1)
        t = time.perf_counter()
        n = sum(1 for _ in queries.grants(store))
        read = time.perf_counter() - t
        size = (Path(d) / "bench.db").stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"shape: {people} people, {teams} communities, {grants} grants (distinct read back: {n})")
    print(f"first full snapshot : {first:6.1f} s")
    print(f"unchanged full rerun: {second:6.1f} s")
    print(f"read all grants     : {read:6.1f} s")
    print(f"database size       : {size / 2**20:6.0f} MiB")
    print(f"peak RSS            : {peak:6.0f} MiB")


if __name__ == "__main__":
    main()

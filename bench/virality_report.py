"""The shadow-IT report on an xl-sized inventory: goal 15 s and 600 MiB (limit 30 s).

Run: .venv/bin/python bench/virality_report.py [people] [communities] [grants]
Default is the sandbox's xl shape: 200,000 people, 50,000 communities, about 2,000,000 grants,
with three snapshots (days 0, 60, 90: one full, two incremental) so growth is measured from
history. The inventory is generated once and kept in $TMPDIR/govern-bench (delete it to
regenerate); only the report is timed.

The machine may be shared, so absolute times move with load: the bench also times a baseline in
the same run, the naive reader (every current grant's measured columns read as SQLAlchemy rows,
nothing computed), and prints the report's CPU as a multiple of it.
"""

from __future__ import annotations

import gc
import math
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from govern.model import (
    Activity,
    Community,
    Grant,
    Lifecycle,
    Origin,
    Principal,
    PrincipalKind,
    Role,
    SnapshotMode,
)
from govern.private import write_private_text
from govern.store import Store
from govern.virality.build import build_report
from govern.virality.formats import chunks

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAYS = (0, 60, 90)
LIMIT_S = 30.0


def generate(store: Store, people: int, teams: int, grants: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    mean = grants / teams
    # Heavy-tailed sizes (lognormal), scaled so the total is about `grants`.
    sizes = [max(2, int(rng.lognormvariate(0, 1.1))) for _ in range(teams)]
    scale = grants / sum(sizes)
    sizes = [min(people // 4, max(2, int(s * scale))) for s in sizes]
    comms, rows, acts = [], [], []
    for c in range(teams):
        created = -rng.uniform(5, 700)
        it = rng.random() < 0.15
        origin = Origin.IT_PROVISIONED if it else Origin.SELF_SERVICE
        inactive = rng.random() < 0.3
        last = created + rng.uniform(0, -created) if inactive else 90 - rng.uniform(0, 5)
        comm = Community(
            id=f"m365:team:{c}",
            path=f"m365/bench/team/t{c}",
            kind="team",
            name=f"Team {c}",
            created_at=T0 + timedelta(days=created),
            origin=origin,
            lifecycle=Lifecycle.UNMANAGED,
            sensitivity_label="General" if it else None,
            last_activity_at=T0 + timedelta(days=min(last, 90)),
        )
        comms.append(comm)
        members = rng.sample(range(people), sizes[c])
        owner = members[0]
        broadcast = rng.random() < 0.05
        for i, p in enumerate(members):
            if broadcast or i == 0:
                at, by = created + i / 10000, owner
            else:
                at = created + (90 - created) * (i / len(members)) ** rng.uniform(0.5, 2)
                by = members[rng.randrange(i)] if rng.random() < 0.6 else p
            rows.append(
                Grant(
                    community_id=comm.id,
                    principal_id=f"m365:user:{p}",
                    role=Role.OWNER if i == 0 else Role.MEMBER,
                    since=T0 + timedelta(days=at),
                    added_by=f"m365:user:{by}",
                )
            )
        active = 0 if inactive else int(sizes[c] * rng.uniform(0.05, 0.7))
        acts.append((comm.id, active, int(active * rng.uniform(1, 20))))
    print(f"generated {len(comms)} communities, {len(rows)} grants (mean {mean:.0f})")
    principals = [
        Principal(
            id=f"m365:user:{p}",
            kind=PrincipalKind.EMPLOYEE,
            email=f"u{p}@contoso.example",
            department=f"Dept {p % 15}",
        )
        for p in range(people)
    ]
    for n, d in enumerate(DAYS):
        t = T0 + timedelta(days=d)
        prev = T0 + timedelta(days=DAYS[n - 1]) if n else None
        mode = SnapshotMode.FULL if n == 0 else SnapshotMode.INCREMENTAL
        started = time.perf_counter()
        with store.snapshot("m365", "bench", mode) as w:
            w.observed_at(t)
            if n == 0:
                for p in principals:
                    w.principal(p)
            for c in comms:
                assert c.created_at is not None
                if c.created_at <= t and (prev is None or c.created_at > prev):
                    w.community(c)
            for g in rows:
                assert g.since is not None
                if g.since <= t and (prev is None or g.since > prev):
                    w.grant(g)
            for cid, active, posts in acts:
                w.activity(
                    Activity(community_id=cid, period="D30", active_users=active, posts=posts)
                )
        print(f"snapshot day {d:3d} ({mode.value}): {time.perf_counter() - started:.1f} s")


def naive_read(store: Store) -> tuple[float, float, int]:
    """The baseline: wall and CPU seconds to read every current grant as SQLAlchemy rows."""
    from sqlalchemy import select

    from govern.store import schema as s

    t = s.grants
    q = select(
        t.c.community_id, t.c.principal_id, t.c.role, t.c.since, t.c.added_by, t.c.valid_from
    ).where(t.c.valid_to.is_(None))
    wall, cpu = time.perf_counter(), time.process_time()
    n = 0
    with store.engine.connect() as conn:
        for _row in conn.execution_options(stream_results=True).execute(q):
            n += 1
    return time.perf_counter() - wall, time.process_time() - cpu, n


def main() -> None:
    people, teams, grants = (int(a) for a in (sys.argv[1:] or ["200000", "50000", "2000000"]))
    cache = Path(tempfile.gettempdir()) / "govern-bench" / f"viral-{people}-{teams}-{grants}.db"
    fresh = not cache.exists()
    cache.parent.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{cache}")
    if fresh:
        try:
            generate(store, people, teams, grants)
        except BaseException:
            store.dispose()
            cache.unlink(missing_ok=True)
            raise
    load_before = os.getloadavg()[0]
    base_wall, base_cpu, base_rows = naive_read(store)
    gc.collect()
    t, cpu = time.perf_counter(), time.process_time()
    report = build_report(store)
    built, built_cpu = time.perf_counter() - t, time.process_time() - cpu
    built_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = {}
    with tempfile.TemporaryDirectory(prefix="govern-bench-report-") as out:
        for fmt in ("json", "csv", "markdown", "html", "table"):
            t = time.perf_counter()
            path = Path(out) / f"shadow-it.{fmt}"
            write_private_text(path, chunks(report, fmt))  # as `govern report viral -o` writes
            timings[fmt] = (time.perf_counter() - t, path.stat().st_size)
    total = built + sum(s for s, _ in timings.values())
    total_cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    recs = ", ".join(f"{b.count} {b.name}" for b in report.organisation.by_recommendation)
    print(f"inventory: {cache} ({cache.stat().st_size / 2**20:.0f} MiB)")
    print(f"report: {report.organisation.communities} communities, {len(report.entries)} listed "
          f"({recs})")  # fmt: skip
    ratio = built_cpu / base_cpu
    print(f"baseline: naive read  : {base_wall:6.1f} s (CPU {base_cpu:.1f} s, {base_rows} grants)")
    print(f"build report          : {built:6.1f} s (CPU {built_cpu:.1f} s, {ratio:.2f}x the "
          f"naive read's CPU; peak RSS {built_peak:.0f} MiB)")  # fmt: skip
    for fmt, (secs, size) in timings.items():
        print(f"render {fmt:<15}: {secs:6.1f} s ({size / 2**20:.1f} MiB)")
    print(f"total                 : {total:6.1f} s (CPU {total_cpu:.1f} s; limit {LIMIT_S:.0f} s)")
    print(f"peak RSS              : {peak:6.0f} MiB")
    # The machine is shared: wall time stretches with other work, CPU time much less so.
    print(f"load average (1 min)  : {load_before:6.2f} before, {os.getloadavg()[0]:.2f} after")
    store.dispose()
    if total > LIMIT_S or math.isnan(total):
        sys.exit(f"too slow: {total:.1f} s > {LIMIT_S:.0f} s")


if __name__ == "__main__":
    main()

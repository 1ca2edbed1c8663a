"""Discovery through the real msgraph-sdk against the sandbox Graph server over real HTTP."""

from __future__ import annotations

from collections import Counter

import pytest

from govern.model import Origin, Role, SnapshotMode
from govern.sandbox.http import Faults
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, inventory, m365_settings


@pytest.mark.sandbox(size="demo", seed=1, servers=("graph",))
def test_full_discovery_of_the_demo_org(sandbox, discover: Discover) -> None:
    outcome, _ = discover(m365_settings(sandbox))
    snap = outcome.snapshot
    assert snap.mode is SnapshotMode.FULL and snap.complete, snap.incomplete
    store = discover.stores["inventory"]
    org = sandbox.org
    comms = list(q.communities(store))
    kinds = Counter(c.kind for c in comms)
    live = [g for g in org.groups if g.is_community and g.deleted == -1]
    assert kinds["team"] + kinds["group"] + kinds["engage"] == len(live)
    assert kinds["app"] > 0 and kinds["site"] > 0
    people = {p.id: p for p in q.principals(store) if p.id.startswith("m365:user:")}
    assert len(people) == sum(1 for p in org.people if p.deleted == -1)
    # Apps that added members (directory audit log) are service principals, not people.
    services = [p for p in q.principals(store) if not p.id.startswith("m365:user:")]
    assert services and all(p.kind.value == "service" for p in services)
    # Every community's grants match the organisation's members and owners exactly.
    grants = Counter((g.community_id, g.role) for g in q.grants(store))
    for g in live[:50]:
        cid = next(c.id for c in comms if c.attributes.get("group_id") == org.group_id(g.idx))
        assert grants[(cid, Role.OWNER)] == len(g.owners)
        members = grants[(cid, Role.MEMBER)] + grants[(cid, Role.GUEST)]
        assert members == len(g.members)
    assert any(c.origin is Origin.IT_PROVISIONED for c in comms)
    assert any(c.origin is Origin.SELF_SERVICE for c in comms)
    assert any(c.url for c in comms if c.kind == "team")
    assert snap.observed_at is not None  # Graph's Date header, the simulated clock
    for figure in ("requests", "resource_units", "retries", "seconds"):
        assert figure in snap.stats


# Seed 3 over 8 days: communities are created and deleted (deletions are rare and random).
@pytest.mark.sandbox(size="demo", seed=3, servers=("graph",))
def test_incremental_runs_equal_a_full_rediscovery(sandbox, discover: Discover) -> None:
    # Consents have no delta: refresh_hours=0 re-reads them in every incremental run.
    settings = m365_settings(sandbox, refresh_hours=0)
    discover(settings)
    store = discover.stores["inventory"]
    before = inventory(store)
    seq = sandbox.org.log.seq
    # Days go by until communities were both created and deleted (a week or so, by the seed).
    for _ in range(30):
        sandbox.advance(1)
        deltas = sandbox.org.log.group_changes(seq).values()
        if any(d.added for d in deltas) and any(d.removed for d in deltas):
            break
    sandbox.reset_counts()
    inner = sandbox.graph.server.batch_log
    inner.reset()
    outcome, _ = discover(settings)
    # Joins and leaves cost no read of their group: only groups whose properties or owners
    # changed are read again (their origin needs every owner).
    changes = sandbox.org.log.group_changes(seq)
    rewritten = [
        d for d in changes.values() if d.added or d.updated or d.owners_added or d.owners_removed
    ]
    reads = inner.snapshot()
    group_reads = reads.get("GET /v1.0/groups/{gid}", 0) + reads.get(
        "GET /v1.0/groups/{gid}/owners", 0
    )
    assert 0 < group_reads <= len(rewritten) < len(changes), (reads, len(rewritten), len(changes))
    assert outcome.snapshot.mode is SnapshotMode.INCREMENTAL
    after = inventory(store)
    discover(settings, db="fresh", full=True)
    fresh = inventory(discover.stores["fresh"])
    for i in range(3):
        a, f = set(map(str, after[i])), set(map(str, fresh[i]))
        extra, missing = sorted(a - f), sorted(f - a)
        assert not extra and not missing, (i, extra[:5], missing[:5], len(extra), len(missing))
    assert after == fresh
    # The days had joins, leaves, new and deleted communities, and the run saw them.
    assert after[2] - before[2] and before[2] - after[2]
    assert after[1].keys() - before[1].keys() and before[1].keys() - after[1].keys()
    stats = outcome.snapshot.stats
    assert stats["requests"] < 50 + stats["batched_requests"], stats


@pytest.mark.sandbox(size="tiny", seed=3, servers=("graph",))
def test_faults_do_not_change_the_inventory(sandbox, sandbox_factory, discover: Discover) -> None:
    clean = sandbox
    faults = Faults(
        throttle_rate=0.08, unavailable_rate=0.04, drop_rate=0.05, slow_rate=0.05,
        slow_seconds=0.3, retry_after=1, seed=7,
    )  # fmt: skip
    faulty = sandbox_factory(size="tiny", seed=3, servers=("graph",), faults=faults)
    discover(m365_settings(clean), db="clean")
    outcome, _ = discover(m365_settings(faulty), db="faulty")
    assert outcome.snapshot.complete
    assert outcome.snapshot.stats["retries"] > 0
    assert sum(faulty.graph.log.faults.values()) > 0
    assert inventory(discover.stores["faulty"]) == inventory(discover.stores["clean"])


@pytest.mark.sandbox(size="tiny", seed=4, servers=("graph",))
def test_missing_reports_permission_gives_an_incomplete_snapshot(
    sandbox, discover: Discover
) -> None:
    perms = (
        "User.Read.All,GroupMember.Read.All,Sites.Read.All,Community.Read.All,"
        "DelegatedPermissionGrant.Read.All,Application.Read.All,TeamsAppInstallation.ReadForTeam.All"
    )
    outcome, lines = discover(m365_settings(sandbox, static_token=f"sandbox-scoped:{perms}"))
    snap = outcome.snapshot
    assert not snap.complete
    assert any("Reports.Read.All" in part and "activity" in part for part in snap.incomplete)
    assert snap.stats["communities_seen"] > 0 and snap.stats["grants_seen"] > 0
    assert any("Reports.Read.All" in line for line in lines)


@pytest.mark.sandbox(size="demo", seed=5, servers=("graph",))
def test_first_load_by_batched_listing_equals_delta(sandbox, discover: Discover) -> None:
    discover(m365_settings(sandbox, first_load="delta"), db="delta")
    sandbox.reset_counts()
    outcome, lines = discover(m365_settings(sandbox), db="listing")
    counts = sandbox.counts()["graph"]
    # The delta links came from Graph's `$deltatoken=latest` (one request per round), not a walk.
    assert counts["GET /v1.0/users/delta"] == 1 and counts["GET /v1.0/groups/delta"] == 2, counts
    assert not any("deltatoken=latest" in line for line in lines), lines
    assert outcome.snapshot.stats["batched_requests"] > 100  # members came through $batch
    assert inventory(discover.stores["listing"]) == inventory(discover.stores["delta"])
    sandbox.advance(2)
    discover(m365_settings(sandbox, refresh_hours=0), db="listing")
    discover(m365_settings(sandbox, refresh_hours=0), db="delta")
    discover(m365_settings(sandbox), db="after", full=True)
    after = inventory(discover.stores["after"])
    assert inventory(discover.stores["listing"]) == after
    assert inventory(discover.stores["delta"]) == after

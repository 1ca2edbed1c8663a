"""Incremental runs read a changed Viva Engage community by id (real SDK, real HTTP).

The communities list has no filter by group and comes 100 a page (31 pages at xl); a run that
wrote an Engage community again read them all. Its community id is kept in the Engage delta
token, so the next run reads only the communities it writes, through ``$batch``.
"""

from __future__ import annotations

import pytest

from govern.sandbox.entities import GroupKind
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_changed_engage_community_read_by_id(sandbox, discover: Discover) -> None:
    org = sandbox.org
    settings = m365_settings(sandbox)
    discover(settings)
    store = discover.stores["inventory"]
    g = next(g for g in org.groups if g.kind == GroupKind.ENGAGE and g.deleted == -1)
    cid = f"m365:engage:{org.group_id(g.idx)}"
    before = q.community(store, cid)
    assert before is not None and before.attributes["engage_id"]

    # Privacy follows the group's visibility: the group is written again, its community read.
    org.set_visibility(g.idx, "Private" if str(g.visibility) == "Public" else "Public")
    sandbox.reset_counts()
    inner = sandbox.graph.server.batch_log
    inner.reset()
    outcome, _ = discover(settings)
    assert outcome.snapshot.mode.value == "incremental"
    listed = sandbox.graph.log.snapshot().get("GET /v1.0/employeeExperience/communities", 0)
    by_id = inner.snapshot().get("GET /v1.0/employeeExperience/communities/{cid}", 0)
    assert listed == 0 and by_id == 1, (listed, inner.snapshot())
    after = q.community(store, cid)
    assert after is not None
    assert after.attributes["engage_id"] == before.attributes["engage_id"]
    assert after.attributes["engage_privacy"] != before.attributes["engage_privacy"]

    # The same as a full run reads.
    discover(settings, db="fresh", full=True)
    fresh = q.community(discover.stores["fresh"], cid)
    assert fresh is not None and fresh.attributes == after.attributes


def _forget_community_id(store, gid: str) -> None:  # type: ignore[no-untyped-def]
    """Make the newest snapshot's Engage token hold ``gid`` without its community id, as a run
    that met it new and left its id for later writes it."""
    import json

    from sqlalchemy import select, update

    from govern.store import schema as s

    t = s.snapshots
    with store._connect() as conn:
        seq, data = conn.execute(select(t.c.seq, t.c.data).order_by(t.c.seq.desc())).first()
        tokens = data["delta_tokens"]
        tokens["engage_groups"] = " ".join(
            gid if e.partition("=")[0] == gid else e for e in tokens["engage_groups"].split()
        )
        conn.execute(update(t).where(t.c.seq == seq).values(data=json.loads(json.dumps(data))))
        conn.commit()


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_new_engage_community_id_waits_for_the_refresh(sandbox, discover: Discover) -> None:
    org = sandbox.org
    discover(m365_settings(sandbox))
    store = discover.stores["inventory"]
    g = next(g for g in org.groups if g.kind == GroupKind.ENGAGE and g.deleted == -1)
    gid = org.group_id(g.idx)
    _forget_community_id(store, gid)

    # Written again, its id unknown and not due: no listing; the snapshot says what is missing.
    org.set_visibility(g.idx, "Private" if str(g.visibility) == "Public" else "Public")
    sandbox.reset_counts()
    outcome, _ = discover(m365_settings(sandbox))
    snap = outcome.snapshot
    assert not sandbox.graph.log.snapshot().get("GET /v1.0/employeeExperience/communities")
    assert snap.stats["engage_ids_pending"] == 1
    assert not snap.complete and any("m365.refresh_hours" in p for p in snap.incomplete)
    assert "engage_id" not in q.community(store, f"m365:engage:{gid}").attributes
    assert f" {gid} " in f" {snap.delta_tokens['engage_groups']} ", "still pending"

    # The refresh run reads it again, lists the communities once, and writes its id.
    sandbox.reset_counts()
    outcome, _ = discover(m365_settings(sandbox, refresh_hours=0))
    snap = outcome.snapshot
    assert sandbox.graph.log.snapshot().get("GET /v1.0/employeeExperience/communities") == 1
    assert snap.complete, snap.incomplete
    assert q.community(store, f"m365:engage:{gid}").attributes["engage_id"]
    assert f" {gid}=" in f" {snap.delta_tokens['engage_groups']}"

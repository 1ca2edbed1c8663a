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

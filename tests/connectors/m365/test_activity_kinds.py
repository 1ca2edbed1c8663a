"""Usage-report rows filed under the right community in incremental runs (real SDK, real HTTP)."""

from __future__ import annotations

import pytest

from govern.sandbox.entities import GroupKind
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_incremental_run_keeps_engage_activity_fresh(sandbox, discover: Discover) -> None:
    org = sandbox.org
    discover(m365_settings(sandbox))
    store = discover.stores["inventory"]
    engage = [org.group_id(g.idx) for g in org.groups
              if g.kind == GroupKind.ENGAGE and g.deleted == -1]  # fmt: skip
    assert engage
    sandbox.advance(3)
    # period_report_days=1: the periods are read again (not the days, see below).
    outcome, _ = discover(m365_settings(sandbox, period_report_days=1))
    snap = outcome.snapshot
    assert snap.mode.value == "incremental"
    fresh = 0
    for gid in engage:
        rows = q.activity(store, f"m365:engage:{gid}")
        newest = [a for seq, a in rows if seq == snap.seq and a.period == "D30"]
        # Filed under the Engage community, not under a plain group of the same id.
        assert not q.activity(store, f"m365:group:{gid}")
        if newest:
            fresh += 1
            a = newest[0]
            assert a.attributes["report"] == "getOffice365GroupsActivityDetail"
            assert a.active_users is None
            assert a.attributes["active_users_note"] == (
                "Viva Engage reports no active-user count per community"
            )
            assert "yammer_read_message_count" in a.attributes
    assert fresh == len(engage), (fresh, len(engage))

    # A day later, by day: every Engage community active that day, under its own kind.
    sandbox.advance(1)
    outcome, _ = discover(m365_settings(sandbox))
    snap = outcome.snapshot
    assert snap.stats["report_days_read"] == 4
    active = [org.group_id(g.idx) for g in org.groups
              if g.kind == GroupKind.ENGAGE and g.deleted == -1 and g.alive]  # fmt: skip
    assert active
    for gid in active:
        assert not q.activity(store, f"m365:group:{gid}")
        day = [a for seq, a in q.activity(store, f"m365:engage:{gid}") if seq == snap.seq]
        assert {a.period for a in day} == {"D1"}, gid
        assert all(a.attributes["active_users_note"] for a in day)

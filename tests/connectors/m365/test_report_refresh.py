"""Usage reports read at most once per Report Refresh Date (real SDK, real HTTP).

Microsoft refreshes each usage report once a day and writes the date in every row; an
incremental run downloads a report and period again only when a newer refresh can exist.
"""

from __future__ import annotations

import json

import pytest

from govern.sandbox.entities import GroupKind
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings

TEAM = GroupKind.TEAM


def _report_requests(sandbox) -> int:  # type: ignore[no-untyped-def]
    counts = sandbox.graph.log.snapshot()
    return sum(n for endpoint, n in counts.items() if "/reports/" in endpoint)


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_reports_are_read_once_per_refresh_date(sandbox, discover: Discover) -> None:
    org = sandbox.org
    discover(m365_settings(sandbox))
    store = discover.stores["inventory"]
    team = next(g for g in org.groups if g.is_community and g.deleted == -1 and g.kind == TEAM)
    cid = f"m365:team:{org.group_id(team.idx)}"
    first = {a.report_date for _, a in q.activity(store, cid)}
    assert len(first) == 1

    # The same day: every report read is still current, none is downloaded again.
    sandbox.graph.log.reset()
    outcome, _ = discover(m365_settings(sandbox))
    snap = outcome.snapshot
    assert snap.mode.value == "incremental"
    assert snap.stats["report_reads_skipped"] == 8  # 4 reports x D7, D30
    assert _report_requests(sandbox) == 0
    assert snap.complete, snap.incomplete
    token = json.loads(snap.delta_tokens["report_refresh"])
    assert set(token.values()) == {d.isoformat() for d in first}, "the dates read are kept"

    # A day later Microsoft has refreshed them: each is read once, with the new date.
    sandbox.advance(1)
    sandbox.graph.log.reset()
    outcome, _ = discover(m365_settings(sandbox))
    snap = outcome.snapshot
    assert snap.stats["report_reads_skipped"] == 0
    assert _report_requests(sandbox) == 8
    newest = {a.report_date for seq, a in q.activity(store, cid) if seq == snap.seq}
    assert len(newest) == 1 and min(newest) > max(first)
    assert set(json.loads(snap.delta_tokens["report_refresh"]).values()) >= {
        d.isoformat() for d in newest
    }

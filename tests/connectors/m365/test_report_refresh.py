"""Usage reports read at most once per Report Refresh Date, and by day (real SDK, real HTTP).

Microsoft refreshes each usage report once a day and writes the date in every row. A full run
reads the periods; an incremental run reads only the days since the last one read, in the
one-day form (``date=``), and the periods again once ``period_report_days`` old, or when the
days since reach back further than Graph keeps day reports (28 days).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from govern.sandbox.entities import GroupKind
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings

TEAM = GroupKind.TEAM
REPORTS = 4


def _report_requests(sandbox) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = sandbox.graph.log.snapshot()
    return {endpoint: n for endpoint, n in counts.items() if "/reports/" in endpoint}


def _by_form(counts: dict[str, int], form: str) -> int:
    return sum(n for endpoint, n in counts.items() if f"({form}=" in endpoint)


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_reports_are_read_once_per_refresh_date_then_by_day(sandbox, discover: Discover) -> None:
    org = sandbox.org
    settings = m365_settings(sandbox, period_report_days=4)
    discover(settings)
    store = discover.stores["inventory"]
    team = next(
        g for g in org.groups if g.is_community and g.deleted == -1 and g.kind == TEAM and g.alive
    )
    cid = f"m365:team:{org.group_id(team.idx)}"
    first = {a.report_date for _, a in q.activity(store, cid)}
    assert len(first) == 1
    refreshed = min(first)
    assert refreshed is not None

    # The same day: every report read is still current, none is downloaded again.
    sandbox.graph.log.reset()
    outcome, _ = discover(settings)
    snap = outcome.snapshot
    assert snap.mode.value == "incremental"
    assert snap.stats["report_reads_skipped"] == 8  # 4 reports x D7, D30
    assert snap.stats["report_days_read"] == 0
    assert not _report_requests(sandbox)
    assert snap.complete, snap.incomplete
    token = json.loads(snap.delta_tokens["report_refresh"])
    assert set(token.values()) == {d.isoformat() for d in first}, "the dates read are kept"

    # A day later: each report is read for that one day, not for its periods.
    sandbox.advance(1)
    sandbox.graph.log.reset()
    outcome, _ = discover(settings)
    snap = outcome.snapshot
    assert snap.stats["report_reads_skipped"] == 8
    assert snap.stats["report_days_read"] == REPORTS
    counts = _report_requests(sandbox)
    assert _by_form(counts, "date") == REPORTS and not _by_form(counts, "period"), counts
    day = refreshed + timedelta(days=1)
    rows = [a for seq, a in q.activity(store, cid) if seq == snap.seq]
    assert rows and {a.period for a in rows} == {"D1"}
    assert {a.report_date for a in rows} == {day}
    assert max(a.last_activity_at for a in rows if a.last_activity_at).date() == day
    token = json.loads(snap.delta_tokens["report_refresh"])
    assert token["getTeamsTeamActivityDetail day"] == day.isoformat()
    assert token["getTeamsTeamActivityDetail D30"] == refreshed.isoformat(), "periods as read"

    # Two days later: both days are read; each community keeps its newest day's row.
    sandbox.advance(2)
    sandbox.graph.log.reset()
    outcome, _ = discover(settings)
    snap = outcome.snapshot
    assert snap.stats["report_days_read"] == 2 * REPORTS
    rows = [a for seq, a in q.activity(store, cid) if seq == snap.seq]
    assert [a.report_date for a in rows if a.attributes["report"].startswith("getTeams")] == [
        day + timedelta(days=2)
    ]

    # period_report_days (4) after the periods' refresh date: the periods are read again.
    sandbox.advance(1)
    sandbox.graph.log.reset()
    outcome, _ = discover(settings)
    snap = outcome.snapshot
    assert snap.stats["report_reads_skipped"] == 0
    assert snap.stats["report_days_read"] == 0
    counts = _report_requests(sandbox)
    assert _by_form(counts, "period") == 8 and not _by_form(counts, "date"), counts
    newest = {a.period for seq, a in q.activity(store, cid) if seq == snap.seq}
    assert newest == {"D7", "D30"}


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_days_older_than_graph_keeps_fall_back_to_periods(sandbox, discover: Discover) -> None:
    settings = m365_settings(sandbox, period_report_days=28)
    discover(settings)
    sandbox.advance(30)
    sandbox.graph.log.reset()
    outcome, _ = discover(settings)
    snap = outcome.snapshot
    assert snap.stats["report_days_read"] == 0
    counts = _report_requests(sandbox)
    assert _by_form(counts, "period") == 8 and not _by_form(counts, "date"), counts
    assert snap.complete, snap.incomplete

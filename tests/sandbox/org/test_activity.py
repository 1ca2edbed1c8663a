from __future__ import annotations

import pytest

from govern.sandbox import Organisation, advance_org, ids
from govern.sandbox.activity import (
    ENGAGE_COLUMNS,
    GROUPS_COLUMNS,
    PERIODS,
    SITES_COLUMNS,
    TEAMS_COLUMNS,
    engage_rows,
    groups_rows,
    sites_rows,
    teams_rows,
)


@pytest.mark.parametrize(
    ("make", "columns"),
    [(teams_rows, TEAMS_COLUMNS), (groups_rows, GROUPS_COLUMNS), (engage_rows, ENGAGE_COLUMNS),
     (sites_rows, SITES_COLUMNS)],
)  # fmt: skip
def test_rows_have_the_documented_columns_in_order(demo: Organisation, make, columns) -> None:  # type: ignore[no-untyped-def]
    rows = make(demo, "D30")
    assert rows
    assert all(tuple(row) == columns for row in rows)
    assert {row["Report Period"] for row in rows} == {"30"}
    assert {row["Report Refresh Date"] for row in rows} == {ids.iso(demo.now - ids.DAY)[:10]}


def test_inactive_community_reports_zero_and_viral_one_is_busy(demo: Organisation) -> None:
    rows = {r["Team Id"]: r for r in teams_rows(demo, "D90")}
    phoenix = rows[demo.group_id(demo.story("inactive-project-phoenix").index)]
    assert phoenix["Active Users"] == 0 and phoenix["Channel Messages"] == 0
    viral = rows[demo.group_id(demo.story("viral-ai-builders").index)]
    assert int(viral["Active Users"]) > 50 and int(viral["Post Messages"]) > 100
    active = [
        next(
            int(r["Active Users"]) for r in teams_rows(demo, p) if r["Team Id"] == viral["Team Id"]
        )
        for p in PERIODS
    ]
    assert active == sorted(active)  # D7 <= D30 <= D90 <= D180


def test_longer_periods_count_more(demo: Organisation) -> None:
    team = demo.group_id(demo.story("viral-python-guild").index)
    counts = [
        next(int(r["Post Messages"]) for r in teams_rows(demo, p) if r["Team Id"] == team)
        for p in ("D7", "D30", "D90")
    ]
    assert counts[0] < counts[1] < counts[2]


def test_concealed_names(demo: Organisation) -> None:
    names = {g.name for g in demo.groups}
    assert not names & {str(r["Group Display Name"]) for r in groups_rows(demo, "D7", conceal=True)}
    assert names & {str(r["Group Display Name"]) for r in groups_rows(demo, "D7")}


def test_reports_follow_the_clock(fresh_demo: Organisation) -> None:
    org = fresh_demo
    before = {r["Team Id"]: r for r in teams_rows(org, "D7")}
    advance_org(org, 10)
    after = {r["Team Id"]: r for r in teams_rows(org, "D7")}
    assert set(before) <= set(after) | {org.group_id(g.idx) for g in org.groups if g.deleted != -1}
    assert len(after) > len(before)

"""Slack text as Teams HTML, unique import times, email matching, the plan file's seal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govern.errors import PlanError
from govern.migrate import planfile
from govern.migrate.messages import to_html, ts_ms, unique_times
from govern.migrate.model import (
    Endpoint,
    MatchStatus,
    MigrationPlan,
    Review,
    StepKind,
    make_step,
)
from govern.migrate.people import Account, Directory


def test_mentions_links_files_and_stand_in_author() -> None:
    html = to_html(
        "Ask <@U1> about <https://x.test/a?b=1&c=2|the doc> & <#C9|design> <b>",
        {"U1": "Ana <Lee>"}.get,  # type: ignore[arg-type]
        [("plan.pdf", "https://files.slack.com/f/plan.pdf")],
        "Wei Walsh (wei@gmail.com)",
    )
    assert html.startswith("<p><em>Posted on Slack by Wei Walsh (wei@gmail.com)</em></p>")
    assert "@Ana &lt;Lee&gt;" in html and "#design" in html
    assert '<a href="https://x.test/a?b=1&amp;c=2">the doc</a>' in html
    assert "&amp; " in html and "&lt;b&gt;" in html  # text is escaped once
    assert (
        '<li><a href="https://files.slack.com/f/plan.pdf">plan.pdf</a> (left in Slack)</li>' in html
    )


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=200))
def test_unique_times_are_strictly_increasing_and_never_earlier(stamps: list[int]) -> None:
    stamps.sort()
    out = unique_times(stamps)
    assert all(a < b for a, b in pairwise(out))
    assert all(o >= s for o, s in zip(out, stamps, strict=True))


def test_ts_ms() -> None:
    assert ts_ms("1712345678.123456") == 1712345678123
    assert ts_ms("1712345678") == 1712345678000


def test_matching_by_email() -> None:
    d = Directory(
        [
            Account("1", "Ana", "ana@contoso.com", "ana@contoso.com", True),
            Account("2", "Bo", "bo@contoso.com", "bo@contoso.com", False),
            Account("3", "Cy", "cy@contoso.com", "cy@contoso.com", True),
            Account("4", "Cy admin", None, "CY@contoso.com", True),
        ]
    )
    assert d.match("ANA@contoso.com").status is MatchStatus.MATCHED
    assert d.match("bo@contoso.com").status is MatchStatus.DISABLED
    assert d.match("cy@contoso.com").status is MatchStatus.AMBIGUOUS
    assert d.match("dee@gmail.com").status is MatchStatus.UNMATCHED
    assert d.match(None).status is MatchStatus.NO_EMAIL


def _plan() -> MigrationPlan:
    step = make_step(StepKind.CREATE_TEAM, "k", "create team 'X'", name="X")
    return planfile.seal(
        MigrationPlan(
            migration="slack-to-teams",
            id="m1",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
            source=Endpoint(tool="slack", kind="workspace", name="S", id="slack:workspace:T1"),
            target=Endpoint(tool="m365", kind="team", name="X"),
            review=Review(),
            steps=[step],
        )
    )


def test_plan_file_is_sealed(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    planfile.write(_plan(), path)
    assert planfile.is_migration(path)
    assert planfile.read(path) == _plan()
    data = json.loads(path.read_text())
    data["steps"][0]["params"]["name"] = "Y"
    path.write_text(json.dumps(data))
    with pytest.raises(PlanError, match="checksum does not match"):
        planfile.read(path)
    path.write_text("{")
    with pytest.raises(PlanError, match=r"m.json:1:2: not valid JSON"):
        planfile.read(path)

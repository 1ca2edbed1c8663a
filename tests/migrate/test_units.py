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


def test_people_checks_owners_guests_and_limits() -> None:
    from collections import Counter

    from govern_slack.export import SlackUser

    from govern.migrate.slack_people import match_people
    from govern.migrate.teams_limits import TEAMS_PER_USER_LIMIT

    d = Directory(
        [
            Account("a1", "Ana", "ana@contoso.com", "ana@contoso.com", True),
            Account("b1", "Bo", "bo@contoso.com", "bo@contoso.com", False),
            Account("o1", "Owen", "owen@contoso.com", "owen@contoso.com", True),
        ]
    )
    users = {
        "U1": SlackUser("U1", "Ana", "ana@contoso.com", None, False, False, True, False),
        "U2": SlackUser("U2", "Bo", "bo@contoso.com", None, False, False, False, False),
        "U3": SlackUser("U3", "Gil", "gil@gmail.com", "multi-channel", False, False, False, False),
        "U4": SlackUser("U4", "Bot", None, None, True, False, False, False),
    }
    people, authors, checks = match_people(
        users,
        ["U1", "U2", "U3", "U4"],
        Counter({"U2": 3, "W9": 2}),  # W9: a Slack Connect member, not among the users
        d,
        [],
        "workspace",
        ("owen@contoso.com", "nobody@contoso.com"),
        {"a1": TEAMS_PER_USER_LIMIT},
    )
    by_id = {p.source_id: p for p in people}
    assert "U4" not in by_id  # bots do not move
    assert by_id["U1"].role == "owner" and by_id["U1"].target_id == "a1"
    assert by_id["U2"].status is MatchStatus.DISABLED and "disabled" in by_id["U2"].needs
    assert "guest invitation" in by_id["U3"].needs
    assert by_id["W9"].guest == "external" and by_id["W9"].posts == 2
    assert by_id["owner:owen@contoso.com"].role == "owner"  # --owner not in Slack, added
    # a disabled author keeps their account for the import; strangers have none
    assert authors == {"U1": ("a1", "Ana"), "U2": ("b1", "Bo")}
    ids = [c.id for c in checks]
    assert ids == ["team-limit-U1", "owner-nobody@contoso.com"]  # two owners: no owner check
    assert all(c.blocking for c in checks)

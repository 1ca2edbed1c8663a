"""Response shapes compared with Slack's documented examples (kept in examples/ with their URL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from govern.sandbox.slack.server import SlackServer

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict[str, Any]:
    doc = json.loads((EXAMPLES / name).read_text())
    assert doc["source"].startswith("https://")
    return dict(doc["example"])


def shape_errors(documented: Any, ours: Any, path: str = "$") -> list[str]:
    """Every key of the documented example must be in ours, with the same JSON type."""
    if isinstance(documented, dict):
        if not isinstance(ours, dict):
            return [f"{path}: object expected"]
        errors = []
        for key, value in documented.items():
            if key not in ours:
                errors.append(f"{path}.{key}: missing")
            else:
                errors.extend(shape_errors(value, ours[key], f"{path}.{key}"))
        return errors
    if isinstance(documented, list):
        if not isinstance(ours, list):
            return [f"{path}: array expected"]
        if documented and ours:
            return shape_errors(documented[0], ours[0], f"{path}[0]")
        return []
    kinds = (bool, int, float, str, type(None))
    want = next(k for k in kinds if isinstance(documented, k))
    got = next((k for k in kinds if isinstance(ours, k)), object)
    if want is not got and not (want is float and got is int):
        return [f"{path}: {want.__name__} expected, got {got.__name__}"]
    return []


def test_shape_errors_catches_a_difference() -> None:
    assert shape_errors({"a": {"b": 1}}, {"a": {"b": "x"}}) == ["$.a.b: int expected, got str"]
    assert shape_errors({"a": [{"c": True}]}, {"a": [{}]}) == ["$.a[0].c: missing"]


def _team(c: WebClient) -> str:
    return str(c.admin_teams_list()["teams"][0]["id"])


def _channel(c: WebClient, name: str) -> str:
    channels = c.conversations_list(team_id=_team(c), limit=1000)["channels"]
    return str(next(ch["id"] for ch in channels if ch["name"] == name))


CALLS = {
    "auth.test.json": lambda c: c.auth_test(),
    "team.info.json": lambda c: c.team_info(team=_team(c)),
    "admin.teams.list.json": lambda c: c.admin_teams_list(limit=1),
    "conversations.list.json": lambda c: c.conversations_list(team_id=_team(c), limit=2),
    "conversations.members.json": lambda c: c.conversations_members(
        channel=_channel(c, "general"), limit=3
    ),
    "conversations.history.json": lambda c: c.conversations_history(
        channel=_channel(c, "general"), limit=2
    ),
    "users.list.json": lambda c: c.users_list(team_id=_team(c), limit=2),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_success_shapes_match_documented_examples(server: SlackServer, name: str) -> None:
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    ours = CALLS[name](c).data
    assert ours["ok"] is True
    assert shape_errors(example(name), ours) == []


def test_invite_shape_matches_the_documented_example(server: SlackServer) -> None:
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    channel = _channel(c, "random")
    team = _team(c)
    members = set(c.conversations_members(channel=channel, limit=1000)["members"])
    outsider = next(
        u["id"]
        for u in c.users_list(team_id=team, limit=1000)["members"]
        if u["id"] not in members
        and not u["is_bot"]
        and not u["deleted"]
        and not u["is_restricted"]
    )
    ours = c.conversations_invite(channel=channel, users=outsider).data
    assert shape_errors(example("conversations.invite.json"), ours) == []


@pytest.mark.parametrize(
    ("name", "token", "call"),
    [
        ("auth.test.not_authed.json", "", lambda c: c.auth_test()),
        (
            "missing_scope.json",
            "xoxb-scoped:users:read",
            lambda c: c.users_lookupByEmail(email="a@b.c"),
        ),
        (
            "conversations.members.invalid_cursor.json",
            "xoxb-sandbox",
            lambda c: c.conversations_members(channel=_channel(c, "general"), cursor="bogus"),
        ),
    ],
)
def test_error_shapes_match_documented_examples(
    server: SlackServer, name: str, token: str, call: Any
) -> None:
    c = WebClient(token=token or None, base_url=server.url)
    with pytest.raises(SlackApiError) as caught:
        call(c)
    assert caught.value.response.status_code == 200  # Slack's errors are HTTP 200, ok: false
    ours = caught.value.response.data
    assert ours["error"] == example(name)["error"]
    assert shape_errors(example(name), ours) == []

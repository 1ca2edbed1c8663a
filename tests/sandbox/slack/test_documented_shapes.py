"""Slack's documented examples for message subtypes, users' names, scopes and shared channels."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from govern.sandbox.slack.server import SlackServer
from tests.sandbox.slack.test_fidelity import _channel, _team, example, shape_errors


def _history(c: WebClient, channel: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in c.conversations_history(channel=channel, limit=200):
        out += page["messages"]
    return out


def _busiest(c: WebClient) -> str:
    channels = c.conversations_list(team_id=_team(c), limit=1000)["channels"]
    return str(max(channels, key=lambda ch: ch["num_members"])["id"])


@pytest.mark.parametrize("subtype", ["bot_message", "thread_broadcast", "file_share"])
def test_message_subtypes_match_slacks_examples(server: SlackServer, subtype: str) -> None:
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    # Three reads of one history in a second pass Slack's tier for it: wait as Slack says.
    c.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    messages = _history(c, _busiest(c))
    found = [m for m in messages if m.get("subtype") == subtype]
    assert found, f"no {subtype} in the busiest channel's history"
    assert shape_errors(example(f"message.{subtype}.json"), found[0]) == []
    if subtype == "bot_message":
        assert "user" not in found[0]  # no person behind it


def test_users_carry_the_full_name_in_the_profile(server: SlackServer) -> None:
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    documented = example("users.list.json")["members"][0]
    member = next(
        u for u in c.users_list(team_id=_team(c), limit=200)["members"] if not u["is_bot"]
    )
    # As in Slack's example: the handle at the top, the person's name in the profile.
    assert documented["real_name"] == documented["name"] == documented["profile"]["display_name"]
    assert member["real_name"] == member["name"]
    assert member["profile"]["real_name"] != member["name"]


def test_missing_scope_with_alternatives_names_them_all(server: SlackServer) -> None:
    admin = WebClient(token="xoxb-sandbox", base_url=server.url)
    general = _channel(admin, "general")
    c = WebClient(token="xoxb-scoped:channels:history", base_url=server.url)
    with pytest.raises(SlackApiError) as caught:
        c.conversations_members(channel=general)
    ours = caught.value.response.data
    documented = example("missing_scope.any_of.json")
    assert shape_errors(documented, ours) == []
    assert ours["needed"] == documented["needed"]


def test_a_private_channel_read_with_the_public_scope_names_the_private_one(
    server: SlackServer,
) -> None:
    admin = WebClient(token="xoxb-sandbox", base_url=server.url)
    channels = admin.conversations_list(team_id=_team(admin), types="private_channel", limit=1000)[
        "channels"
    ]
    if not channels:
        pytest.skip("no private channel in this organisation")
    c = WebClient(token="xoxb-scoped:channels:history,channels:read", base_url=server.url)
    with pytest.raises(SlackApiError) as caught:
        c.conversations_history(channel=channels[0]["id"])
    assert caught.value.response.data["needed"] == "groups:history"


def test_shared_flags_follow_the_documented_channel(server: SlackServer) -> None:
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    documented = example("conversations.list.json")["channels"][0]
    for ch in c.conversations_list(team_id=_team(c), limit=1000)["channels"]:
        assert {"is_shared", "is_ext_shared", "is_org_shared"} <= set(ch)
        assert not ch["is_ext_shared"] or ch["is_shared"]  # externally shared is shared
    assert documented["is_shared"] is False and documented["is_ext_shared"] is False

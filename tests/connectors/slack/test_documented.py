"""The connector reads Slack's documented shapes right: names, subtypes, scopes, shared flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from govern_slack import SlackConnector
from govern_slack.api import Api, SlackCallError, Stats
from govern_slack.mapping import Workspace, channel_community, display_name, grants
from govern_slack.permissions import advice
from govern_slack.reading import PERSON_SUBTYPES
from slack_sdk import WebClient

from govern.discovery import run_discovery
from govern.model import Role
from govern.sandbox.org import Organisation
from govern.sandbox.slack.data import EPOCH_UNIX
from govern.sandbox.slack.server import SlackServer
from govern.store import Store, queries

from .conftest import settings

EXAMPLES = Path(__file__).parents[2] / "sandbox" / "slack" / "examples"


def example(name: str) -> Any:
    doc = json.loads((EXAMPLES / name).read_text())
    assert doc["source"].startswith("https://")
    return doc["example"]


def test_display_name_is_the_profiles_real_name() -> None:
    documented = example("users.list.json")["members"][0]
    assert display_name(documented) == "Egon Spengler"
    no_real = {**documented, "profile": {**documented["profile"], "real_name": ""}}
    assert display_name(no_real) == "spengler"


def test_people_are_stored_by_their_names_not_their_handles(
    org: Organisation, server: SlackServer, store: Store
) -> None:
    run_discovery(store, SlackConnector(settings(server)), full=True, log=lambda m: None)
    by_email = {p.mail.lower(): p.display_name for p in org.people}
    people = [p for p in queries.principals(store, connector="slack") if p.email in by_email]
    assert people and all(p.display_name == by_email[p.email or ""] for p in people)


def test_activity_counts_people_not_bots(
    org: Organisation, server: SlackServer, store: Store
) -> None:
    run_discovery(store, SlackConnector(settings(server)), full=True, log=lambda m: None)
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    team = c.admin_teams_list()["teams"][0]["id"]
    channel = max(
        c.conversations_list(team_id=team, limit=1000)["channels"],
        key=lambda ch: ch["num_members"],
    )
    now = EPOCH_UNIX + org.now
    messages = [
        m
        for page in c.conversations_history(channel=channel["id"], oldest=str(now - 30 * 86_400))
        for m in page["messages"]
    ]
    kinds = {m.get("subtype") for m in messages}
    assert {"bot_message", "thread_broadcast", "file_share"} <= kinds
    expected = sum(
        1 for m in messages if m.get("subtype") in PERSON_SUBTYPES and not m.get("bot_id")
    )
    cid = f"slack:channel:{channel['id']}"
    d30 = next(a for _, a in queries.activity(store, cid) if a.period == "D30")
    assert d30.posts == expected
    broadcast = sum(1 for m in messages if m.get("subtype") in ("thread_broadcast", "file_share"))
    bots = sum(1 for m in messages if m.get("subtype") == "bot_message")
    plain = sum(1 for m in messages if m.get("subtype") is None)
    assert d30.posts == plain + broadcast  # people's posts count; the bots' do not
    assert bots > 0


def test_missing_scope_names_every_alternative(server: SlackServer) -> None:
    admin = WebClient(token="xoxb-sandbox", base_url=server.url)
    team = admin.admin_teams_list()["teams"][0]["id"]
    general = next(
        ch["id"]
        for ch in admin.conversations_list(team_id=team, limit=1000)["channels"]
        if ch["is_general"]
    )
    api = Api("xoxb-scoped:channels:history", settings(server), Stats())
    with pytest.raises(SlackCallError) as caught:
        api.call("conversations.members", channel=general)
    line = advice(caught.value.needed)
    for scope in example("missing_scope.any_of.json")["response_metadata"]["acceptedScopes"]:
        assert f"'{scope}'" in line
    assert "public channels are not discovered" in line
    assert "private channels are not discovered" in line
    assert "\n" not in line


def test_an_unlisted_member_of_an_unshared_channel_is_not_an_external_guest() -> None:
    documented = example("conversations.list.json")["channels"][0]
    assert documented["is_shared"] is False and documented["is_ext_shared"] is False
    ws = Workspace("T111", "Contoso", "contoso", grid=False, sanctioned=True)
    ws.users = {"U111": {"id": "U111"}}
    members = ["U111", "U999"]  # U999: users.list did not return it
    community = channel_community(ws, documented, members, None)
    assert community.attributes["external_members"] == 0
    assert community.attributes["unlisted_members"] == 1
    roles = {g.principal_id: g.role for g in grants(community.id, ws, members, None, {})}
    assert roles["slack:user:U999"] is Role.MEMBER
    shared = {**documented, "is_shared": True, "is_ext_shared": True}
    roles = {g.principal_id: g.role for g in grants(community.id, ws, members, None, {}, True)}
    assert roles["slack:user:U999"] is Role.GUEST
    assert channel_community(ws, shared, members, None).attributes["external_members"] == 1

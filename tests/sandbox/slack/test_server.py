"""The Slack server's behaviour: tokens, scopes, tiers, cursors, history, the clock, the story."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from govern.sandbox.org import Organisation, generate
from govern.sandbox.slack.data import EPOCH_UNIX
from govern.sandbox.slack.server import SlackServer, SlackSettings
from govern.sandbox.timeline import advance


def _all(c: WebClient, method: str, key: str, limit: int = 7, **kw: object) -> list[dict]:
    out: list[dict] = []
    cursor = None
    while True:
        body = getattr(c, method)(limit=limit, cursor=cursor, **kw).data
        out.extend(body[key])
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            return out


def test_invalid_token_and_scopes(server: SlackServer) -> None:
    with pytest.raises(SlackApiError) as bad:
        WebClient(token="xoxb-guess", base_url=server.url).auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    scoped = WebClient(token="xoxb-scoped:channels:read,admin.teams:read", base_url=server.url)
    team = scoped.admin_teams_list()["teams"][0]["id"]
    assert scoped.conversations_list(team_id=team)["ok"]
    with pytest.raises(SlackApiError) as missing:
        scoped.conversations_list(team_id=team, types="public_channel,private_channel")
    assert missing.value.response["needed"] == "groups:read"
    assert missing.value.response.headers["x-oauth-scopes"] == "admin.teams:read,channels:read"


def test_cursor_pages_cover_every_item_once(server: SlackServer) -> None:
    c = WebClient(token="xoxb-sandbox", base_url=server.url)
    team = c.admin_teams_list()["teams"][0]["id"]
    users = _all(c, "users_list", "members", limit=33, team_id=team)
    assert len({u["id"] for u in users}) == len(users) > 200
    whole = c.users_list(team_id=team, limit=1000)["members"]
    assert [u["id"] for u in users] == [u["id"] for u in whole]


def test_history_pages_by_cursor_and_time(server: SlackServer, org: Organisation) -> None:
    c = WebClient(token="xoxb-free", base_url=server.url)
    general = c.conversations_list()["channels"][0]
    assert general["is_general"]
    now = EPOCH_UNIX + org.now
    oldest = f"{now - 30 * 86400}.000000"
    pages = _all(c, "conversations_history", "messages", channel=general["id"], oldest=oldest)
    ts = [float(m["ts"]) for m in pages]
    assert ts == sorted(ts, reverse=True) and len(set(ts)) == len(ts)
    assert all(now - 30 * 86400 < t <= now + 1 for t in ts)
    joins = [m for m in pages if m.get("subtype") == "channel_join"]
    assert joins and any("inviter" in m for m in joins)  # word of mouth: peers invite peers


def test_tier_limit_answers_429_with_retry_after() -> None:
    org = generate("tiny", 5)
    with SlackServer(org, SlackSettings(minute_seconds=60)) as srv:
        c = WebClient(token="xoxb-sandbox", base_url=srv.url)
        team = c.admin_teams_list()["teams"][0]["id"]
        statuses = []
        for _ in range(21):  # conversations.list is Tier 2: 20 a minute
            try:
                statuses.append(c.conversations_list(team_id=team).status_code)
            except SlackApiError as exc:
                statuses.append(exc.response.status_code)
                assert exc.response["error"] == "ratelimited"
                assert int(exc.response.headers["retry-after"]) >= 1
        assert statuses.count(429) == 1 and statuses[-1] == 429


def test_free_workspace_went_viral_and_keeps_growing() -> None:
    org = generate("tiny", 5)
    with SlackServer(org) as srv:
        c = WebClient(token="xoxb-free", base_url=srv.url)
        users = [u for u in c.users_list(limit=1000)["members"] if not u["is_bot"]]
        people = {p.mail: p for p in org.people}
        matched = [people[u["profile"]["email"]] for u in users if u["profile"]["email"] in people]
        assert len(users) >= 100
        assert 0.8 < len(matched) / len(users) < 1  # a few signed up with a personal email
        assert len({p.department for p in matched}) >= 8
        before = len(users)
        advance(org, 30)
        after = [u for u in c.users_list(limit=1000)["members"] if not u["is_bot"]]
        assert len(after) > before
        date = c.auth_test().headers["date"]
        assert time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT").tm_year == 2025

"""The Slack free workspace (or one of its channels) migrated to Teams, then rediscovered.

`govern migrate` plans (blocked first: people without an account wrote messages), `govern apply`
refuses the blocked plan with one line, a second plan names a fallback author and a second
owner, `govern apply` carries it out through msgraph-sdk against the sandbox's Graph, and a
second apply has nothing to do. Then the tenant is read back independently: discovery finds the
team with its members and owners, and Graph lists every channel's messages with the original
times and authors, in Slack's order, threads as replies.

The default run moves one channel (#watercooler, ~350 messages: seconds); the whole workspace
(~3,900 messages, 9 channels: minutes on a shared machine) runs with GOVERN_MIGRATE_FULL=1, and
``bench/migrate_slack.py`` measures a 100k-message workspace.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from govern.migrate.messages import ts_ms, unique_times
from govern.store import queries as q
from tests.migrate.conftest import FREE, Tenant, plan_json

CHANNEL = "slack/productmakers/channel/watercooler"
FULL = os.environ.get("GOVERN_MIGRATE_FULL") == "1"


def slack_channels(tenant: Tenant) -> dict[str, list[tuple[str, str, str | None]]]:
    """Per channel name: (ts, user, parent ts) of every post and reply, read with slack-sdk."""
    slack = tenant.sandbox["slack"]
    client = WebClient(token="xoxb-free", base_url=slack.url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=20))
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for c in client.conversations_list(limit=200)["channels"]:
        rows: dict[str, tuple[str, str, str | None]] = {}
        cursor = None
        while True:
            page = client.conversations_history(channel=c["id"], limit=200, cursor=cursor)
            for m in page["messages"]:
                # what people wrote moves (a thread broadcast and a file share too, as Slack
                # documents them); joins, bots and other housekeeping do not
                if m.get("subtype") not in (None, "thread_broadcast", "file_share"):
                    continue
                rows[m["ts"]] = (m["ts"], m["user"], None)
                if m.get("reply_count"):
                    thread = client.conversations_replies(channel=c["id"], ts=m["ts"], limit=1000)
                    for r in thread["messages"][1:]:
                        rows[r["ts"]] = (r["ts"], r["user"], m["ts"])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        out[c["name"]] = sorted(rows.values(), key=lambda r: float(r[0]))
    return out


def teams_channels(tenant: Tenant, team_id: str) -> dict[str, list[tuple[int, str, str | None]]]:
    """Per channel name: (createdDateTime ms, author id, parent id) as Graph lists them."""
    from govern_m365.migration import parse_ms

    graph = tenant.sandbox.graph
    out: dict[str, list[tuple[int, str, str | None]]] = {}
    with httpx.Client(base_url=graph.url, headers={"Authorization": "Bearer t"}) as client:
        for c in client.get(f"/teams/{team_id}/channels").json()["value"]:
            rows: list[tuple[int, str, str | None]] = []
            url: str | None = (
                f"/teams/{team_id}/channels/{c['id']}/messages?$top=50&$expand=replies"
            )
            while url:
                page = client.get(url).json()
                for m in page["value"]:
                    rows.append((parse_ms(m["createdDateTime"]), m["from"]["user"]["id"], None))
                    for r in m["replies"]:
                        rows.append(
                            (parse_ms(r["createdDateTime"]), r["from"]["user"]["id"], m["id"])
                        )
                url = page.get("@odata.nextLink")
            out[c["displayName"]] = sorted(rows)
    return out


@pytest.mark.parametrize(
    "source",
    [
        CHANNEL,
        pytest.param(
            FREE, marks=pytest.mark.skipif(not FULL, reason="minutes: GOVERN_MIGRATE_FULL=1")
        ),
    ],
)
def test_free_workspace_moves_to_teams_with_its_history(tenant: Tenant, source: str) -> None:
    # 1. Planned as is, the migration is blocked: people with a personal email wrote messages.
    blocked = tenant.govern("migrate", source, "-o", "blocked.json", check=2)
    assert "BLOCKING" in blocked.stdout and "@gmail.com [unmatched" in blocked.stdout
    refused = tenant.govern("apply", "blocked.json", "--auto-approve", check=1)
    assert refused.stderr.count("\n") == 1 and "blocked.json: blocked:" in refused.stderr
    assert "--fallback-author" in refused.stderr

    # 2. With a fallback author and a second owner, it applies and a second apply is a no-op.
    founder = tenant.founder()
    data = plan_json(tenant.dir / "blocked.json")
    second = next(
        p["email"]
        for p in data["review"]["people"]
        if p["status"] == "matched" and p["role"] == "member"
    )
    tenant.govern(
        "migrate", source, "-o", "migration.json", "--fallback-author", founder,
        "--owner", second, "--import-rps", "1000",
    )  # fmt: skip
    plan = plan_json(tenant.dir / "migration.json")
    assert not [c for c in plan["review"]["checks"] if c["blocking"]]
    applied = tenant.govern("apply", "migration.json", "--auto-approve")
    steps = len(plan["steps"])
    assert f"{steps} of {steps} steps done" in applied.stderr
    again = tenant.govern("apply", "migration.json", "--auto-approve")
    assert "already applied" in again.stderr
    status = tenant.govern("migrate", "status", "migration.json", "--format", "json")
    assert {row["state"] for row in __import__("json").loads(status.stdout)} == {"done"}

    # 3. Rediscovered: the team, its members and owners; unmatched people listed, not added.
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings

    from govern.discovery import run_discovery

    run_discovery(
        tenant.store, M365Connector(M365Settings(**tenant.sandbox.graph.settings)), full=True
    )
    name = plan["target"]["name"]
    team = next(c for c in q.communities(tenant.store, connector="m365") if c.name == name)
    assert team.kind == "team"
    grants = list(q.grants(tenant.store, community_id=team.id))
    people = {p.id: p for p in q.principals(tenant.store, connector="m365")}
    members = {people[g.principal_id].email for g in grants if g.role.value == "member"}
    owners = {people[g.principal_id].email for g in grants if g.role.value == "owner"}
    matched = {
        p["email"] for p in plan["review"]["people"] if p["status"] == "matched" and not p["guest"]
    }
    planned_owners = {
        p["email"] for p in plan["review"]["people"] if p["role"] == "owner" and p["target_id"]
    }
    assert members == matched and owners == planned_owners and second in owners
    unmatched = {p["email"] for p in plan["review"]["people"] if p["status"] == "unmatched"}
    assert unmatched and all(e.endswith("@gmail.com") for e in unmatched)
    assert not (unmatched & members)

    # 4. Every message, in order, with its original time and author; threads as replies.
    accounts = {str(p.email): p.id.split(":", 2)[2] for p in people.values() if p.email}
    emails = plan["options"]["emails"]
    fallback = accounts[founder]
    slack = slack_channels(tenant)
    if source == CHANNEL:
        slack = {"general": slack["watercooler"]}  # one channel moves into General
    teams = teams_channels(tenant, team.id.split(":", 2)[2])
    assert set(teams) == {"General"} | {n for n in slack if n != "general"}
    total = 0
    for name, rows in slack.items():
        times = unique_times(ts_ms(ts) for ts, _, _ in rows)
        expected = [
            (ms, accounts.get(emails.get(user, ""), fallback), parent is not None)
            for ms, (_, user, parent) in zip(times, rows, strict=True)
        ]
        got = teams["General" if name == "general" else name]
        assert [(ms, who, parent is not None) for ms, who, parent in got] == expected, name
        total += len(got)
    assert total == sum(step_count(plan, s) for s in plan["steps"])


def step_count(plan: dict[str, Any], step: dict[str, Any]) -> int:
    """Messages and replies an import step planned."""
    if step["kind"] != "import_messages":
        return 0
    return int(step["params"]["posts"]) + int(step["params"]["replies"])

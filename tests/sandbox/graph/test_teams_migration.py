"""Teams' import path in the sandbox: documented shapes (examples/teams-*.json) and rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from govern.sandbox import ids
from govern.sandbox.graph import GraphServer
from tests.sandbox.graph.conftest import example, same_shape


def _iso(server: GraphServer, days_ago: float) -> str:
    when = ids.to_datetime(server.state.org.now) - timedelta(days=days_ago)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _team(client: httpx.Client, server: GraphServer, name: str = "Imported") -> str:
    body = dict(example("teams-migration-create-team")["request"])
    body.update(displayName=name, createdDateTime=_iso(server, 30))
    r = client.post("/teams", json=body)
    assert r.status_code == 202, r.text
    assert {h.lower() for h in example("teams-migration-create-team")["headers"]} <= set(r.headers)
    return r.headers["Content-Location"].split("'")[1]


def _channel(client: httpx.Client, server: GraphServer, tid: str, name: str = "Imports") -> str:
    body = dict(example("teams-migration-create-channel")["request"])
    body.update(displayName=name, createdDateTime=_iso(server, 20))
    r = client.post(f"/teams/{tid}/channels", json=body)
    assert r.status_code == 201, r.text
    same_shape(example("teams-migration-create-channel")["response"], r.json())
    return str(r.json()["id"])


def _message(server: GraphServer, days_ago: float, **extra: Any) -> dict[str, Any]:
    body = dict(example("teams-migration-import-message")["request"])
    org = server.state.org
    person = next(p for p in org.people if p.alive and p.enabled)
    body["from"] = {"user": {"id": org.user_id(person.idx), "displayName": person.display_name}}
    body["createdDateTime"] = _iso(server, days_ago)
    body.update(extra)
    return body


def test_team_channel_and_message_have_the_documented_shapes(
    client: httpx.Client, server: GraphServer
) -> None:
    tid = _team(client, server)
    cid = _channel(client, server, tid)
    r = client.post(f"/teams/{tid}/channels/{cid}/messages", json=_message(server, 10))
    assert r.status_code == 201, r.text
    same_shape(example("teams-migration-import-message")["response"], r.json())
    mid = r.json()["id"]
    reply = client.post(
        f"/teams/{tid}/channels/{cid}/messages/{mid}/replies", json=_message(server, 9)
    )
    assert reply.status_code == 201 and reply.json()["replyToId"] == mid
    listed = client.get(f"/teams/{tid}/channels/{cid}/messages?$expand=replies").json()
    assert [m["id"] for m in listed["value"]] == [mid]
    assert [m["id"] for m in listed["value"][0]["replies"]] == [reply.json()["id"]]
    names = {c["displayName"] for c in client.get(f"/teams/{tid}/channels").json()["value"]}
    assert names == {"General", "Imports"}


def test_creation_rules(client: httpx.Client, server: GraphServer) -> None:
    future = dict(
        example("teams-migration-create-team")["request"], createdDateTime=_iso(server, -1)
    )
    r = client.post("/teams", json=future)
    assert r.status_code == 400 and "future" in r.json()["error"]["message"]
    no_mode = {"displayName": "X", "createdDateTime": _iso(server, 3)}
    assert client.post("/teams", json=no_mode).status_code == 400
    no_time = dict(example("teams-migration-create-team")["request"])
    del no_time["createdDateTime"]
    assert client.post("/teams", json=no_time).status_code == 400
    tid = _team(client, server)
    _channel(client, server, tid)
    again = dict(example("teams-migration-create-channel")["request"], displayName="imports")
    again["createdDateTime"] = _iso(server, 5)
    assert client.post(f"/teams/{tid}/channels", json=again).status_code == 409


def test_import_rules(client: httpx.Client, server: GraphServer) -> None:
    tid = _team(client, server)
    cid = _channel(client, server, tid)
    url = f"/teams/{tid}/channels/{cid}/messages"
    first = _message(server, 10)
    assert client.post(url, json=first).status_code == 201
    dup = client.post(url, json=first)
    assert dup.status_code == 409  # unique to the millisecond
    assert client.post(url, json=_message(server, 25)).status_code == 400  # before the channel
    assert client.post(url, json=_message(server, -1)).status_code == 400  # in the future
    stranger = _message(server, 8)
    stranger["from"] = {"user": {"id": "00000000-0000-0000-0000-000000000000"}}
    assert client.post(url, json=stranger).status_code == 400


def test_no_members_before_completion_and_no_import_after(
    client: httpx.Client, server: GraphServer
) -> None:
    tid = _team(client, server)
    cid = _channel(client, server, tid)
    org = server.state.org
    person = next(p for p in org.people if p.alive and p.enabled)
    uid = org.user_id(person.idx)
    bulk = dict(example("teams-members-add")["request"])
    bulk["values"] = [
        {**bulk["values"][0], "user@odata.bind": f"{server.url}/users('{uid}')"},
    ]
    assert client.post(f"/teams/{tid}/members/add", json=bulk).status_code == 400
    ref = {"@odata.id": f"{server.url}/directoryObjects/{uid}"}
    assert client.post(f"/groups/{tid}/members/$ref", json=ref).status_code == 400
    assert client.post(f"/teams/{tid}/channels/{cid}/completeMigration").status_code == 204
    assert client.post(f"/teams/{tid}/channels/{cid}/completeMigration").status_code == 400
    assert client.post(f"/teams/{tid}/completeMigration").status_code == 204
    assert client.post(f"/teams/{tid}/completeMigration").status_code == 400
    r = client.post(f"/teams/{tid}/channels/{cid}/messages", json=_message(server, 3))
    assert r.status_code == 403
    added = client.post(f"/teams/{tid}/members/add", json=bulk)
    assert added.status_code == 200, added.text
    same_shape(example("teams-members-add")["response"], added.json())
    members = client.get(f"/groups/{tid}/members").json()["value"]
    assert [m["id"] for m in members] == [uid]


def test_import_needs_teamwork_migrate_all(server: GraphServer) -> None:
    token = {"Authorization": "Bearer sandbox-scoped:Group.ReadWrite.All"}
    with httpx.Client(base_url=server.url, headers=token) as scoped:
        r = scoped.post("/teams", json=example("teams-migration-create-team")["request"])
    assert r.status_code == 403


def test_delete_consent(client: httpx.Client, server: GraphServer) -> None:
    grants = client.get("/oauth2PermissionGrants").json()["value"]
    grant = next(g for g in grants if g["consentType"] == "Principal")
    assert client.delete(f"/oauth2PermissionGrants/{grant['id']}").status_code == 204
    assert client.delete(f"/oauth2PermissionGrants/{grant['id']}").status_code == 404
    left = {g["id"] for g in client.get("/oauth2PermissionGrants").json()["value"]}
    assert grant["id"] not in left

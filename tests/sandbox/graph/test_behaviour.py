"""Graph's rules as the sandbox enforces them: paging, limits, auth, throttling, faults, clock."""

from __future__ import annotations

import time

import httpx
import pytest

from govern.sandbox.entities import GroupKind
from govern.sandbox.graph import GraphServer, GraphSettings, Limits
from govern.sandbox.http import Faults
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import Servers


def _all(client: httpx.Client, url: str, **params: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = client.get(url, params=params).json()
    items += page["value"]
    while "@odata.nextLink" in page:
        page = client.get(page["@odata.nextLink"]).json()
        items += page["value"]
    return items


def test_paging_returns_every_live_user_once(client: httpx.Client, server: GraphServer) -> None:
    users = _all(client, "/users", **{"$top": "7", "$select": "id"})
    live = {server.state.org.user_id(p.idx) for p in server.state.org.people if p.alive}
    assert len(users) == len(live) and {u["id"] for u in users} == live


def test_filters(client: httpx.Client, server: GraphServer) -> None:
    org = server.state.org
    unified = _all(client, "/groups", **{"$filter": "groupTypes/any(c:c eq 'Unified')"})
    expected = sum(1 for g in org.groups if g.alive is not None and g.deleted == -1
                   and g.kind != GroupKind.SECURITY)  # fmt: skip
    assert len(unified) == expected
    bad = client.get("/users", params={"$filter": "city eq 'Paris'"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "Request_UnsupportedQuery"


@pytest.mark.parametrize(("path", "top", "status"), [
    ("/users", "999", 200), ("/users", "1000", 400), ("/groups", "0", 400),
])  # fmt: skip
def test_top_limits(client: httpx.Client, path: str, top: str, status: int) -> None:
    assert client.get(path, params={"$top": top}).status_code == status


def test_default_page_size_is_100(client: httpx.Client) -> None:
    assert len(client.get("/users").json()["value"]) == 100


def test_count_needs_eventual_consistency(client: httpx.Client, server: GraphServer) -> None:
    plain = client.get("/groups", params={"$count": "true"}).json()
    assert "@odata.count" not in plain  # documented: silently ignored without the header
    counted = client.get("/groups/$count", headers={"ConsistencyLevel": "eventual"})
    assert int(counted.text) == sum(1 for g in server.state.org.groups if g.deleted == -1)


def test_every_request_needs_a_bearer_token(server: GraphServer) -> None:
    r = httpx.get(f"{server.url}/groups")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_scoped_token_only_holds_its_permissions(server: GraphServer) -> None:
    headers = {"Authorization": "Bearer sandbox-scoped:GroupMember.Read.All"}
    assert httpx.get(f"{server.url}/groups", headers=headers).status_code == 200
    denied = httpx.get(f"{server.url}/reports/getTeamsTeamActivityDetail(period='D7')",
                       headers=headers)  # fmt: skip
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "Authorization_RequestDenied"


def test_resource_unit_budget_throttles_with_retry_after() -> None:
    settings = GraphSettings(limits=Limits(resource_units=10))
    with GraphServer(organisation("tiny", 1), settings) as server:
        headers = {"Authorization": "Bearer budget"}
        statuses = [httpx.get(f"{server.url}/users", headers=headers).status_code
                    for _ in range(6)]  # fmt: skip
        # GET /users costs 2 resource units: five fit in 10, the sixth is throttled.
        assert statuses == [200] * 5 + [429]
        r = httpx.get(f"{server.url}/users", headers=headers)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        other_app = httpx.get(f"{server.url}/users", headers={"Authorization": "Bearer other"})
        assert other_app.status_code == 200  # the budget is per app


def test_batch_limits_and_inner_throttling() -> None:
    settings = GraphSettings(limits=Limits(resource_units=4))
    with GraphServer(organisation("tiny", 1), settings) as server:
        headers = {"Authorization": "Bearer batch"}
        too_many = {"requests": [{"id": str(i), "method": "GET", "url": "/groups"}
                                 for i in range(21)]}  # fmt: skip
        assert httpx.post(f"{server.url}/$batch", json=too_many, headers=headers).status_code == 400
        five = {"requests": [{"id": str(i), "method": "GET", "url": "/groups"} for i in range(5)]}
        r = httpx.post(f"{server.url}/$batch", json=five, headers=headers)
        assert r.status_code == 200
        statuses = [x["status"] for x in r.json()["responses"]]
        assert statuses == [200] * 4 + [429]
        assert int(r.json()["responses"][4]["headers"]["Retry-After"]) >= 1
        assert server.batch_log.total == 5  # inner requests are counted, throttled or not


def test_injected_faults_reach_batch_inner_requests() -> None:
    with GraphServer(organisation("tiny", 1), faults=Faults(throttle_rate=0.0)) as server:
        server.asgi.set(Faults(throttle_rate=0.5, seed=3))
        headers = {"Authorization": "Bearer t"}
        body = {"requests": [{"id": str(i), "method": "GET", "url": "/users"} for i in range(20)]}
        seen: set[int] = set()
        for _ in range(10):
            r = httpx.post(f"{server.url}/$batch", json=body, headers=headers)
            if r.status_code == 200:
                seen |= {x["status"] for x in r.json()["responses"]}
        assert seen == {200, 429}


def test_date_header_follows_the_simulated_clock(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    servers: Servers = sandbox_factory(size="tiny", seed=2, servers=("graph",))
    url = servers.graph.url
    headers = {"Authorization": "Bearer t"}
    before = httpx.get(f"{url}/users", headers=headers).headers["date"]
    servers.advance(3)
    after = httpx.get(f"{url}/users", headers=headers).headers["date"]
    from email.utils import parsedate_to_datetime

    assert (parsedate_to_datetime(after) - parsedate_to_datetime(before)).days == 3
    # The log counts a request once its answer is sent, a moment after the client has it.
    deadline = time.monotonic() + 2
    while servers.counts()["graph"].get("GET /v1.0/users") != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert servers.counts()["graph"]["GET /v1.0/users"] == 2


def test_delta_after_advance_reports_joins_and_leaves(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    servers: Servers = sandbox_factory(size="tiny", seed=2, servers=("graph",))
    url, headers = servers.graph.url, {"Authorization": "Bearer t"}
    with httpx.Client(headers=headers) as c:
        page = c.get(f"{url}/groups/delta", params={"$select": "displayName,members"}).json()
        while "@odata.nextLink" in page:
            page = c.get(page["@odata.nextLink"]).json()
        servers.advance(10)
        changed = _all(c, page["@odata.deltaLink"])
    refs = [r for g in changed for r in g.get("members@delta", [])]
    assert changed and any("@removed" not in r for r in refs)


@pytest.mark.parametrize("resource", ["groups", "users"])
def test_deltatoken_latest_reports_only_later_changes(
    client: httpx.Client, server: GraphServer, resource: str
) -> None:
    select = "displayName,members,owners" if resource == "groups" else "displayName"
    latest = client.get(f"/{resource}/delta", params={"$deltatoken": "latest", "$select": select})
    assert latest.status_code == 200 and latest.json()["value"] == []
    org = server.state.org
    quiet = client.get(latest.json()["@odata.deltaLink"]).json()
    assert quiet["value"] == [] and "@odata.deltaLink" in quiet
    if resource == "groups":
        g = next(g for g in org.groups if g.kind == GroupKind.TEAM and g.deleted == -1)
        joining = next(p.idx for p in org.people if p.alive and p.idx not in g.members)
        org.add_member(g.idx, joining)
        changed = client.get(latest.json()["@odata.deltaLink"]).json()["value"]
        assert [c["id"] for c in changed] == [org.group_id(g.idx)]
        assert changed[0]["members@delta"] == [
            {"@odata.type": "#microsoft.graph.user", "id": org.user_id(joining)}
        ]
        assert "displayName" in changed[0]
    bad = client.get(f"/{resource}/delta", params={"$deltatoken": "latest", "$select": "nope"})
    assert bad.status_code == 400


def test_expand_owners_and_members_within_documented_limits(
    client: httpx.Client, server: GraphServer
) -> None:
    org = server.state.org
    big = max((g for g in org.groups if g.deleted == -1), key=lambda g: len(g.members))
    assert len(big.members) > 20
    gid = org.group_id(big.idx)
    got = client.get(f"/groups/{gid}", params={"$expand": "members($select=id,userType)"}).json()
    # At most 20 expanded objects and no nextLink for them (query-parameters.md, known issues).
    assert [m["id"] for m in got["members"]] == [org.user_id(p) for p in big.members.ids[:20]]
    assert set(got["members"][0]) == {"@odata.type", "id", "userType"}
    assert not any("nextLink" in k for k in got)
    page = client.get(
        "/groups", params={"$select": "id", "$expand": "owners($select=id)", "$top": "999"}
    ).json()
    for g in page["value"]:
        owners = org.groups[org.group_index(g["id"])].owners.ids  # type: ignore[index]
        assert [o["id"] for o in g["owners"]] == [org.user_id(p) for p in owners[:20]]
    plain = client.get("/groups", params={"$select": "id", "$top": "5"}).json()["value"]
    assert all("owners" not in g for g in plain)
    two = client.get("/groups", params={"$expand": "owners,members"})
    unknown = client.get(f"/groups/{gid}", params={"$expand": "drive"})
    assert two.status_code == 400 and unknown.status_code == 400


def test_concealed_names_hide_names_but_not_ids(client: httpx.Client, server: GraphServer) -> None:
    def rows() -> list[str]:
        r = client.get("/reports/getTeamsTeamActivityDetail(period='D30')", follow_redirects=True)
        return r.content.decode("utf-8-sig").splitlines()[1:]

    org = server.state.org
    team = next(g for g in org.groups if g.kind == GroupKind.TEAM and g.deleted == -1)
    hidden = next(r for r in rows() if org.group_id(team.idx) in r)
    assert team.name not in hidden
    client.patch("/admin/reportSettings", json={"displayConcealedNames": False})
    shown = next(r for r in rows() if org.group_id(team.idx) in r)
    assert team.name in shown

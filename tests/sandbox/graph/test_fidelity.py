"""Every endpoint's answer has the shape of the documented example (examples/*.json)."""

from __future__ import annotations

import csv
import io

import httpx

from govern.sandbox.entities import GroupKind
from govern.sandbox.graph import GraphServer
from tests.sandbox.graph.conftest import example, same_shape


def _team(server: GraphServer) -> str:
    org = server.state.org
    g = next(g for g in org.groups if g.kind == GroupKind.TEAM and len(g.apps) and len(g.owners))
    return org.group_id(g.idx)


def test_users_list(client: httpx.Client) -> None:
    got = client.get("/users", params={"$top": "5"}).json()
    same_shape(example("user-list")["response"], got)
    assert "@odata.nextLink" in got


def test_users_count_with_eventual(client: httpx.Client) -> None:
    got = client.get(
        "/users",
        params={
            "$filter": "userType eq 'Member'",
            "$count": "true",
            "$select": "displayName,givenName,jobTitle,mail,userPrincipalName,id",
        },
        headers={"ConsistencyLevel": "eventual"},
    ).json()
    same_shape(example("user-list-count")["response"], got)


def test_count_error_without_eventual(client: httpx.Client) -> None:
    r = client.get("/users/$count")
    assert r.status_code == 400
    same_shape(example("count-error")["response"], r.json())
    assert r.json()["error"]["message"] == "$count is not currently supported."


def test_group_get(client: httpx.Client, server: GraphServer) -> None:
    got = client.get(f"/groups/{_team(server)}").json()
    same_shape(example("group-get")["response"], got)


def test_members(client: httpx.Client, server: GraphServer) -> None:
    got = client.get(f"/groups/{_team(server)}/members").json()
    same_shape(example("group-list-members")["response"], got)
    assert got["value"][0]["@odata.type"] == "#microsoft.graph.user"


def test_groups_delta_initial_and_changes(client: httpx.Client, server: GraphServer) -> None:
    server.state.settings.delta_page_objects = 5
    first = client.get("/groups/delta", params={"$select": "displayName,description,members"})
    page = first.json()
    same_shape(
        example("group-delta-initial")["response"],
        {**page, "value": [g for g in page["value"] if "members@delta" in g]},
    )
    while "@odata.nextLink" in page:
        page = client.get(page["@odata.nextLink"]).json()
    org = server.state.org
    gi = org.group_index(_team(server))
    assert gi is not None
    leaving = org.groups[gi].members.ids[-1]
    joining = next(p.idx for p in org.people if p.alive and p.idx not in org.groups[gi].members)
    org.remove_member(gi, leaving)
    org.add_member(gi, joining)
    changes = client.get(page["@odata.deltaLink"]).json()
    same_shape(example("group-delta-changes")["response"], changes)
    refs = changes["value"][0]["members@delta"]
    assert {r["id"] for r in refs if "@removed" in r} == {org.user_id(leaving)}
    assert {r["id"] for r in refs if "@removed" not in r} == {org.user_id(joining)}


def test_users_delta(client: httpx.Client, server: GraphServer) -> None:
    server.state.settings.delta_page_objects = 50
    got = client.get("/users/delta").json()
    same_shape(example("user-delta")["response"], got)


def test_batch(server: GraphServer) -> None:
    body = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/groups/{_team(server)}/members?$top=1"},
            {"id": "3", "method": "GET", "url": "/oauth2PermissionGrants"},
        ]
    }
    headers = {"Authorization": "Bearer sandbox-scoped:GroupMember.Read.All"}
    got = httpx.post(f"{server.url}/$batch", json=body, headers=headers).json()
    same_shape(example("json-batching")["response"], got)
    assert [r["status"] for r in got["responses"]] == [200, 403]


def test_reports_csv_headers_and_redirect(client: httpx.Client) -> None:
    doc = example("reports")
    for report, header in doc["headers"].items():
        r = client.get(f"/reports/{report}(period='D30')")
        assert r.status_code == doc["redirect"]["status"]
        assert r.headers["content-type"].startswith("text/plain")
        download = httpx.get(r.headers["location"])  # pre-authenticated: no Authorization
        assert download.status_code == 200
        assert download.content.startswith(b"\xef\xbb\xbf")
        text = download.content[3:].decode()
        assert text.splitlines()[0] == header
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)


def test_communities(client: httpx.Client) -> None:
    got = client.get("/employeeExperience/communities", params={"$top": "2"}).json()
    same_shape(example("communities")["response"], got)


def test_community_by_id(client: httpx.Client) -> None:
    listed = client.get("/employeeExperience/communities", params={"$top": "2"}).json()["value"]
    got = client.get(f"/employeeExperience/communities/{listed[0]['id']}").json()
    same_shape(example("community-get")["response"], got)
    assert got["groupId"] == listed[0]["groupId"]
    some = client.get(
        f"/employeeExperience/communities/{listed[1]['id']}", params={"$select": "id,privacy"}
    ).json()
    assert {k for k in some if not k.startswith("@")} == {"id", "privacy"}
    assert client.get("/employeeExperience/communities/eyJub3QiOiJvbmUifQ").status_code == 404


def test_grants_and_service_principals(client: httpx.Client) -> None:
    same_shape(
        example("oauth2permissiongrant-list")["response"],
        client.get("/oauth2PermissionGrants").json(),
    )
    same_shape(
        example("serviceprincipal-list")["response"], client.get("/servicePrincipals").json()
    )


def test_installed_apps(client: httpx.Client, server: GraphServer) -> None:
    team = _team(server)
    got = client.get(f"/teams/{team}/installedApps", params={"$expand": "teamsAppDefinition"})
    same_shape(example("team-list-installedapps")["response"], got.json())
    both = client.get(
        f"/teams/{team}/installedApps", params={"$expand": "teamsApp,teamsAppDefinition"}
    )
    same_shape(example("team-list-installedapps-teamsapp")["response"], both.json())


def test_group_site(client: httpx.Client, server: GraphServer) -> None:
    got = client.get(f"/groups/{_team(server)}/sites/root").json()
    same_shape(example("site-get")["response"], got)


def test_site_get_by_id(client: httpx.Client, server: GraphServer) -> None:
    org = server.state.org
    standalone = next(s for s in org.sites if s.group < 0 and s.deleted == -1)
    site_id = org.site_id(standalone.idx)
    got = client.get(f"/sites/{site_id}")
    assert got.status_code == 200, got.text
    same_shape(example("site-get")["response"], got.json())
    assert got.json()["id"] == site_id and got.json()["webUrl"] == standalone.url
    # The usage report names a site by its site-collection GUID; that id reads it too.
    by_guid = client.get(f"/sites/{site_id.split(',')[1]}", params={"$select": "webUrl"})
    assert by_guid.json()["webUrl"] == standalone.url and "displayName" not in by_guid.json()
    missing = client.get(
        f"/sites/{org.tenant}.sharepoint.com,{'0' * 8}-0000-0000-0000-{'0' * 12},x"
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"


def test_group_with_expanded_owners(client: httpx.Client, server: GraphServer) -> None:
    gid = _team(server)
    got = client.get(f"/groups/{gid}", params={"$expand": "owners"}).json()
    same_shape(example("group-get")["response"], got)
    # Expanded owners are directory objects, as a members or owners listing shows them.
    same_shape(example("group-list-members")["response"]["value"], got["owners"])
    assert got["owners"][0]["@odata.type"] == "#microsoft.graph.user"


def test_users_delta_latest(client: httpx.Client) -> None:
    # Documented "sync from now": a deltaLink and no resource data (delta-query-overview.md).
    got = client.get("/users/delta", params={"$deltaToken": "latest"}).json()
    doc = {k: v for k, v in example("user-delta")["response"].items() if k != "@odata.nextLink"}
    same_shape(doc, got)
    assert got["value"] == [] and "@odata.deltaLink" in got and "@odata.nextLink" not in got


def test_team_archive(client: httpx.Client, server: GraphServer) -> None:
    doc = example("team-archive")
    r = client.post(f"/teams/{_team(server)}/archive")
    assert r.status_code == doc["status"]
    assert set(doc["headers"]) <= {k.title() for k in r.headers}
    op = client.get(r.headers["location"])
    assert op.json()["status"] == "succeeded"


def test_a_security_group_found_by_display_name(client: httpx.Client, server: GraphServer) -> None:
    # How discovery finds a directory group the policies name (e.g. the steward pool).
    org = server.state.org
    it = org.groups[org.directory.it_group]
    got = client.get(
        "/groups",
        params={"$filter": f"displayName eq '{it.name}'", "$select": "id,displayName,mail"},
    ).json()
    same_shape(example("group-list-filter-select")["response"], got)
    assert [g["id"] for g in got["value"]] == [org.group_id(it.idx)]
    assert got["@odata.context"].endswith("$metadata#groups(id,displayName,mail)")
    members = client.get(f"/groups/{org.group_id(it.idx)}/members").json()
    same_shape(example("group-list-members")["response"], members)
    assert len(members["value"]) == min(len(it.members), 100)


def test_reports_by_date(client: httpx.Client, server: GraphServer) -> None:
    """``date=``: one day's activity, in the documented columns, within the past 28 days."""
    from datetime import timedelta

    from govern.sandbox import ids

    doc, headers = example("reports-date"), example("reports")["headers"]
    org = server.state.org
    refresh = ids.to_datetime((org.today - 1) * ids.DAY).date()
    for report, header in headers.items():
        # The quoted form of the Viva Engage page's example is refused by the service.
        r = client.get(f"/reports/{report}(date='{refresh.isoformat()}')")
        assert r.status_code == doc["quoted_refused"]["status"]
        assert r.json()["error"]["message"].startswith(doc["quoted_refused"]["message"].strip())
        form = refresh.isoformat()  # the SDK's form
        r = client.get(f"/reports/{report}(date={form})")
        assert r.status_code == doc["redirect"]["status"], (report, r.text)
        assert r.headers["content-type"].startswith("text/plain")
        text = httpx.get(r.headers["location"]).content[3:].decode()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert text.splitlines()[0] == header
        assert rows and {row["Report Period"] for row in rows} == {"1"}
        assert {row["Report Refresh Date"] for row in rows} == {refresh.isoformat()}
        # Scoped to activity on that day: every row was active then.
        assert {row["Last Activity Date"] for row in rows} == {refresh.isoformat()}
        # Today is not refreshed yet: the header, no rows.
        r = client.get(f"/reports/{report}(date={(refresh + timedelta(days=1)).isoformat()})")
        text = httpx.get(r.headers["location"]).content[3:].decode()
        assert r.status_code == 302 and text.splitlines() == [header]
        # Past the window: the service's own 400.
        old = (refresh - timedelta(days=28)).isoformat()
        r = client.get(f"/reports/{report}(date={old})")
        assert r.status_code == doc["too_old"]["status"]
        same_shape(doc["too_old"]["response"], r.json())
        assert r.json()["error"]["code"] == "InvalidArgument"
        assert r.json()["error"]["message"] == (
            f"Invalid date value specified: {old}. Only support data for the past 28 days."
        )
    assert client.get("/reports/getTeamsTeamActivityDetail(date=2025-02-30)").status_code == 400

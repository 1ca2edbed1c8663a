"""Each endpoint driven through the real msgraph-sdk over HTTP (adapter set up as notes say)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from azure.core.credentials import AccessToken

from govern.sandbox.entities import GroupKind
from govern.sandbox.graph import GraphServer

T = TypeVar("T")


class _Credential:
    """A duck-typed azure credential: the sandbox takes any bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


def _client(url: str, token: str = "sdk-token") -> Any:
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory

    auth = AzureIdentityAuthenticationProvider(
        _Credential(token),
        scopes=["https://graph.microsoft.com/.default"],
        allowed_hosts=["127.0.0.1"],
    )
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient())
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = url.rstrip("/")
    return GraphServiceClient(request_adapter=adapter)


def run(make: Callable[[Any], Awaitable[T]], url: str, token: str = "sdk-token") -> T:
    async def go() -> T:
        return await make(_client(url, token))

    return asyncio.run(go())


def _team(server: GraphServer) -> tuple[int, str]:
    org = server.state.org
    g = next(g for g in org.groups if g.kind == GroupKind.TEAM and len(g.apps) and len(g.owners))
    return g.idx, org.group_id(g.idx)


def test_users_and_groups_with_query_options(server: GraphServer) -> None:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder

    async def go(c: Any) -> tuple[Any, Any, Any]:
        users_q = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "displayName", "userType"],
            top=10,
            filter="userType eq 'Guest'",
            count=True,
        )
        cfg = RequestConfiguration(query_parameters=users_q)
        cfg.headers.add("ConsistencyLevel", "eventual")
        guests = await c.users.get(request_configuration=cfg)
        teams_q = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter="resourceProvisioningOptions/Any(x:x eq 'Team')",
            top=5,
            select=["id", "displayName", "resourceProvisioningOptions", "creationOptions"],
        )
        teams = await c.groups.get(RequestConfiguration(query_parameters=teams_q))
        more = await c.groups.with_url(teams.odata_next_link).get()
        return guests, teams, more

    guests, teams, more = run(go, server.url)
    org = server.state.org
    assert guests.odata_count == sum(1 for p in org.people if p.guest and p.alive)
    assert all(u.user_type == "Guest" for u in guests.value)
    assert len(teams.value) == 5 and teams.odata_next_link.startswith("http://127.0.0.1")
    assert all(g.resource_provisioning_options == ["Team"] for g in teams.value + more.value)
    assert teams.value[0].additional_data["creationOptions"][0] == "Team"
    assert not {g.id for g in teams.value} & {g.id for g in more.value}


def test_members_owners_and_casts(server: GraphServer) -> None:
    gi, gid = _team(server)

    async def go(c: Any) -> tuple[Any, Any, Any, Any]:
        group = c.groups.by_group_id(gid)
        return (
            await group.get(),
            await group.members.get(),
            await group.members.graph_user.get(),
            await group.owners.get(),
        )

    group, members, users, owners = run(go, server.url)
    g = server.state.org.groups[gi]
    assert group.display_name == g.name
    assert len(members.value) == min(len(g.members), 100)
    assert [u.id for u in users.value] == [m.id for m in members.value]
    assert {o.id for o in owners.value} == {server.state.org.user_id(p) for p in g.owners.ids}


def test_delta_rounds_through_the_sdk(server: GraphServer) -> None:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.delta.delta_request_builder import DeltaRequestBuilder

    server.state.settings.delta_page_objects = 7
    gi, gid = _team(server)
    org = server.state.org

    async def full(c: Any) -> tuple[dict[str, set[str]], str]:
        params = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            select=["displayName", "members", "owners"]
        )
        page = await c.groups.delta.get(RequestConfiguration(query_parameters=params))
        seen: dict[str, set[str]] = {}
        while True:
            for g in page.value:
                refs = g.additional_data.get("members@delta", [])
                seen.setdefault(g.id, set()).update(str(r["id"]) for r in refs)
            if not page.odata_next_link:
                return seen, page.odata_delta_link
            page = await c.groups.delta.with_url(page.odata_next_link).get()

    seen, delta_link = run(full, server.url)
    assert seen[gid] == {org.user_id(p) for p in org.groups[gi].members.ids}
    newcomer = next(p.idx for p in org.people if p.alive and p.idx not in org.groups[gi].members)
    org.add_member(gi, newcomer)

    async def incremental(c: Any) -> Any:
        return await c.groups.delta.with_url(delta_link).get()

    page = run(incremental, server.url)
    assert [g.id for g in page.value] == [gid]
    assert [str(r["id"]) for r in page.value[0].additional_data["members@delta"]] == [
        org.user_id(newcomer)
    ]


def test_users_delta(server: GraphServer) -> None:
    async def go(c: Any) -> Any:
        return await c.users.delta.get()

    page = run(go, server.url)
    assert page.value and (page.odata_next_link or page.odata_delta_link)


def test_writes_through_the_sdk(server: GraphServer) -> None:
    from msgraph.generated.models.group import Group
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.reference_create import ReferenceCreate
    from msgraph.generated.teams.item.archive.archive_post_request_body import (
        ArchivePostRequestBody,
    )

    gi, gid = _team(server)
    org = server.state.org
    g = org.groups[gi]
    newcomer = next(p.idx for p in org.people if p.alive and not p.guest and p.idx not in g.members)
    uid = org.user_id(newcomer)
    ref = ReferenceCreate(odata_id=f"{server.url}/directoryObjects/{uid}")

    async def go(c: Any) -> list[str]:
        group = c.groups.by_group_id(gid)
        errors = []
        await group.members.ref.post(ref)
        try:
            await group.members.ref.post(ref)
        except ODataError as e:
            errors.append(e.error.message)
        await group.members.by_directory_object_id(uid).ref.delete()
        while len(g.owners) > 1:
            await group.owners.by_directory_object_id(org.user_id(g.owners.ids[-1])).ref.delete()
        try:
            await group.owners.by_directory_object_id(org.user_id(g.owners.ids[0])).ref.delete()
        except ODataError as e:
            errors.append(e.error.message)
        await group.patch(Group(visibility="Private"))
        await c.teams.by_team_id(gid).archive.post(ArchivePostRequestBody())
        return errors

    errors = run(go, server.url)
    assert errors == [
        "One or more added object references already exist for the following modified "
        "properties: 'members'.",
        "The group must have at least one owner, hence this owner cannot be removed.",
    ]
    assert newcomer not in g.members and len(g.owners) == 1
    assert str(g.visibility) == "Private" and g.archived


def test_reports_through_the_redirect(server: GraphServer) -> None:
    async def go(c: Any) -> list[bytes]:
        r = c.reports
        return [
            await r.get_teams_team_activity_detail_with_period("D30").get(),
            await r.get_office365_groups_activity_detail_with_period("D7").get(),
            await r.get_yammer_groups_activity_detail_with_period("D90").get(),
            await r.get_share_point_site_usage_detail_with_period("D180").get(),
        ]

    for csv_bytes in run(go, server.url):
        assert csv_bytes.startswith(b"\xef\xbb\xbfReport Refresh Date,")


def test_apps_sites_communities(server: GraphServer) -> None:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.teams.item.installed_apps.installed_apps_request_builder import (
        InstalledAppsRequestBuilder,
    )

    gi, gid = _team(server)

    async def go(c: Any) -> tuple[Any, ...]:
        q = InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetQueryParameters(
            expand=["teamsAppDefinition", "teamsApp"]
        )
        apps = await c.teams.by_team_id(gid).installed_apps.get(
            RequestConfiguration(query_parameters=q)
        )
        site = await c.groups.by_group_id(gid).sites.by_site_id("root").get()
        by_id = await c.sites.by_site_id(site.id).get()
        return (
            apps,
            (site, by_id),
            await c.employee_experience.communities.get(),
            await c.oauth2_permission_grants.get(),
            await c.service_principals.get(),
        )

    apps, (site, by_id), communities, grants, sps = run(go, server.url)
    org = server.state.org
    assert {a.teams_app.distribution_method.value for a in apps.value} <= {
        "store",
        "organization",
        "sideloaded",
    }
    assert len(apps.value) == len(org.groups[gi].apps)
    assert site.web_url == org.sites[org.groups[gi].site].url
    assert (by_id.id, by_id.web_url, by_id.display_name) == (
        site.id,
        site.web_url,
        site.display_name,
    )
    assert communities.value and all(c.group_id for c in communities.value)
    assert grants.value[0].consent_type in ("Principal", "AllPrincipals")
    assert sps.value[0].app_id


def test_batch_through_send_primitive(server: GraphServer) -> None:
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    _, gid = _team(server)

    async def go(c: Any) -> Any:
        batch = BatchRequestContent()
        for i, info in enumerate(
            [
                c.groups.by_group_id(gid).members.to_get_request_information(),
                c.groups.by_group_id(gid).owners.to_get_request_information(),
            ]
        ):
            item = BatchRequestItem(request_information=info)
            item.id = str(i + 1)
            batch.add_request(item.id, item)
        ri = await c.batch.to_post_request_information(batch)
        return json.loads(await c.request_adapter.send_primitive_async(ri, "bytes", {}))

    answer = run(go, server.url)
    assert sorted(r["status"] for r in answer["responses"]) == [200, 200]


def test_scoped_token_gets_authorization_denied(server: GraphServer) -> None:
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    async def go(c: Any) -> Any:
        await c.users.get()
        return await c.oauth2_permission_grants.get()

    with pytest.raises(ODataError) as caught:
        run(go, server.url, token="sandbox-scoped:User.Read.All")
    assert caught.value.response_status_code == 403
    assert caught.value.error.code == "Authorization_RequestDenied"

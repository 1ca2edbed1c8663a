"""The directory audit log: documented shape, membership events, filters, paging, retention,
throttling, and the same answers read through msgraph-sdk."""

from __future__ import annotations

import json
from typing import Any

import httpx

from govern.sandbox import ids
from govern.sandbox.entities import ADDED_BY_SELF, GroupKind
from govern.sandbox.graph import GraphServer, GraphSettings, Limits
from govern.sandbox.pytest_plugin import organisation
from tests.sandbox.graph.conftest import example, same_shape
from tests.sandbox.graph.test_sdk import run

ADDS = (
    "(activityDisplayName eq 'Add member to group' or activityDisplayName eq 'Add owner to group')"
)


def _group_of(event: dict[str, Any]) -> str:
    prop = event["targetResources"][0]["modifiedProperties"][0]
    assert prop["displayName"] == "Group.ObjectID"
    return str(json.loads(prop["newValue"] or prop["oldValue"]))


def _changes(server: GraphServer) -> tuple[int, int, int, int]:
    """A member added by a colleague, one who joined by themselves, one removed."""
    org = server.state.org
    g = next(g for g in org.groups if g.kind == GroupKind.TEAM and len(g.owners) and g.alive)
    outside = [p.idx for p in org.people if p.alive and not p.guest and p.idx not in g.members]
    owner = g.owners.ids[0]
    org.add_member(g.idx, outside[0], owner)
    org.add_member(g.idx, outside[1], ADDED_BY_SELF)
    org.remove_member(g.idx, outside[0])
    return g.idx, owner, outside[0], outside[1]


def test_shape_of_the_documented_example(client: httpx.Client) -> None:
    got = client.get("/auditLogs/directoryAudits", params={"$top": "3"}).json()
    assert got["value"], "generation history within retention is served"
    same_shape(example("directoryaudit-list")["response"], got)
    same_shape(example("directoryaudit-list")["membership_event"], got)
    assert "@odata.nextLink" in got


def test_membership_events_name_group_member_and_initiator(
    client: httpx.Client, server: GraphServer
) -> None:
    org = server.state.org
    gi, owner, added, joined = _changes(server)
    since = ids.iso(org.now - 60)
    got = client.get(
        "/auditLogs/directoryaudits",
        params={"$filter": f"activityDateTime ge {since}", "$orderby": "activityDateTime asc"},
    ).json()["value"]
    # Generation may have added someone elsewhere in the same last minute: keep this group's.
    ours = {org.user_id(added), org.user_id(joined)}
    got = [e for e in got if _group_of(e) == org.group_id(gi)]
    got = [e for e in got if e["targetResources"][0]["id"] in ours]
    names = [e["activityDisplayName"] for e in got]
    assert names == ["Add member to group", "Add member to group", "Remove member from group"]
    assert {_group_of(e) for e in got} == {org.group_id(gi)}
    first, second, removed = got
    assert first["targetResources"][0]["id"] == org.user_id(added)
    assert first["initiatedBy"] == {
        "app": None,
        "user": {**first["initiatedBy"]["user"], "id": org.user_id(owner)},
    }
    # A person who added themselves is the initiator of their own add.
    assert second["initiatedBy"]["user"]["id"] == org.user_id(joined)
    assert removed["targetResources"][0]["modifiedProperties"][0]["newValue"] is None


def test_filter_forms_paging_and_refusals(client: httpx.Client, server: GraphServer) -> None:
    org = server.state.org
    since = ids.iso(org.now - 30 * ids.DAY + 1)
    params = {"$filter": f"activityDateTime ge {since} and {ADDS}", "$top": "7"}
    page = client.get("/auditLogs/directoryAudits", params=params).json()
    seen: list[str] = []
    while True:
        seen += [e["id"] for e in page["value"]]
        assert all(e["activityDisplayName"].startswith("Add ") for e in page["value"])
        if "@odata.nextLink" not in page:
            break
        page = client.get(page["@odata.nextLink"]).json()
    assert len(seen) == len(set(seen)) > 7
    times = [e["activityDateTime"] for e in client.get(
        "/auditLogs/directoryAudits", params={"$filter": params["$filter"]}
    ).json()["value"]]  # fmt: skip
    assert times == sorted(times, reverse=True), "newest first by default"
    bad = client.get("/auditLogs/directoryAudits", params={"$filter": "result ne 'success'"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert client.get("/auditLogs/directoryAudits", params={"$top": "1001"}).status_code == 400


def test_retention_setting_cuts_old_events() -> None:
    limits = Limits(resource_units=None, writes=None, reports=None, team_rps=None, audit=None)
    org = organisation("tiny", 1)
    for days in (30, 7):
        settings = GraphSettings(limits=limits, audit_retention_days=days)
        with (
            GraphServer(org, settings) as server,
            httpx.Client(base_url=server.url, headers={"Authorization": "Bearer t"}) as c,
        ):
            params = {"$orderby": "activityDateTime asc", "$top": "1"}
            oldest = c.get("/auditLogs/directoryAudits", params=params).json()["value"][0]
            cutoff = ids.iso(org.now + 1 - days * ids.DAY)
            assert oldest["activityDateTime"] >= cutoff
            assert oldest["activityDateTime"] < ids.iso(org.now + 1 - (days - 2) * ids.DAY)


def test_throttled_at_five_requests_per_ten_seconds() -> None:
    limits = Limits(resource_units=None, writes=None, reports=None, team_rps=None)
    with (
        GraphServer(organisation("tiny", 1), GraphSettings(limits=limits)) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": "Bearer t"}) as c,
    ):
        codes = [c.get("/auditLogs/directoryAudits", params={"$top": "1"}) for _ in range(6)]
        assert [r.status_code for r in codes] == [200] * 5 + [429]
        assert int(codes[-1].headers["Retry-After"]) >= 1


def test_forbidden_without_auditlog_read_all(server: GraphServer) -> None:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": "Bearer sandbox-scoped:User.Read.All"}
    ) as c:
        r = c.get("/auditLogs/directoryAudits")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "Authorization_RequestDenied"


def test_read_through_msgraph_sdk(server: GraphServer) -> None:
    from msgraph.generated.audit_logs.directory_audits.directory_audits_request_builder import (
        DirectoryAuditsRequestBuilder,
    )

    org = server.state.org
    gi, owner, added, joined = _changes(server)
    ours = {org.user_id(added), org.user_id(joined)}
    since = ids.iso(org.now - 60)

    async def read(client: Any) -> Any:
        query = DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(
            filter=f"activityDateTime ge {since} and {ADDS}"
        )
        config = DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetRequestConfiguration(
            query_parameters=query
        )
        return await client.audit_logs.directory_audits.get(request_configuration=config)

    page = run(read, server.url)
    events = [e for e in page.value if e.target_resources[0].id in ours]
    assert [e.activity_display_name for e in events] == ["Add member to group"] * 2
    first = next(e for e in events if e.target_resources[0].id == org.user_id(added))
    assert first.initiated_by.user.id == org.user_id(owner)
    assert first.initiated_by.app is None
    member, group = first.target_resources
    assert (member.type, member.id) == ("User", org.user_id(added))
    assert (group.type, group.id) == ("Group", org.group_id(gi))
    prop = member.modified_properties[0]
    assert (prop.display_name, json.loads(prop.new_value)) == ("Group.ObjectID", org.group_id(gi))
    assert first.activity_date_time.tzinfo is not None

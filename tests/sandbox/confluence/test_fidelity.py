"""Every endpoint, driven through atlassian-python-api, answers in the documented shape."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from atlassian import Confluence, ConfluenceV2

from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.org import Organisation
from tests.sandbox.confluence.conftest import ADMIN
from tests.sandbox.confluence.shape import example, missing


def dc_client(sandbox: ConfluenceSandbox) -> Any:
    return Confluence(url=sandbox.url, token=ADMIN)


def cloud_client(sandbox: ConfluenceSandbox) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ConfluenceV2(url=sandbox.url, username="admin", password=ADMIN)


def test_shape_checker_catches_a_missing_key() -> None:
    assert missing({"a": {"b": 1}}, {"a": {"b": 0, "c": 0}}) == ["$.a.c"]
    assert missing([{"x": 1}], [{"x": 0}]) == []


def test_dc_spaces_page_by_page_without_the_cloud_expansion(
    dc: ConfluenceSandbox, org: Organisation
) -> None:
    c = dc_client(dc)
    seen, start = [], 0
    while True:
        page = c.get_all_spaces(start=start, limit=7, expand="permissions,history")
        seen += page["results"]
        if "next" not in page["_links"]:
            break
        start += len(page["results"])
    assert len(seen) == sum(1 for s in org.spaces if s.deleted == -1)
    # Data Center does not serve Cloud's permissions expansion: the key is absent, not empty.
    assert all("permissions" not in s for s in seen)
    assert "history" in seen[0] and seen[0]["history"]["createdBy"]["username"]


def test_cloud_v1_permission_expansion_shape(cloud: ConfluenceSandbox, org: Organisation) -> None:
    c = cloud_client(cloud)
    space = c.get(f"rest/api/space/{org.spaces[0].key}", params={"expand": "permissions"})
    assert missing(space["permissions"][0], example("v1_space_permission_expansion")) == []


def test_dc_space_and_its_permissions(dc: ConfluenceSandbox, org: Organisation) -> None:
    c = dc_client(dc)
    key = org.spaces[0].key
    assert "permissions" not in c.get_space(key, expand="permissions")
    rows = c.get_all_space_permissions(key)
    groups = [r for r in rows if r["subject"]["type"] == "group"]
    assert missing(groups, example("dc_space_permissions")) == []
    anonymous = c.get_permissions_granted_to_anonymous_for_space(key)
    assert len(rows) + len(anonymous) == len(org.spaces[0].perms)
    documented = {tuple(p) for p in example("dc_space_permission_operations")["pairs"]}
    served = {(r["operation"]["targetType"], r["operation"]["operationKey"]) for r in rows}
    assert served <= documented


def test_dc_groups_members_users(dc: ConfluenceSandbox, org: Organisation) -> None:
    c = dc_client(dc)
    page = c.get("rest/api/group", params={"limit": 5})
    assert missing(page, example("dc_groups")) == []
    groups = c.get_all_groups()
    assert {g["name"] for g in groups} == {g.name for g in org.confluence_groups}
    everyone = org.confluence_groups[org.directory.confluence_users]
    members = c.get_all_members("confluence-users")
    assert len(members) == len(everyone.members)
    user = c.get_user_details_by_username(members[0]["username"], expand="status")
    assert user["status"] == "Active" and user["userKey"] == members[0]["userKey"]


def test_dc_cql_search_and_content_search(dc: ConfluenceSandbox, org: Organisation) -> None:
    c = dc_client(dc)
    key = org.spaces[0].key
    res = c.cql(f'space = "{key}" and type in (page, blogpost) order by lastmodified desc', limit=1)
    assert missing(res, example("dc_search")) == []
    assert res["totalSize"] == org.spaces[0].pages + org.spaces[0].blogposts
    recent = c.get(
        "rest/api/content/search",
        params={"cql": 'type = page and lastmodified >= now("-90d")', "expand": "space,version"},
    )
    for item in recent["results"]:
        assert item["type"] == "page" and item["space"]["key"] and item["version"]["by"]["username"]


def test_dc_json_rpc_permission_calls(dc: ConfluenceSandbox, org: Organisation) -> None:
    c = dc_client(dc)
    space = org.spaces[0]
    sets = c.post(
        "rpc/json-rpc/confluenceservice-v2",
        data={"jsonrpc": "2.0", "method": "getSpacePermissionSets", "params": [space.key], "id": 1},
    )["result"]
    assert missing(sets, example("rpc_space_permission_sets")) == []
    group = org.confluence_groups[org.directory.department_groups[0]].name
    assert c.add_space_permission_json_rpc(space.key, group, "VIEWSPACE") is True
    assert any(p.permission == "VIEWSPACE" for p in space.permissions() if p.subject_type == 1)
    assert c.remove_space_permission(space.key, group, "VIEWSPACE") is True
    user = c.post(
        "rpc/json-rpc/confluenceservice-v2",
        data={"jsonrpc": "2.0", "method": "getUser", "params": [org.confluence_users[0].username]},
    )["result"]
    assert user["email"] == org.confluence_users[0].email


def test_dc_rest_permission_write(dc: ConfluenceSandbox, org: Organisation) -> None:
    c = dc_client(dc)
    space = org.spaces[1]
    group = org.confluence_groups[org.directory.department_groups[1]].name
    added = c.add_space_permissions(space.key, "group", group, "read", "space")
    assert added["id"] in space.perms


def test_cloud_v2_spaces_and_permissions(cloud: ConfluenceSandbox, org: Organisation) -> None:
    c = cloud_client(cloud)
    raw = c.get("api/v2/spaces", params={"limit": 5})
    assert missing(raw, example("v2_spaces")) == []
    assert raw["_links"]["next"].startswith("/wiki/api/v2/spaces?")
    spaces = c.get_spaces(limit=5)  # follows the cursor to the end
    assert len(spaces) == sum(1 for s in org.spaces if s.deleted == -1)
    assert c.get_space(spaces[0]["id"])["key"] == spaces[0]["key"]
    rows = list(c._get_paged(f"api/v2/spaces/{spaces[0]['id']}/permissions", params={"limit": 3}))
    first = c.get(f"api/v2/spaces/{spaces[0]['id']}/permissions", params={"limit": 3})
    assert missing(first, example("v2_space_permissions")) == []
    assert len(rows) == sum(1 for p in org.spaces[0].permissions() if p.permission != "REMOVEMAIL")


def test_cloud_v1_calls(cloud: ConfluenceSandbox, org: Organisation) -> None:
    c = cloud_client(cloud)
    groups = c.get("rest/api/group")["results"]
    everyone = next(g for g in groups if g["name"] == "confluence-users")
    members = c.get(f"rest/api/group/{everyone['id']}/membersByGroupId", params={"limit": 5})
    assert missing(members, example("cloud_group_members")) == []
    account = members["results"][0]["accountId"]
    assert c.get("rest/api/user", params={"accountId": account})["accountId"] == account
    bulk = c.get("rest/api/user/bulk", params={"accountId": [account]})
    assert bulk["results"][0]["email"]
    res = c.get("rest/api/search", params={"cql": "type = page", "limit": 2})
    assert missing(res, example("dc_search")) == []


def test_cloud_v1_space_list_is_gone(cloud: ConfluenceSandbox) -> None:
    c = cloud_client(cloud)
    with pytest.raises(Exception):  # noqa: B017 - the library raises HTTPError subclasses
        c.get("rest/api/space")


def test_cloud_permission_add_and_delete(cloud: ConfluenceSandbox, org: Organisation) -> None:
    c = cloud_client(cloud)
    space = org.spaces[2]
    gid = org.confluence_group_id(org.directory.department_groups[2])
    body = {
        "subject": {"type": "group", "identifier": gid},
        "operation": {"key": "read", "target": "space"},
    }
    added = c.post(f"rest/api/space/{space.key}/permission", data=body)
    assert added["id"] in space.perms
    c.delete(f"rest/api/space/{space.key}/permission/{added['id']}")
    assert added["id"] not in space.perms

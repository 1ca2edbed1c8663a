"""Each Data Center version serves what Atlassian documents; Cloud search pages by cursor."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from atlassian import Confluence, ConfluenceV2
from requests import HTTPError

from govern.sandbox.confluence import start
from govern.sandbox.org import Organisation
from tests.sandbox.confluence.conftest import ADMIN
from tests.sandbox.confluence.shape import example, missing

RPC = "rpc/json-rpc/confluenceservice-v2"


def _rpc_sets(c: Any, key: str) -> Any:
    body = {"jsonrpc": "2.0", "method": "getSpacePermissionSets", "params": [key], "id": 1}
    return c.post(RPC, data=body)["result"]


def test_before_9_1_space_permissions_are_json_rpc_only(org: Organisation) -> None:
    with start(org, "datacenter", version="8.5.4") as sb:
        c = Confluence(url=sb.url, token=ADMIN)
        key = org.spaces[0].key
        manifest = c.get("rest/applinks/1.0/manifest")
        assert manifest["version"] == "8.5.4" and manifest["typeId"] == "confluence"
        for path in ("rest/api/server-information", f"rest/api/space/{key}/permissions"):
            with pytest.raises(HTTPError):
                c.get(path)
        sets = _rpc_sets(c, key)
        assert sum(len(s["spacePermissions"]) for s in sets) == len(org.spaces[0].perms)
        assert missing(sets, example("rpc_space_permission_sets")) == []


def test_from_9_1_rest_space_permissions_and_server_information(org: Organisation) -> None:
    with start(org, "datacenter", version="9.1.0") as sb:
        c = Confluence(url=sb.url, token=ADMIN)
        info = c.get("rest/api/server-information")
        assert missing(info, example("dc_server_information")) == [] and info["version"] == "9.1.0"
        assert c.get_all_space_permissions(org.spaces[0].key)
        with pytest.raises(HTTPError):  # the active-user list arrives in 9.4
            c.get("rest/api/admin/users/list/active")


def test_from_9_4_active_users_come_with_emails(org: Organisation) -> None:
    with start(org, "datacenter", version="9.4.0") as sb:
        c = Confluence(url=sb.url, token=ADMIN)
        page = c.get("rest/api/admin/users/list/active", params={"limit": 5})
        assert missing(page, example("dc_admin_users_active")) == []
        by_name = {u.username: u for u in org.confluence_users}
        assert all(by_name[u["username"]].email == u["email"] for u in page["results"])


def test_manifest_is_xml_unless_json_is_asked_for(org: Organisation) -> None:
    import requests

    with start(org, "datacenter", version="7.19.2") as sb:
        body = requests.get(sb.url + "/rest/applinks/1.0/manifest", timeout=10).text
    assert "<version>7.19.2</version>" in body


def test_cloud_search_ignores_start_and_pages_by_cursor(cloud: Any, org: Organisation) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        c = ConfluenceV2(url=cloud.url, username="admin", password=ADMIN)
    params = {"cql": "type in (page, blogpost)", "limit": 3}
    first = c.get("rest/api/content/search", params=params)
    assert missing(first, example("cloud_search_cursor")) == []
    again = c.get("rest/api/content/search", params={**params, "start": 3})
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert "cursor=" in first["_links"]["next"] and "start=" not in first["_links"]["next"]
    ids, page = [], first
    while True:
        ids += [r["id"] for r in page["results"]]
        nxt = page["_links"].get("next")
        if not nxt:
            break
        page = c.get(nxt.lstrip("/"))
    total = c.get("rest/api/search", params={"cql": params["cql"], "limit": 1})["totalSize"]
    assert len(ids) == len(set(ids)) == total


@pytest.mark.parametrize("flavour", ["datacenter", "cloud"])
def test_audit_records_name_spaces_and_users(org: Organisation, flavour: str) -> None:
    from govern.sandbox.spaces import Subject
    from govern.sandbox.timeline import advance

    with start(org, flavour) as sb:
        advance(org, 30)  # people join and leave: user events
        dept = org.directory.department_groups[0]
        space = next(
            s
            for s in org.spaces
            if s.deleted == -1 and not s.personal and not s.has(0, Subject.GROUP, dept)
        )
        org.add_space_permission(space.idx, "VIEWSPACE", Subject.GROUP, dept)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c = (
                ConfluenceV2(url=sb.url, username="admin", password=ADMIN)
                if flavour == "cloud"
                else Confluence(url=sb.url, token=ADMIN)
            )
        page = c.get("rest/api/audit", params={"limit": 1000})
        assert missing(page, example("audit_records")) == []
        kinds = {r["affectedObject"]["objectType"] for r in page["results"]}
        assert {"Space", "User"} <= kinds

"""Credentials, limited rights and the write rules, as the real service answers them."""

from __future__ import annotations

import requests

from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.org import Organisation
from govern.sandbox.spaces import ADMIN, PERMISSIONS, Subject
from tests.sandbox.confluence.conftest import ADMIN as ADMIN_TOKEN
from tests.sandbox.confluence.conftest import READER

RPC = "/rpc/json-rpc/confluenceservice-v2"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_or_wrong_credentials_get_401(dc: ConfluenceSandbox, cloud: ConfluenceSandbox) -> None:
    assert requests.get(dc.url + "/rest/api/space").status_code == 401
    assert requests.get(dc.url + "/rest/api/space", headers=bearer("nope")).status_code == 401
    r = requests.get(cloud.url + "/api/v2/spaces", auth=("admin", "wrong"))
    assert r.status_code == 401 and r.json()["errors"][0]["status"] == 401


def test_basic_auth_and_bearer_both_work(dc: ConfluenceSandbox) -> None:
    assert requests.get(dc.url + "/rest/api/space", auth=("admin", ADMIN_TOKEN)).ok
    assert requests.get(dc.url + "/rest/api/space", headers=bearer(ADMIN_TOKEN)).ok


def test_reader_lists_spaces_but_not_permissions(
    dc: ConfluenceSandbox, cloud: ConfluenceSandbox, org: Organisation
) -> None:
    h = bearer(READER)
    assert requests.get(dc.url + "/rest/api/space", headers=h).ok
    # Data Center leaves Cloud's permissions expansion out, for anyone: absent, not empty.
    listed = requests.get(dc.url + "/rest/api/space?expand=permissions", headers=h).json()
    assert all("permissions" not in s for s in listed["results"])
    key = org.spaces[0].key
    assert requests.get(f"{dc.url}/rest/api/space/{key}/permissions", headers=h).status_code == 403
    assert requests.get(dc.url + "/rest/api/audit", headers=h).status_code == 403
    space_id = requests.get(cloud.url + "/api/v2/spaces", auth=("reader", READER)).json()
    first = space_id["results"][0]["id"]
    r = requests.get(f"{cloud.url}/api/v2/spaces/{first}/permissions", auth=("reader", READER))
    assert r.status_code == 403
    body = {"jsonrpc": "2.0", "method": "getSpacePermissionSets", "params": [key], "id": 1}
    err = requests.post(dc.url + RPC, json=body, headers=h).json()["error"]
    assert "NotPermittedException" in err["message"]


def _only_admin_space(org: Organisation) -> int:
    for s in org.spaces:
        if s.deleted == -1 and len(s.admins()) == 1:
            return s.idx
    space = org.spaces[0]
    for kind, who in space.admins()[1:]:
        org.remove_space_permission(space.idx, PERMISSIONS[ADMIN], kind, who)
    return space.idx


def test_last_space_admin_cannot_be_removed(dc: ConfluenceSandbox, org: Organisation) -> None:
    space = org.spaces[_only_admin_space(org)]
    ((kind, who),) = space.admins()
    name = (
        org.confluence_users[who].username
        if kind == Subject.USER
        else org.confluence_groups[who].name
    )
    body = {
        "jsonrpc": "2.0",
        "method": "removePermissionFromSpace",
        "id": 1,
        "params": ["SETSPACEPERMISSIONS", name, space.key],
    }
    err = requests.post(dc.url + RPC, json=body, headers=bearer(ADMIN_TOKEN)).json()["error"]
    assert "last administrator" in err["message"]
    assert len(space.admins()) == 1


def test_bad_cql_is_a_400(dc: ConfluenceSandbox) -> None:
    r = requests.get(
        dc.url + "/rest/api/search", params={"cql": "title ~ x"}, headers=bearer(ADMIN_TOKEN)
    )
    assert r.status_code == 400 and "not supported" in r.json()["message"]


def test_audit_records_permission_changes(dc: ConfluenceSandbox, org: Organisation) -> None:
    space = org.spaces[0]
    group = org.directory.department_groups[3]
    org.add_space_permission(space.idx, "VIEWSPACE", Subject.GROUP, group)
    day = org.today_iso()
    r = requests.get(
        dc.url + "/rest/api/audit", params={"startDate": day}, headers=bearer(ADMIN_TOKEN)
    )
    records = r.json()["results"]
    assert records[0]["summary"] == "Space permission added"
    assert records[0]["affectedObject"] == {"name": space.name, "objectType": "Space"}

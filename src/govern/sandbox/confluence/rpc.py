"""Data Center's JSON-RPC service ``/rpc/json-rpc/confluenceservice-v2``: permission calls.

Served: ``addPermissionToSpace``, ``addPermissionsToSpace``, ``removePermissionFromSpace``,
``addAnonymousPermissionToSpace``, ``removeAnonymousPermissionFromSpace``,
``getSpacePermissionSets``, ``getSpacePermissionSet`` and ``getUser``. Requests come as a
JSON-RPC 2.0 envelope to the service URL, or as a bare parameter array to
``.../confluenceservice-v2/<method>``. Failures answer HTTP 200 with a JSON-RPC ``error`` whose
message is the ``RemoteException`` text, as Confluence does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.site import Site
from govern.sandbox.confluence.web import endpoint, json_response
from govern.sandbox.errors import WriteRefused
from govern.sandbox.spaces import PERMISSIONS, Space, Subject

PATH = "/rpc/json-rpc/confluenceservice-v2"


class RemoteError(Exception):
    """A ``com.atlassian.confluence.rpc.RemoteException`` (or a subclass)."""

    def __init__(self, message: str, kind: str = "RemoteException") -> None:
        super().__init__(message)
        self.kind = kind


def _space(site: Site, key: Any) -> Space:
    s = site.space_by_key(str(key))
    if s is None:
        raise RemoteError(f"No space found for space key: {key}")
    return s


def _entity(site: Site, name: Any) -> tuple[Subject, int]:
    u = site.user_by_username(str(name))
    if u is not None:
        return Subject.USER, u.idx
    g = site.group_by_name(str(name))
    if g is not None:
        return Subject.GROUP, g.idx
    raise RemoteError(f"No user or group with the name '{name}' exists")


def _permission(name: Any) -> str:
    if name not in PERMISSIONS:
        raise RemoteError(f"'{name}' is not a valid space permission type")
    return str(name)


def _admin(site: Site, account: Account) -> None:
    if not site.is_site_admin(account):
        raise RemoteError(
            f"User '{account.login}' does not have permission to administer this space",
            "NotPermittedException",
        )


def _change(site: Site, add: bool, permission: str, subject: tuple[Subject, int], s: Space) -> bool:
    try:
        if add:
            site.grant(s, permission, subject[0], subject[1])
        else:
            site.revoke(s, permission, subject[0], subject[1])
    except WriteRefused as exc:
        if add and exc.code == "already_exists":
            return True  # Confluence treats granting a held permission as done
        raise RemoteError(str(exc)) from None
    return True


def _permission_set(site: Site, s: Space, perm: str) -> dict[str, Any]:
    rows = []
    for row in site.permissions(s):
        if row.permission != perm:
            continue
        user = site.user(row.subject).username if row.subject_type == Subject.USER else None
        group = (
            site.org.confluence_groups[row.subject].name
            if row.subject_type == Subject.GROUP
            else None
        )
        rows.append({"type": perm, "userName": user, "groupName": group})
    return {"type": perm, "spacePermissions": rows}


def call(site: Site, account: Account, method: str, params: list[Any]) -> Any:
    """Run one JSON-RPC method (raises ``RemoteError``)."""
    p = list(params)
    if method in ("addPermissionToSpace", "removePermissionFromSpace"):
        _admin(site, account)
        perm, name, key = _permission(p[0]), p[1], p[2]
        return _change(site, method.startswith("add"), perm, _entity(site, name), _space(site, key))
    if method == "addPermissionsToSpace":
        _admin(site, account)
        s, subject = _space(site, p[2]), _entity(site, p[1])
        for perm in p[0]:
            _change(site, True, _permission(perm), subject, s)
        return True
    if method in ("addAnonymousPermissionToSpace", "removeAnonymousPermissionFromSpace"):
        _admin(site, account)
        add = method.startswith("add")
        return _change(site, add, _permission(p[0]), (Subject.ANONYMOUS, 0), _space(site, p[1]))
    if method == "getSpacePermissionSets":
        _admin(site, account)
        s = _space(site, p[0])
        return [_permission_set(site, s, perm) for perm in PERMISSIONS]
    if method == "getSpacePermissionSet":
        _admin(site, account)
        return _permission_set(site, _space(site, p[0]), _permission(p[1]))
    if method == "getUser":
        u = site.user_by_username(str(p[0]))
        if u is None:
            raise RemoteError(f"No user with username '{p[0]}' found")
        return {"name": u.username, "fullname": u.name, "email": u.email,
                "url": f"/display/~{u.username}"}  # fmt: skip
    raise RemoteError(f"No such method: {method}", "NoSuchMethodException")


async def service(site: Site, account: Account, request: Request) -> Response:
    """Answer one JSON-RPC request (envelope or bare-array form)."""
    method = request.path_params.get("method")
    try:
        body = await request.json()
    except ValueError:
        body = None
    rid: Any = None
    if method is None:
        if not isinstance(body, dict) or "method" not in body:
            return json_response(
                {
                    "jsonrpc": "2.0",
                    "error": {"code": -32600, "message": "Invalid Request"},
                    "id": None,
                }
            )
        method, params, rid = body["method"], body.get("params") or [], body.get("id")
    else:
        params = body if isinstance(body, list) else []
    try:
        result = call(site, account, str(method), params)
    except RemoteError as exc:
        message = f"com.atlassian.confluence.rpc.{exc.kind}: {exc}"
        return json_response(
            {"jsonrpc": "2.0", "error": {"code": 500, "message": message}, "id": rid}
        )
    except (IndexError, TypeError):
        message = f"Wrong number or type of parameters for {method}"
        return json_response(
            {"jsonrpc": "2.0", "error": {"code": -32602, "message": message}, "id": rid}
        )
    if request.path_params.get("method") is not None:
        return json_response(result)
    return json_response({"jsonrpc": "2.0", "result": result, "id": rid})


def routes(site: Site) -> list[Route]:
    """The JSON-RPC routes (Data Center only)."""
    return [
        Route(PATH, endpoint(site, service), methods=["POST"]),
        Route(PATH + "/{method}", endpoint(site, service), methods=["POST"]),
    ]

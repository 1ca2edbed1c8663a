"""Cloud's role-based space access: the space roles and each space's role assignments.

On a site that has moved to roles, ``GET /wiki/api/v2/space-roles`` lists the roles (Atlassian's
defaults: Admin, Collaborator, Viewer) and ``GET /wiki/api/v2/spaces/{id}/role-assignments``
gives each principal's role in a space: ``{"principal": {"principalType": "USER" | "GROUP" |
"ACCESS_CLASS", "principalId": ...}, "roleId": ...}``, cursor-paged. A site without roles
answers 404 for both. Each principal's role is derived from its permission rows: administer
makes an Admin, adding content a Collaborator, viewing a Viewer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.site import Site
from govern.sandbox.confluence.web import (
    ApiError,
    cursor_page,
    endpoint,
    json_response,
    require_admin,
)
from govern.sandbox.spaces import Space, Subject

ROLES: tuple[tuple[str, str, str], ...] = (
    ("6d5a2b4e-0001-4c4b-9a1e-7f0e1c2d3a01", "Admin", "Manage the space and its permissions"),
    ("6d5a2b4e-0002-4c4b-9a1e-7f0e1c2d3a02", "Collaborator", "View, create and edit content"),
    ("6d5a2b4e-0003-4c4b-9a1e-7f0e1c2d3a03", "Viewer", "View content"),
)
_CONTENT = frozenset({"EDITSPACE", "EDITBLOG", "CREATEATTACHMENT", "REMOVEPAGE", "REMOVEBLOG"})


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/wiki"


def role_of(permissions: set[str]) -> str:
    """The role id a principal's permission names amount to."""
    if "SETSPACEPERMISSIONS" in permissions:
        return ROLES[0][0]
    if permissions & _CONTENT:
        return ROLES[1][0]
    return ROLES[2][0]


def assignments(site: Site, s: Space) -> list[dict[str, Any]]:
    """One assignment per principal holding any permission in the space."""
    held: dict[tuple[Subject, int], set[str]] = {}
    for row in site.permissions(s):
        held.setdefault((row.subject_type, row.subject), set()).add(row.permission)
    out: list[dict[str, Any]] = []
    for (kind, who), names in sorted(held.items()):
        org = site.org
        if kind == Subject.USER:
            principal = {"principalType": "USER", "principalId": org.confluence_account_id(who)}
        elif kind == Subject.GROUP:
            principal = {"principalType": "GROUP", "principalId": org.confluence_group_id(who)}
        else:
            principal = {"principalType": "ACCESS_CLASS", "principalId": "anonymous-users"}
        out.append({"principal": principal, "roleId": role_of(names)})
    return out


async def space_roles(site: Site, account: Account, request: Request) -> Response:
    """``GET /wiki/api/v2/space-roles``: the site's roles."""
    rows = [
        {"id": rid, "type": "SYSTEM", "name": name, "description": text}
        for rid, name, text in ROLES
    ]
    page, links, headers = cursor_page(request, rows, 25, 250, _base(request))
    return json_response({"results": page, "_links": links}, headers=headers)


async def role_assignments(site: Site, account: Account, request: Request) -> Response:
    """``GET /wiki/api/v2/spaces/{id}/role-assignments``."""
    s = site.space_by_id(request.path_params["id"])
    if s is None:
        raise ApiError(404, "Space not found", v2=True)
    require_admin(site, account, "space role assignments", v2=True)
    page, links, headers = cursor_page(request, assignments(site, s), 25, 250, _base(request))
    return json_response({"results": page, "_links": links}, headers=headers)


def routes(site: Site) -> list[Route]:
    """The role routes of a Cloud site on role-based access (none otherwise)."""
    if not site.roles:
        return []
    return [
        Route("/wiki/api/v2/space-roles", endpoint(site, space_roles, v2=True)),
        Route(
            "/wiki/api/v2/spaces/{id}/role-assignments", endpoint(site, role_assignments, v2=True)
        ),
    ]

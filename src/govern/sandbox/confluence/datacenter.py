"""Data Center reads that depend on the version: what each version serves, and nothing more.

* every version: ``GET /rest/applinks/1.0/manifest`` (the Application Links manifest, readable
  without logging in; JSON when asked for, XML otherwise), which names the version;
* 9.1 and later: ``GET /rest/api/server-information``, ``GET /rest/api/space/{key}/permissions``
  (user and group rows, in Data Center's own operation pairs) and
  ``GET /rest/api/space/{key}/permissions/anonymous``;
* 9.4 and later: ``GET /rest/api/admin/users/list/active`` (active users, with their emails).

Earlier versions answer 404 for the later routes, as a server without the resource does; their
space permissions are read through JSON-RPC (``getSpacePermissionSets``, see ``rpc``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.confluence import shapes
from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.site import ACTIVE_USERS_LIST, REST_SPACE_PERMISSIONS, Site
from govern.sandbox.confluence.web import (
    ApiError,
    endpoint,
    json_response,
    offset_page,
    require_admin,
)
from govern.sandbox.spaces import Subject

BUILD_NUMBERS = {"7": 7_019, "8": 9_012, "9": 9_205, "10": 10_003}


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _build(site: Site) -> int:
    return BUILD_NUMBERS.get(site.version.split(".")[0], 9_000)


async def manifest(request: Request) -> Response:
    """``GET /rest/applinks/1.0/manifest``: the instance's identity and version (anonymous)."""
    site: Site = request.app.state.site
    base = _base(request)
    fields = {
        "id": f"{site.org.salt & 0xFFFFFFFF:08x}-0000-0000-0000-000000000000",
        "name": "Confluence",
        "typeId": "confluence",
        "version": site.version,
        "buildNumber": _build(site),
        "applinksVersion": "9.0.12",
        "url": base,
        "displayUrl": base,
    }
    if "json" in request.headers.get("accept", ""):
        return json_response(fields)
    xml = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return Response(f"<manifest>{xml}</manifest>", media_type="application/xml")


async def server_information(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/server-information`` (9.1+)."""
    return json_response(
        {
            "baseUrl": _base(request),
            "version": site.version,
            "buildNumber": _build(site),
            "marketplaceBuildNumber": _build(site),
            "buildDate": "2025-01-14T00:00:00.000Z",
        }
    )


async def space_permissions(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/space/{spaceKey}/permissions`` (9.1+): every user and group row."""
    require_admin(site, account, "space permissions")
    s = site.space_by_key(request.path_params["key"])
    if s is None:
        raise ApiError(404, f"No space with key : {request.path_params['key']}")
    rows = [r for r in site.permissions(s) if r.subject_type != Subject.ANONYMOUS]
    return json_response([shapes.space_permission_dc(site, s, r) for r in rows])


async def anonymous_permissions(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/space/{spaceKey}/permissions/anonymous`` (9.1+)."""
    require_admin(site, account, "space permissions")
    s = site.space_by_key(request.path_params["key"])
    if s is None:
        raise ApiError(404, f"No space with key : {request.path_params['key']}")
    rows = [r for r in site.permissions(s) if r.subject_type == Subject.ANONYMOUS]
    return json_response([shapes.space_permission_dc(site, s, r) for r in rows])


async def active_users(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/admin/users/list/active`` (9.4+): active users with emails, paged."""
    require_admin(site, account, "users")
    users = [u for u in site.org.confluence_users if u.active]
    page, env = offset_page(request, users, 100, 200, _base(request))
    return json_response({"results": [shapes.admin_user(site, u) for u in page], **env})


def routes(site: Site) -> list[Route]:
    """The version-dependent Data Center routes of ``site``."""
    out = [Route("/rest/applinks/1.0/manifest", manifest)]
    if site.serves(REST_SPACE_PERMISSIONS):
        out += [
            Route("/rest/api/server-information", endpoint(site, server_information)),
            Route("/rest/api/space/{key}/permissions", endpoint(site, space_permissions)),
            Route(
                "/rest/api/space/{key}/permissions/anonymous",
                endpoint(site, anonymous_permissions),
            ),
        ]
    if site.serves(ACTIVE_USERS_LIST):
        out.append(Route("/rest/api/admin/users/list/active", endpoint(site, active_users)))
    return out

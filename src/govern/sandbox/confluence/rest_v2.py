"""Cloud REST v2 routes: spaces and space permission assignments, with cursor paging.

Pages carry ``_links.next`` (relative, with the cursor) and the same link in the ``Link``
header, as the v2 documentation describes; limits default to 25 and stop at 250.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.confluence import shapes
from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.site import Site
from govern.sandbox.confluence.web import (
    ApiError,
    cursor_page,
    endpoint,
    json_response,
    require_admin,
)

MAX_LIMIT = 250


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/wiki"


async def spaces(site: Site, account: Account, request: Request) -> Response:
    """``GET /wiki/api/v2/spaces``: filters ids, keys, type, status; sorted by id."""
    q = request.query_params
    kind = q.get("type")
    if kind is not None and kind not in ("global", "personal"):
        raise ApiError(400, "type must be global or personal", v2=True)
    wanted_ids = {v for raw in q.getlist("ids") for v in raw.split(",") if v}
    wanted_keys = {v for raw in q.getlist("keys") for v in raw.split(",") if v}
    status = q.get("status")
    items = [
        s
        for s in site.live_spaces(kind)
        if (not wanted_ids or str(site.space_id(s)) in wanted_ids)
        and (not wanted_keys or s.key in wanted_keys)
        and (status is None or s.status == status)
    ]
    page, links, headers = cursor_page(request, items, 25, MAX_LIMIT, _base(request))
    body = {"results": [shapes.space_v2(site, s) for s in page], "_links": links}
    return json_response(body, headers=headers)


async def space(site: Site, account: Account, request: Request) -> Response:
    """``GET /wiki/api/v2/spaces/{id}``."""
    s = site.space_by_id(request.path_params["id"])
    if s is None:
        raise ApiError(404, "Space not found", v2=True)
    return json_response(shapes.space_v2(site, s))


async def permissions(site: Site, account: Account, request: Request) -> Response:
    """``GET /wiki/api/v2/spaces/{id}/permissions``: assignments, cursor-paged."""
    s = site.space_by_id(request.path_params["id"])
    if s is None:
        raise ApiError(404, "Space not found", v2=True)
    # The docs ask only "permission to view the space", but a user without space admin rights
    # is refused the full table; so does the sandbox for accounts without admin rights.
    require_admin(site, account, "space permissions", v2=True)
    rows = [r for r in (shapes.permission_v2(site, s, row) for row in site.permissions(s)) if r]
    page, links, headers = cursor_page(request, rows, 25, MAX_LIMIT, _base(request))
    return json_response({"results": page, "_links": links}, headers=headers)


def routes(site: Site) -> list[Route]:
    """The v2 routes (Cloud only)."""
    return [
        Route("/wiki/api/v2/spaces", endpoint(site, spaces, v2=True)),
        Route("/wiki/api/v2/spaces/{id}", endpoint(site, space, v2=True)),
        Route("/wiki/api/v2/spaces/{id}/permissions", endpoint(site, permissions, v2=True)),
    ]

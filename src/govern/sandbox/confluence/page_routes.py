"""REST v1 page and space-creation endpoints, as Atlassian documents them (both flavours).

``GET /rest/api/content?spaceKey=&type=page[&title=]`` (a space's pages, offset-paged),
``POST /rest/api/content`` (create a page under ``ancestors[0]``), ``GET /rest/api/content/{id}``
(``expand=body.storage,version,ancestors,space,history``), ``GET .../content/{id}/child/page``,
``GET .../content/{id}/version`` (newest first, offset-paged) and ``POST /rest/api/space``
(create a global space: its creator administers it; a home page comes with it). Cloud serves
the same under ``/wiki/rest/api``. Rules answer as Confluence does: a title taken in the
space or a key taken on the site is 400, an unknown page 404. Moving a page to another space
is Cloud's alone (``PUT .../content/{id}/move/{position}/{targetId}``): Data Center's REST API
has no move (CONFSERVER-39042).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.confluence import shapes
from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.pages import Page
from govern.sandbox.confluence.site import Site
from govern.sandbox.confluence.web import (
    ApiError,
    endpoint,
    expand_of,
    json_response,
    offset_page,
)
from govern.sandbox.errors import WriteRefused

SPACE_KEY = re.compile(r"^[A-Za-z0-9]{1,255}$")
"""Data Center: a space key is letters and digits only (Cloud: the same, at most 255)."""


def _p(site: Site) -> str:
    return "/wiki" if site.cloud else ""


def _base(request: Request, site: Site) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{_p(site)}"


def _actor(site: Site, account: Account) -> int:
    """The Confluence user a credential writes as: its username, else the first site admin."""
    u = site.user_by_username(account.login)
    if u is not None:
        return u.idx
    admins = site.group_by_name("confluence-administrators")
    return admins.members[0] if admins is not None and len(admins.members) else 0


def _version(site: Site, page: Page, number: int) -> dict[str, Any]:
    v = page.versions[number - 1]
    return {
        "by": shapes.user(site, site.user(v.by)),
        "when": shapes.when(v.when),
        "message": v.message,
        "number": v.number,
        "minorEdit": False,
        "_links": {"self": f"{_p(site)}/rest/experimental/content/{page.id}/version/{v.number}"},
    }


def page_shape(site: Site, page: Page, expand: set[str]) -> dict[str, Any]:
    """A page of REST v1 with the requested expansions (the documented content object)."""
    s = site.org.spaces[page.space]
    p = _p(site)
    out: dict[str, Any] = {
        "id": str(page.id),
        "type": "page",
        "status": "current",
        "title": page.title,
        "_links": {
            "webui": f"/spaces/{s.key}/pages/{page.id}"
            if site.cloud
            else f"/pages/viewpage.action?pageId={page.id}",
            "edit": f"/pages/resumedraft.action?draftId={page.id}",
            "tinyui": f"/x/{page.id:x}",
            "self": f"{p}/rest/api/content/{page.id}",
        },
        "_expandable": {
            "container": f"{p}/rest/api/space/{s.key}",
            "metadata": "",
            "operations": "",
            "children": f"{p}/rest/api/content/{page.id}/child",
            "restrictions": f"{p}/rest/api/content/{page.id}/restriction/byOperation",
            "history": f"{p}/rest/api/content/{page.id}/history",
            "ancestors": "",
            "body": "",
            "version": "",
            "descendants": f"{p}/rest/api/content/{page.id}/descendant",
            "space": f"{p}/rest/api/space/{s.key}",
        },
    }
    exp = out["_expandable"]
    if "space" in expand:
        # The space as a page embeds it; not shapes.space_v1, which derives the space's
        # search items to name its home page: that would cost a whole space per page written.
        out["space"] = shapes.space_brief(site, s)
        del exp["space"]
    if "version" in expand:
        out["version"] = _version(site, page, len(page.versions))
        del exp["version"]
    if "history" in expand:
        out["history"] = {
            "latest": True,
            "createdBy": shapes.user(site, site.user(page.creator)),
            "createdDate": shapes.when(page.created),
        }
        del exp["history"]
    if "ancestors" in expand:
        out["ancestors"] = [page_shape(site, a, set()) for a in site.pages.ancestors(page)]
        del exp["ancestors"]
    if any(e.startswith("body") for e in expand):
        out["body"] = {"storage": {"value": page.body, "representation": "storage"}}
        del exp["body"]
    return out


def _page(site: Site, request: Request) -> Page:
    try:
        page_id = int(request.path_params["id"])
    except ValueError:
        raise ApiError(404, f"No content found with id: {request.path_params['id']}") from None
    page = site.pages.get(page_id)
    if page is None or site.org.spaces[page.space].deleted != -1:
        raise ApiError(404, f"No content found with id: ContentId{{id={page_id}}}")
    return page


async def list_content(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/content?spaceKey=&type=page&title=``: pages of a space, by ``start``."""
    q = request.query_params
    if q.get("type", "page") != "page":
        raise ApiError(400, "this sandbox serves pages only (type=page)")
    key = q.get("spaceKey")
    if not key:
        raise ApiError(400, "spaceKey is required by this sandbox")
    s = site.space_by_key(key)
    pages: list[Page] = []
    if s is not None:
        title = q.get("title")
        found = site.pages.by_title(s, title) if title else None
        pages = ([found] if found else []) if title else site.pages.of_space(s)
    page, env = offset_page(request, pages, 25, 200, _base(request, site))
    expand = expand_of(request)
    return json_response({"results": [page_shape(site, p, expand) for p in page], **env})


async def get_content(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/content/{id}``."""
    return json_response(page_shape(site, _page(site, request), expand_of(request)))


async def child_pages(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/content/{id}/child/page``: child pages in their order."""
    page = _page(site, request)
    found, env = offset_page(request, site.pages.children(page), 25, 200, _base(request, site))
    expand = expand_of(request)
    return json_response({"results": [page_shape(site, p, expand) for p in found], **env})


async def versions(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/content/{id}/version``: the page's versions, newest first."""
    page = _page(site, request)
    numbers = list(range(len(page.versions), 0, -1))
    found, env = offset_page(request, numbers, 200, 200, _base(request, site))
    return json_response({"results": [_version(site, page, n) for n in found], **env})


async def create_content(site: Site, account: Account, request: Request) -> Response:
    """``POST /rest/api/content``: create a page (title, space.key, body.storage, ancestors)."""
    try:
        body = await request.json()
        title = str(body["title"])
        key = str(body["space"]["key"])
        kind = body.get("type", "page")
        value = str(body["body"]["storage"]["value"])
        ancestors = body.get("ancestors") or []
        parent = int(ancestors[-1]["id"]) if ancestors else None
        message = str((body.get("version") or {}).get("message") or "")
    except (ValueError, KeyError, TypeError, IndexError):
        raise ApiError(
            400, "Request body must name type, title, space.key and body.storage.value"
        ) from None
    if kind != "page":
        raise ApiError(400, "this sandbox creates pages only (type=page)")
    s = site.space_by_key(key)
    if s is None:
        raise ApiError(404, f"No space with key : {key}")
    try:
        page = site.pages.create(s, title, value, parent, _actor(site, account), message)
    except WriteRefused as exc:
        raise ApiError(400, str(exc)) from None
    return json_response(
        page_shape(site, page, {"space", "history", "version", "ancestors", "body.storage"})
    )


async def create_space(site: Site, account: Account, request: Request) -> Response:
    """``POST /rest/api/space``: a global space; its creator gets every space permission."""
    try:
        body = await request.json()
        key, name = str(body["key"]), str(body["name"])
        description = str(((body.get("description") or {}).get("plain") or {}).get("value", ""))
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "Request body must name key and name") from None
    if not SPACE_KEY.match(key):
        raise ApiError(400, f"Space key must be alphanumeric, not {key!r}")
    creator = _actor(site, account)
    try:
        idx = site.org.create_space(key, name, creator, description)
    except WriteRefused as exc:
        raise ApiError(400, str(exc)) from None
    s = site.org.spaces[idx]
    site.pages.home(s, creator)
    return json_response(shapes.space_v1(site, s, {"description"}))


async def move_page(site: Site, account: Account, request: Request) -> Response:
    """Cloud ``PUT /wiki/rest/api/content/{id}/move/{position}/{targetId}``: ``{"pageId"}``."""
    page = _page(site, request)
    target = site.pages.get(int(request.path_params["target"]))
    if target is None:
        raise ApiError(404, f"No content found with id: {request.path_params['target']}")
    try:
        site.pages.move(page, request.path_params["position"], target)
    except WriteRefused as exc:
        raise ApiError(400, str(exc)) from None
    return json_response({"pageId": str(page.id)})


def routes(site: Site) -> list[Route]:
    """The page routes of this flavour (after rest_v1's, so ``content/search`` wins)."""
    p = "/wiki/rest/api" if site.cloud else "/rest/api"
    return [
        Route(f"{p}/content", endpoint(site, list_content), methods=["GET"]),
        Route(f"{p}/content", endpoint(site, create_content), methods=["POST"]),
        Route(f"{p}/content/", endpoint(site, create_content), methods=["POST"]),
        Route(f"{p}/content/{{id}}", endpoint(site, get_content), methods=["GET"]),
        Route(f"{p}/content/{{id}}/child/page", endpoint(site, child_pages), methods=["GET"]),
        Route(f"{p}/content/{{id}}/version", endpoint(site, versions), methods=["GET"]),
        Route(f"{p}/space", endpoint(site, create_space), methods=["POST"]),
    ] + (
        [  # Cloud only: Data Center's REST API has no page move (CONFSERVER-39042)
            Route(
                f"{p}/content/{{id:int}}/move/{{position}}/{{target:int}}",
                endpoint(site, move_page),
                methods=["PUT"],
            )
        ]
        if site.cloud
        else []
    )

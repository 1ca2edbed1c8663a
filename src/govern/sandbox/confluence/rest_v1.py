"""REST v1 routes: Data Center's API, and the v1 calls Confluence Cloud still serves.

Data Center serves them under ``/rest/api``; Cloud under ``/wiki/rest/api``, where it has removed
the space list (``/space``; see atlassian-python-api#1560) and addresses users by accountId and
groups by id. Writes go through the organisation's rules; refusals answer 400 with the reason.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.confluence import shapes
from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.cql import CqlError, parse
from govern.sandbox.confluence.site import PERMISSION_OF, Site
from govern.sandbox.confluence.web import (
    ApiError,
    endpoint,
    expand_of,
    int_param,
    json_response,
    offset_page,
    require_admin,
    search_cursor_page,
)
from govern.sandbox.errors import WriteRefused
from govern.sandbox.spaces import Subject


def _base(request: Request, site: Site) -> str:
    root = f"{request.url.scheme}://{request.url.netloc}"
    return root + ("/wiki" if site.cloud else "")


def _space(site: Site, key: str) -> Any:
    s = site.space_by_key(key)
    if s is None:
        raise ApiError(404, f"No space with key : {key}")
    return s


async def list_spaces(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/space``: one page of spaces (Data Center only)."""
    expand = _expansions(site, account, request)
    kind = request.query_params.get("type")
    keys = set(request.query_params.getlist("spaceKey"))
    spaces = [s for s in site.live_spaces(kind) if not keys or s.key in keys]
    # Expanding permissions is expensive on a real site, which caps such pages lower.
    cap = 50 if "permissions" in expand else 500
    page, env = offset_page(request, spaces, 25, cap, _base(request, site))
    return json_response({"results": [shapes.space_v1(site, s, expand) for s in page], **env})


async def get_space(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/space/{spaceKey}``."""
    expand = _expansions(site, account, request)
    s = _space(site, request.path_params["key"])
    return json_response(shapes.space_v1(site, s, expand))


def _expansions(site: Site, account: Account, request: Request) -> set[str]:
    """The expansions a space read honours: Data Center leaves ``permissions`` out.

    The ``permissions`` expansion of a space is Cloud's; Data Center answers the space without
    it (its space permissions are JSON-RPC, and REST from 9.1), so a client must not read its
    absence as "no permissions".
    """
    expand = expand_of(request)
    if not site.cloud:
        expand.discard("permissions")
    elif "permissions" in expand:
        require_admin(site, account, "space permissions")
    return expand


async def add_permission(site: Site, account: Account, request: Request) -> Response:
    """``POST /rest/api/space/{spaceKey}/permission``: add one permission row."""
    require_admin(site, account, "space permissions")
    s = _space(site, request.path_params["key"])
    try:
        body = await request.json()
        subject, operation = body["subject"], body["operation"]
        kind, ident = subject["type"], subject["identifier"]
        perm = PERMISSION_OF[(operation["key"], operation["target"])]
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            400,
            "Request body must name subject.type, subject.identifier, "
            "operation.key and operation.target",
        ) from None
    subject_type, index = _subject(site, kind, ident)
    try:
        site.grant(s, perm, subject_type, index)
    except WriteRefused as exc:
        raise ApiError(404 if exc.code == "not_found" else 400, str(exc)) from None
    from govern.sandbox.spaces import PERMISSIONS, pack

    body["id"] = pack(PERMISSIONS.index(perm), subject_type, index)
    body["_links"] = {}
    return json_response(body)


async def remove_permission(site: Site, account: Account, request: Request) -> Response:
    """``DELETE /rest/api/space/{spaceKey}/permission/{id}``: remove one row by id."""
    require_admin(site, account, "space permissions")
    s = _space(site, request.path_params["key"])
    try:
        code = int(request.path_params["id"])
    except ValueError:
        raise ApiError(400, "permission id must be a number") from None
    if code not in s.perms:
        raise ApiError(404, f"No permission with id {code} in space {s.key}")
    from govern.sandbox.spaces import unpack

    row = unpack(code)
    try:
        site.revoke(s, row.permission, row.subject_type, row.subject)
    except WriteRefused as exc:
        raise ApiError(400, str(exc)) from None
    return Response(status_code=204)


def _subject(site: Site, kind: str, ident: str) -> tuple[Subject, int]:
    if kind == "user":
        u = site.user_ref(ident)
        if u is None:
            raise ApiError(404, f"No user with identifier {ident}")
        return Subject.USER, u.idx
    if kind == "group":
        g = site.group_by_id(ident) if site.cloud else None
        g = g or site.group_by_name(ident)
        if g is None:
            raise ApiError(404, f"No group with identifier {ident}")
        return Subject.GROUP, g.idx
    if kind == "anonymous":
        return Subject.ANONYMOUS, 0
    raise ApiError(400, f"subject type must be user, group or anonymous, not {kind!r}")


async def list_groups(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/group``."""
    groups = site.org.confluence_groups
    page, env = offset_page(request, groups, 200, 1000, _base(request, site))
    return json_response({"results": [shapes.group(site, g) for g in page], **env})


async def group_members(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/group/{name}/member`` (DC) or ``/group/{id}/membersByGroupId`` (Cloud)."""
    ref = request.path_params["ref"]
    g = (
        site.group_by_id(ref)
        if request.url.path.endswith("membersByGroupId")
        else site.group_by_name(ref)
    )
    if g is None:
        raise ApiError(404, f"No group found with name or id : {ref}")
    members = [site.user(i) for i in g.members]
    page, env = offset_page(request, members, 200, 200, _base(request, site))
    expand = expand_of(request)
    body = {"results": [shapes.user(site, u, expand) for u in page], **env}
    if site.cloud and request.query_params.get("shouldReturnTotalSize") == "true":
        body["totalSize"] = len(members)
    return json_response(body)


async def get_user(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/user?username=|key=`` (DC) or ``?accountId=`` (Cloud)."""
    q = request.query_params
    if site.cloud:
        u = site.user_by_account_id(q.get("accountId", ""))
    else:
        u = (
            site.user_by_username(q.get("username", ""))
            if "username" in q
            else site.user_by_key(q.get("key", ""))
        )
    if u is None:
        raise ApiError(404, "The user with the given username or userkey does not exist")
    return json_response(shapes.user(site, u, expand_of(request)))


async def user_bulk(site: Site, account: Account, request: Request) -> Response:
    """``GET /wiki/rest/api/user/bulk?accountId=...`` (Cloud): at most 100 users per call."""
    wanted = request.query_params.getlist("accountId")
    found = [u for a in wanted[:100] if (u := site.user_by_account_id(a)) is not None]
    body = {"results": [shapes.user(site, u) for u in found], "start": 0, "limit": 100,
            "size": len(found), "_links": {"base": _base(request, site)}}  # fmt: skip
    return json_response(body)


def _query(site: Site, request: Request) -> Any:
    text = request.query_params.get("cql")
    if not text:
        raise ApiError(400, "cql parameter is required")
    try:
        return parse(text, site.now)
    except CqlError as exc:
        raise ApiError(400, str(exc)) from None


DC_CONTENT_SEARCH_CAP = "https://confluence.atlassian.com/confkb/searching-for-content-with-the-rest-api-and-cql-always-limits-results-to-50-1032258424.html"
"""Atlassian's KB: Data Center's content search caps ``limit`` by the expansions asked for."""


def dc_content_search_cap(expand: set[str]) -> int:
    """Data Center's hard-coded page cap of ``/rest/api/content/search`` (see the KB above).

    With a ``body`` expansion 50, with other expansions 200, without any 1000.
    """
    if any(e == "body" or e.startswith("body.") for e in expand):
        return 50
    return 200 if expand else 1000


async def content_search(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/content/search?cql=``: content objects."""
    items = site.content.search(_query(site, request))
    expand = expand_of(request)
    if site.cloud:
        page, env = _search_page(site, request, items)
    else:
        cap = dc_content_search_cap(expand)
        page, env = offset_page(request, items, 25, cap, _base(request, site))
    return json_response({"results": [shapes.content(site, it, expand) for it in page], **env})


def _search_page(site: Site, request: Request, items: list[Any]) -> tuple[list[Any], Any]:
    """Search results: by ``start`` on Data Center, by cursor only on Cloud."""
    if site.cloud:
        return search_cursor_page(request, items, 25, 100, _base(request, site))
    return offset_page(request, items, 25, 100, _base(request, site))


async def search(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/search?cql=``: search results with ``totalSize``."""
    text = request.query_params.get("cql", "")
    items = site.content.search(_query(site, request))
    page, env = _search_page(site, request, items)
    expand = expand_of(request)
    return json_response(
        {
            "results": [shapes.search_result(site, it, expand) for it in page],
            **env,
            "totalSize": len(items),
            "cqlQuery": text,
            "searchDuration": 3,
        }
    )


async def audit(site: Site, account: Account, request: Request) -> Response:
    """``GET /rest/api/audit?startDate=&endDate=``: audit records, newest first."""
    require_admin(site, account, "the audit log")
    from govern.sandbox.confluence.audit import records

    return json_response(records(site, request, _base(request, site)))


def routes(site: Site) -> list[Route]:
    """The v1 routes of this flavour."""
    p = "/wiki/rest/api" if site.cloud else "/rest/api"
    out = [
        Route(f"{p}/space/{{key}}", endpoint(site, get_space)),
        Route(f"{p}/space/{{key}}/permission", endpoint(site, add_permission), methods=["POST"]),
        Route(
            f"{p}/space/{{key}}/permission/{{id}}",
            endpoint(site, remove_permission),
            methods=["DELETE"],
        ),
        Route(f"{p}/group", endpoint(site, list_groups)),
        Route(f"{p}/user", endpoint(site, get_user)),
        Route(f"{p}/content/search", endpoint(site, content_search)),
        Route(f"{p}/search", endpoint(site, search)),
        Route(f"{p}/audit", endpoint(site, audit)),
    ]
    if site.cloud:
        out += [
            Route(f"{p}/group/{{ref}}/membersByGroupId", endpoint(site, group_members)),
            Route(f"{p}/user/bulk", endpoint(site, user_bulk)),
        ]
    else:
        out += [
            Route(f"{p}/space", endpoint(site, list_spaces)),
            Route(f"{p}/group/{{ref}}/member", endpoint(site, group_members)),
        ]
    return out


__all__ = ["int_param", "routes"]

"""HTTP helpers shared by the route modules: authentication, paging envelopes, errors."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from govern.sandbox.confluence import shapes
from govern.sandbox.confluence.auth import Account
from govern.sandbox.confluence.site import Site

T = TypeVar("T")
Handler = Callable[[Site, Account, Request], Awaitable[Response]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (compact, as the real service sends)."""
    data = json.dumps(body, separators=(",", ":")).encode()
    return Response(data, status, headers=headers, media_type="application/json")


class ApiError(Exception):
    """An error answered in the shape of the API that raised it."""

    def __init__(self, status: int, message: str, v2: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.v2 = v2

    def response(self) -> Response:
        """The error as the API answers it."""
        if self.v2:
            code = {400: "INVALID_REQUEST_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
                    404: "NOT_FOUND"}.get(self.status, "ERROR")  # fmt: skip
            return json_response(shapes.error_v2(self.status, code, self.message), self.status)
        return json_response(shapes.error_v1(self.status, self.message), self.status)


def endpoint(
    site: Site, handler: Handler, v2: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with authentication (401 without credentials) and error rendering."""

    async def run(request: Request) -> Response:
        account = site.credentials.check(request)
        if account is None:
            err = ApiError(401, "Authentication credentials are missing or invalid", v2)
            resp = err.response()
            resp.headers["WWW-Authenticate"] = 'Basic realm="Confluence"'
            return resp
        try:
            with site.lock:
                return await handler(site, account, request)
        except ApiError as exc:
            return exc.response()

    return run


def require_admin(site: Site, account: Account, what: str, v2: bool = False) -> None:
    """403 unless the caller has Confluence administrator (or space admin) rights."""
    if not site.is_site_admin(account):
        raise ApiError(403, f"User {account.login} does not have permission to view {what}", v2)


def expand_of(request: Request) -> set[str]:
    """The ``expand`` parameter as a set (comma-separated and repeated forms)."""
    out: set[str] = set()
    for value in request.query_params.getlist("expand"):
        out.update(v.strip() for v in value.split(",") if v.strip())
    return out


def int_param(request: Request, name: str, default: int, lo: int = 0, hi: int | None = None) -> int:
    """An integer query parameter, clamped; 400 when it is not a number."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None
    value = max(value, lo)
    return min(value, hi) if hi is not None else value


def offset_page(
    request: Request, items: Sequence[T], default_limit: int, max_limit: int, base: str
) -> tuple[list[T], dict[str, Any]]:
    """Slice ``items`` by ``start``/``limit`` and build the v1 envelope (without results)."""
    start = int_param(request, "start", 0)
    limit = int_param(request, "limit", default_limit, 1, max_limit)
    page = list(items[start : start + limit])
    path = request.url.path
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("start", "limit")]
    links: dict[str, Any] = {
        "base": base,
        "context": "/wiki" if path.startswith("/wiki") else "",
        "self": base + path[len("/wiki") :] if path.startswith("/wiki") else base + path,
    }
    rel = path[len("/wiki") :] if path.startswith("/wiki") else path
    if start + limit < len(items):
        links["next"] = f"{rel}?{urlencode([*params, ('limit', limit), ('start', start + limit)])}"
    if start > 0:
        links["prev"] = (
            f"{rel}?{urlencode([*params, ('limit', limit), ('start', max(start - limit, 0))])}"
        )
    return page, {"start": start, "limit": limit, "size": len(page), "_links": links}


def encode_cursor(index: int) -> str:
    """An opaque v2 cursor."""
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a v2 cursor stands for (400 when it is not one of ours)."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "i":
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Invalid cursor", v2=True) from None


def cursor_page(
    request: Request, items: Sequence[T], default_limit: int, max_limit: int, base: str
) -> tuple[list[T], dict[str, Any], dict[str, str]]:
    """Slice ``items`` by cursor and build the v2 envelope and ``Link`` header."""
    start = decode_cursor(request.query_params.get("cursor"))
    limit = int_param(request, "limit", default_limit, 1, max_limit)
    page = list(items[start : start + limit])
    links: dict[str, Any] = {"base": base}
    headers: dict[str, str] = {}
    if start + limit < len(items):
        params = [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "limit")
        ]
        query = urlencode([*params, ("limit", limit), ("cursor", encode_cursor(start + limit))])
        nxt = f"{request.url.path}?{query}"
        links["next"] = nxt
        headers["Link"] = f'<{nxt}>; rel="next", <{base}>; rel="base"'
    return page, links, headers


def search_cursor_page(
    request: Request, items: Sequence[T], default_limit: int, max_limit: int, base: str
) -> tuple[list[T], dict[str, Any]]:
    """Cloud's v1 search paging: ``start`` is ignored, ``_links.next`` carries a ``cursor``.

    Atlassian removed ``start`` from ``/rest/api/search`` and ``/rest/api/content/search`` on
    Cloud in 2020 (change notice "modernize search REST APIs"): a client must follow the
    ``next`` link it is given. A client that raises ``start`` itself gets the first page again.
    """
    position = decode_cursor(request.query_params.get("cursor"))
    limit = int_param(request, "limit", default_limit, 1, max_limit)
    page = list(items[position : position + limit])
    path = request.url.path
    rel = path[len("/wiki") :] if path.startswith("/wiki") else path
    keep = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("start", "limit", "cursor")
    ]
    links: dict[str, Any] = {"base": base, "context": "/wiki", "self": base + rel}
    if position + limit < len(items):
        query = urlencode([*keep, ("limit", limit), ("cursor", encode_cursor(position + limit))])
        links["next"] = f"{rel}?{query}"
    if position > 0:
        back = max(position - limit, 0)
        links["prev"] = (
            f"{rel}?{urlencode([*keep, ('limit', limit), ('cursor', encode_cursor(back))])}"
        )
    return page, {"start": 0, "limit": limit, "size": len(page), "_links": links}

"""Reading one Confluence site through atlassian-python-api, in neutral records.

Data Center speaks REST v1 (``Confluence``): spaces page by page, groups and members by name,
users by username; space permissions as its version serves them (``dc_permissions``); emails
through the admin user list (9.4+) or JSON-RPC ``getUser`` (``people``). Cloud speaks v2
(``ConfluenceV2``) for spaces and their permission or role assignments (``cloud_permissions``),
and the v1 calls Cloud still serves for groups, members (by group id), users in bulk, CQL
search (cursor-paged: the ``next`` link is followed) and the audit log. A record that does not
parse is noted in ``problems`` and skipped, never fatal. The library is imported inside the
methods, so ``govern --help`` never pays for it.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from govern_confluence import operations
from govern_confluence.cloud_permissions import CloudPermissions
from govern_confluence.dc_permissions import DataCenterPermissions
from govern_confluence.records import (
    Forbidden,
    Perm,
    SpaceInfo,
    UserInfo,
    http_status,
)
from govern_confluence.settings import ConfluenceSettings, Deployment
from govern_confluence.transport import Meter, RetryingSession

SEARCH_PAGE = 100


def parse_time(value: Any) -> datetime | None:
    """An ISO timestamp as Confluence writes it, or None."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class Reader:
    """Reads one site; safe to use from several threads (one client per thread)."""

    def __init__(self, settings: ConfluenceSettings, meter: Meter) -> None:
        self.settings = settings
        self.meter = meter
        self.cloud = settings.deployment is Deployment.CLOUD
        self._local = threading.local()
        self._seen_lock = threading.Lock()
        self.seen_users: dict[str, UserInfo] = {}
        """Users met in permission expansions (Data Center), with their display names."""
        self.user_keys: dict[str, str] = {}
        """Data Center: userKey -> username, from every user object met."""
        self.problems: list[str] = []
        """Record-level problems of the run, each naming its record and field."""
        self.dc: DataCenterPermissions | None = None if self.cloud else DataCenterPermissions(self)
        self.unknown_operations: dict[str, int] = {}
        self.cloud_perms: CloudPermissions | None = CloudPermissions(self) if self.cloud else None
        """Operation pairs outside Atlassian's documented table, as met (name -> rows)."""

    # -- clients -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The site URL the library is given (Cloud: ending in ``/wiki``)."""
        url = self.settings.url.rstrip("/")
        if self.cloud and not url.endswith("/wiki"):
            url += "/wiki"
        return url

    def client(self) -> Any:
        """The calling thread's client: ``Confluence`` (Data Center) or ``ConfluenceV2``."""
        c = getattr(self._local, "client", None)
        if c is None:
            c = self._build()
            self._local.client = c
        return c

    def _build(self) -> Any:
        s = self.settings
        session = RetryingSession(self.meter, s.max_retries)
        common: dict[str, Any] = {"session": session, "timeout": s.timeout}
        if self.cloud:
            from atlassian import ConfluenceV2

            assert s.email and s.api_token
            # The library warns that its v1 methods are deprecated on construction; we use v2
            # where it exists and v1 only where Cloud still serves nothing else.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return ConfluenceV2(
                    url=self.base_url,
                    username=s.email,
                    password=s.api_token.get_secret_value(),
                    **common,
                )
        from atlassian import Confluence

        if s.token is not None:
            return Confluence(url=self.base_url, token=s.token.get_secret_value(), **common)  # type: ignore[no-untyped-call]
        assert s.username and s.password
        return Confluence(  # type: ignore[no-untyped-call]
            url=self.base_url,
            username=s.username,
            password=s.password.get_secret_value(),
            **common,
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """A GET through the library; a 403 becomes :class:`Forbidden`."""
        from requests import HTTPError

        try:
            return self.client().get(path, params=params)
        except HTTPError as exc:
            if http_status(exc) == 403:
                raise Forbidden(path) from None
            raise
        except Exception as exc:  # the library wraps some HTTP errors in its own types
            if http_status(exc) == 403 or type(exc).__name__ == "ApiPermissionError":
                raise Forbidden(path) from None
            raise

    def offset_pages(self, path: str, params: dict[str, Any], limit: int) -> Iterator[Any]:
        """Every result of a v1 collection, following ``start`` until ``_links.next`` ends.

        Cloud follows the ``next`` link itself: its search pages by cursor and ignores
        ``start`` (Atlassian's 2020 change), so raising ``start`` would read page one forever.
        """
        if self.cloud:
            yield from self.link_pages(path, params, limit)
            return
        start = 0
        while True:
            page = self.get(path, {**params, "start": start, "limit": limit})
            results = page.get("results", [])
            yield from results
            if not results or "next" not in page.get("_links", {}):
                return
            start += len(results)

    def link_pages(self, path: str, params: dict[str, Any], limit: int) -> Iterator[Any]:
        """Every result of a v1 collection, following the ``_links.next`` the site gives."""
        page = self.get(path, {**params, "limit": limit})
        seen: set[str] = set()
        while True:
            results = page.get("results", []) if isinstance(page, dict) else []
            yield from results
            nxt = (page.get("_links") or {}).get("next") if isinstance(page, dict) else None
            if not results or not nxt or nxt in seen:
                return  # a repeated link would loop forever: stop rather than read it again
            seen.add(nxt)
            page = self.get(nxt.lstrip("/"))

    # -- spaces ------------------------------------------------------------------------------

    def spaces(self) -> Iterator[SpaceInfo]:
        """Every space, without its permissions (see :meth:`permissions`)."""
        if self.cloud:
            for raw in self.get_v2_spaces():
                info = self._record(raw, self._space_v2)
                if info is not None:
                    yield info
            return
        start = 0
        while True:
            page = self.client().get_all_spaces(start=start, limit=500, expand="history")
            for raw in page.get("results", []):
                info = self._record(raw, lambda r: self._space_v1(r, False))
                if info is not None:
                    yield info
            if "next" not in page.get("_links", {}) or not page.get("results"):
                return
            start += len(page["results"])

    def permissions(self, space: SpaceInfo) -> list[Perm]:
        """A space's permission rows (raises Forbidden; on Data Center also Unreadable)."""
        if self.cloud:
            return self.permissions_v2(space.id)
        assert self.dc is not None
        return self.dc.read(space.key)

    def _record(self, raw: Any, parse: Any) -> SpaceInfo | None:
        """Parse one space; a record that does not parse is counted and named, not fatal."""
        try:
            info: SpaceInfo = parse(raw)
            return info
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            where = raw.get("key") or raw.get("id") if isinstance(raw, dict) else None
            self.problem(f"space {where or '?'}", f"unreadable record ({type(exc).__name__})")
            return None

    def problem(self, where: str, what: str) -> None:
        """Note one record-level problem (a field that did not parse, a malformed record)."""
        with self._seen_lock:
            self.problems.append(f"{where}: {what}")

    def time(self, value: Any, where: str, name: str) -> datetime | None:
        """A timestamp field; one that does not parse is noted and read as unknown."""
        try:
            return parse_time(value)
        except (TypeError, ValueError):
            self.problem(where, f"field {name}: {str(value)[:40]!r} is not a timestamp")
            return None

    def username_of(self, user_key: str) -> str | None:
        """Data Center: the username of a userKey (known from user objects, else asked once)."""
        with self._seen_lock:
            known = self.user_keys.get(user_key)
        if known is not None:
            return known
        from atlassian.errors import ApiError

        try:
            raw = self.get("rest/api/user", {"key": user_key})
        except ApiError:
            return None
        except Exception as exc:
            if http_status(exc) == 404:
                return None
            raise
        if not isinstance(raw, dict) or not raw.get("username"):
            return None
        self._remember(raw)
        return str(raw["username"])

    def get_v2_spaces(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Cloud v2 spaces (the library follows the cursor)."""
        result: list[dict[str, Any]] = self.client().get_spaces(keys=keys, limit=250)
        return result

    def space(self, key: str) -> SpaceInfo | None:
        """One space with its permissions (None when it no longer exists)."""
        if self.cloud:
            found = self.get_v2_spaces([key])
            if not found:
                return None
            info = self._space_v2(found[0])
            info.perms = self.permissions_v2(info.id)
            return info
        from atlassian.errors import ApiError

        from govern_confluence.dc_permissions import SpaceGone

        try:
            raw = self.client().get_space(key, expand="history")
        except ApiError:
            return None
        except Exception as exc:
            if http_status(exc) == 403:
                raise Forbidden("space permissions") from None
            if http_status(exc) == 404:
                return None
            raise
        info = self._space_v1(raw, False)
        try:
            info.perms = self.permissions(info)
        except SpaceGone:
            return None
        return info

    def permissions_v2(self, space_id: str) -> list[Perm]:
        """Cloud: a space's permission (or, on role-based sites, role) assignments."""
        assert self.cloud_perms is not None
        return self.cloud_perms.read(space_id)

    def operation_name(self, key: object, target: object, datacenter: bool = False) -> str:
        """The name of an operation pair; an undocumented pair is kept and counted."""
        table = operations.DATACENTER_TABLE if datacenter else operations.CLOUD_TABLE
        name, known = table.name_of(key, target)
        if not known:
            with self._seen_lock:
                self.unknown_operations[name] = self.unknown_operations.get(name, 0) + 1
        return name

    def _space_v1(self, raw: dict[str, Any], with_permissions: bool) -> SpaceInfo:
        history = raw.get("history") or {}
        creator = (history.get("createdBy") or {}).get("username")
        info = SpaceInfo(
            key=raw["key"],
            id=str(raw.get("id", "")),
            name=raw.get("name", raw["key"]),
            type=raw.get("type", "global"),
            status=raw.get("status", "current"),
            created_at=self.time(history.get("createdDate"), f"space {raw['key']}", "createdDate"),
            creator=creator,
            webui=(raw.get("_links") or {}).get("webui"),
        )
        if with_permissions and isinstance(raw.get("permissions"), list):
            # Only a site that serves the expansion fills it; its absence is "not read".
            info.perms = []
            for entry in raw["permissions"]:
                op = entry.get("operation") or {}
                name = self.operation_name(op.get("operation"), op.get("targetType"))
                if entry.get("anonymousAccess"):
                    info.perms.append(Perm("anonymous", "", name))
                subjects = entry.get("subjects") or {}
                for u in (subjects.get("user") or {}).get("results", []):
                    info.perms.append(Perm("user", u["username"], name))
                    self._remember(u)
                for g in (subjects.get("group") or {}).get("results", []):
                    info.perms.append(Perm("group", g["name"], name))
        return info

    def _space_v2(self, raw: dict[str, Any]) -> SpaceInfo:
        return SpaceInfo(
            key=raw["key"],
            id=str(raw["id"]),
            name=raw.get("name", raw["key"]),
            type=raw.get("type", "global"),
            status=raw.get("status", "current"),
            created_at=self.time(raw.get("createdAt"), f"space {raw['key']}", "createdAt"),
            creator=raw.get("authorId"),
            webui=(raw.get("_links") or {}).get("webui"),
        )

    def _remember(self, raw: dict[str, Any]) -> None:
        """Keep display names of users met in permission expansions and lookups."""
        uid = raw.get("accountId") if self.cloud else raw.get("username")
        if uid:
            info = self.user_info(raw)
            with self._seen_lock:
                self.seen_users.setdefault(uid, info)

    def user_info(self, raw: dict[str, Any]) -> UserInfo:
        """A user object of either flavour as :class:`UserInfo`."""
        if self.cloud:
            return UserInfo(
                id=raw["accountId"],
                display_name=raw.get("displayName") or raw.get("publicName", ""),
                email=(raw.get("email") or None),
                guest=bool(raw.get("isGuest") or raw.get("isExternalCollaborator")),
                app=raw.get("accountType") == "app",
            )
        if raw.get("userKey"):
            with self._seen_lock:
                self.user_keys[str(raw["userKey"])] = str(raw["username"])
        return UserInfo(
            id=raw["username"],
            display_name=raw.get("displayName", ""),
            email=raw.get("email") or None,
        )

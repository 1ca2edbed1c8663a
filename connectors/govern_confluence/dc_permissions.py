"""Data Center space permissions, read the way the site's version serves them.

Data Center never fills the ``permissions`` expansion of a space (it is Cloud's), so a missing
key there says nothing about who has access. What each version serves instead:

* 9.1 and later: ``GET /rest/api/space/{key}/permissions`` (user and group rows, users by
  ``userKey``, operations in Data Center's own pairs) and ``.../permissions/anonymous``;
* every version: JSON-RPC ``getSpacePermissionSets`` (one set per permission name, subjects by
  username or group name; a row with neither is anonymous).

The version comes from ``GET /rest/api/server-information`` (9.1+) or, before it, from the
Application Links manifest every Data Center serves. A 404 from the REST resource (a site
reporting a version it does not match, or an unknown one) falls back to JSON-RPC for the site.
A space whose permissions cannot be read raises :class:`Unreadable`: the caller marks it so and
never stores it as "nobody has access".
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from govern_confluence.records import RPC, Forbidden, Perm, http_status

if TYPE_CHECKING:
    from govern_confluence.reader import Reader

REST_SINCE = (9, 1)
BULK_USERS_SINCE = (9, 4)


class Unreadable(Exception):
    """A space's permissions could not be read; the message says why, in one line."""


class SpaceGone(Exception):
    """The space no longer exists."""


def parse_version(value: object) -> tuple[int, ...] | None:
    """``"9.2.1"`` -> ``(9, 2, 1)``; None when it is not a version."""
    match = re.match(r"\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(value or ""))
    if not match:
        return None
    return tuple(int(p) for p in match.groups() if p is not None)


class DataCenterPermissions:
    """Reads space permissions of one Data Center site (thread-safe)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        self._version: tuple[int, ...] | None = None
        self._detected = False
        self._rest_missing = False

    # -- version ---------------------------------------------------------------------------

    @property
    def version(self) -> tuple[int, ...] | None:
        """The site's version, asked once per run (None when the site does not say)."""
        with self._lock:
            if not self._detected:
                self._version = self._detect()
                self._detected = True
            return self._version

    def _detect(self) -> tuple[int, ...] | None:

        for path in ("rest/api/server-information", "rest/applinks/1.0/manifest"):
            try:
                body = self.reader.get(path)
            except Forbidden:
                continue
            except Exception as exc:  # 404 on versions without the resource
                if _status(exc) in (404, 405):
                    continue
                raise
            if isinstance(body, dict):
                found = parse_version(body.get("version"))
            else:
                tag = re.search(r"<version>([^<]+)</version>", str(body or ""))
                found = parse_version(tag.group(1)) if tag else None
            if found is not None:
                return found
        return None

    def serves(self, since: tuple[int, int]) -> bool:
        """Whether the site's version is ``since`` or later (False when unknown)."""
        v = self.version
        return v is not None and v[:2] >= since

    @property
    def label(self) -> str:
        """The version as people write it, or 'unknown'."""
        v = self.version
        return ".".join(map(str, v)) if v else "unknown"

    # -- permissions -------------------------------------------------------------------------

    def read(self, key: str) -> list[Perm]:
        """Every permission row of a space (raises Forbidden, Unreadable or SpaceGone)."""
        if self.serves(REST_SINCE) and not self._rest_missing:
            try:
                return self._rest(key)
            except _RouteMissing:
                self._rest_missing = True
        return self._rpc(key)

    def _rest(self, key: str) -> list[Perm]:

        rows = self._get_rows(f"rest/api/space/{key}/permissions")
        anonymous = self._get_rows(f"rest/api/space/{key}/permissions/anonymous")
        out: list[Perm] = []
        for row in [*rows, *({**r, "subject": {"type": "anonymous"}} for r in anonymous)]:
            nested = row.get("operation")
            op: dict[str, Any] = nested if isinstance(nested, dict) else row
            name = self.reader.operation_name(
                op.get("operationKey"), op.get("targetType"), datacenter=True
            )
            subject = row.get("subject") or {}
            kind = subject.get("type")
            if kind == "group" and subject.get("name"):
                out.append(Perm("group", str(subject["name"]), name))
            elif kind == "user" and (subject.get("userKey") or subject.get("username")):
                username = subject.get("username") or self.reader.username_of(subject["userKey"])
                if username is None:
                    raise Unreadable(f"user key {subject['userKey']} names no user")
                out.append(Perm("user", username, name))
            elif kind == "anonymous":
                out.append(Perm("anonymous", "", name))
            else:
                raise Unreadable(f"a permission row names no subject: {subject!r}"[:200])
        return out

    def _get_rows(self, path: str) -> list[dict[str, Any]]:

        try:
            body = self.reader.get(path)
        except Forbidden:
            raise
        except Exception as exc:
            status = _status(exc)
            if status == 404:
                if "no space" in str(exc).lower():
                    raise SpaceGone(path) from None
                raise _RouteMissing(path) from None
            raise Unreadable(f"{path} answered {status or type(exc).__name__}") from None
        if isinstance(body, dict) and isinstance(body.get("results"), list):
            body = body["results"]
        if not isinstance(body, list):
            raise Unreadable(f"{path} answered no list of permissions")
        return [r for r in body if isinstance(r, dict)]

    def _rpc(self, key: str) -> list[Perm]:

        body = {"jsonrpc": "2.0", "method": "getSpacePermissionSets", "params": [key], "id": 1}
        try:
            answer = self.reader.client().post(RPC, data=body)
        except Exception as exc:
            status = _status(exc)
            if status == 403:
                raise Forbidden("space permissions") from None
            if status in (401, 404):
                raise Unreadable(
                    "JSON-RPC answered "
                    f"{status}: enable the 'Remote API (XML-RPC & SOAP)' in Confluence's "
                    "general configuration, or upgrade to Data Center 9.1+"
                ) from None
            raise Unreadable(f"JSON-RPC answered {status or type(exc).__name__}") from None
        if not isinstance(answer, dict):
            raise Unreadable("JSON-RPC answered no JSON object")
        error = answer.get("error")
        if error:
            message = str(error.get("message", error) if isinstance(error, dict) else error)
            if "NotPermitted" in message:
                raise Forbidden("space permissions")
            if "no space" in message.lower():
                raise SpaceGone(key)
            raise Unreadable(f"JSON-RPC: {message}"[:200])
        sets = answer.get("result")
        if not isinstance(sets, list):
            raise Unreadable("JSON-RPC getSpacePermissionSets answered no result")
        out: list[Perm] = []
        for entry in sets:
            for row in (entry or {}).get("spacePermissions") or []:
                name = str(row.get("type") or entry.get("type"))
                if row.get("groupName"):
                    out.append(Perm("group", str(row["groupName"]), name))
                elif row.get("userName"):
                    out.append(Perm("user", str(row["userName"]), name))
                else:
                    out.append(Perm("anonymous", "", name))
        return out


class _RouteMissing(Exception):
    """The REST resource is not served here (an older version)."""


def _status(exc: BaseException) -> int | None:
    return http_status(exc)

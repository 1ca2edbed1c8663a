"""Cloud space permissions: v2 permission assignments, or space roles where the site has them.

``GET /wiki/api/v2/spaces/{id}/permissions`` lists assignments as an operation (Cloud's
documented pairs, see ``operations``) given to a user, a group or the anonymous access class;
atlassian-python-api has no wrapper, so the client's cursor-following ``_get_paged`` is used.
A site that has moved to role-based space access answers ``GET /wiki/api/v2/space-roles``; its
spaces are then read as role assignments (``role:<name>`` rows, mapped to owner, member or
viewer by ``mapping``). A site without roles answers 404 there, asked once per run.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from govern_confluence.records import Forbidden, Perm, http_status

if TYPE_CHECKING:
    from govern_confluence.reader import Reader


class CloudPermissions:
    """Reads space permissions of one Cloud site (thread-safe)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        self._roles: dict[str, str] | None = None
        self._known = False

    def read(self, space_id: str) -> list[Perm]:
        """A space's assignments: by role on role-based sites, else by permission."""
        roles = self.space_roles()
        if roles is not None:
            return self.role_assignments(space_id, roles)
        return self.permission_assignments(space_id)

    def space_roles(self) -> dict[str, str] | None:
        """Role id -> name when the site is on role-based space access, else None."""
        with self._lock:
            if self._known:
                return self._roles
            self._roles, self._known = self._ask_roles(), True
            return self._roles

    def _ask_roles(self) -> dict[str, str] | None:

        try:
            rows = list(self.reader.client()._get_paged("api/v2/space-roles"))
        except Forbidden:
            return None
        except Exception as exc:
            if http_status(exc) not in (403, 404):
                raise
            return None
        return {str(r["id"]): str(r.get("name") or r["id"]) for r in rows if r.get("id")}

    def role_assignments(self, space_id: str, roles: dict[str, str]) -> list[Perm]:
        """A space's role assignments, as ``role:<name>`` rows."""
        rows = self._rows(f"api/v2/spaces/{space_id}/role-assignments")
        out: list[Perm] = []
        kinds = {"USER": "user", "GROUP": "group"}
        for row in rows:
            principal = row.get("principal") or {}
            role = roles.get(str(row.get("roleId")), str(row.get("roleId")))
            kind, pid = principal.get("principalType"), principal.get("principalId")
            if kind == "ACCESS_CLASS" and pid == "anonymous-users":
                out.append(Perm("anonymous", "", f"role:{role}"))
            elif kind in kinds and pid:
                out.append(Perm(kinds[kind], str(pid), f"role:{role}"))
        return out

    def permission_assignments(self, space_id: str) -> list[Perm]:
        """A space's permission assignments, named by Cloud's operation table."""
        out: list[Perm] = []
        for row in self._rows(f"api/v2/spaces/{space_id}/permissions"):
            op = row.get("operation") or {}
            name = self.reader.operation_name(op.get("key"), op.get("targetType"))
            principal = row.get("principal") or {}
            kind = principal.get("type", "")
            if kind == "access_class" and principal.get("id") == "anonymous-users":
                out.append(Perm("anonymous", "", name))
            elif kind in ("user", "group"):
                out.append(Perm(kind, str(principal.get("id")), name))
        return out

    def _rows(self, path: str) -> list[dict[str, Any]]:

        try:
            return [r for r in self.reader.client()._get_paged(path) if isinstance(r, dict)]
        except Exception as exc:
            if http_status(exc) == 403:
                raise Forbidden(path) from None
            raise

"""Writing a space migration through atlassian-python-api: read a space's pages, copy them.

What each deployment's documented API allows, and what this module therefore does:

* Data Center (REST v1 and JSON-RPC): pages are read (``GET /rest/api/content?spaceKey=``,
  ``expand=ancestors,version,body.storage``) with their versions (``GET
  /rest/api/content/{id}/version``); a space is created (``POST /rest/api/space``), pages are
  created under their parent (``POST /rest/api/content`` with ``ancestors``), permissions are
  granted with JSON-RPC ``addPermissionToSpace`` (granting a held permission is done).
  Data Center's REST API has no page move (CONFSERVER-39042; the library's ``move_page`` posts
  to the web UI's ``pages/movepage.action``, not an API), so pages are **copied**: the tree is
  kept, the history is not (a copy starts at version 1): each copy names the original and its
  history in its version comment and a note in its body.
* Cloud serves the same v1 reads and creations under ``/wiki/rest/api`` (users by accountId),
  grants through ``POST /wiki/rest/api/space/{key}/permission`` (operation pairs), and moves a
  page with its children and history into another space's tree with ``PUT
  /wiki/rest/api/content/{id}/move/append/{targetId}``: pages are **moved**, history kept.

Page titles are unique within a space, so a page copied by an interrupted run is found again by
its title: every write here is safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern.errors import ConnectorError
from govern_confluence import operations
from govern_confluence.reader import Reader
from govern_confluence.records import RPC, SpaceInfo
from govern_confluence.settings import ConfluenceSettings, Deployment
from govern_confluence.transport import Meter

PAGE_BATCH = 100


@dataclass
class SourcePage:
    """A page as planning and copying need it."""

    id: str
    title: str
    parent: str | None
    version: int
    editor: str | None
    body: str | None = None
    authors: dict[str, int] = field(default_factory=dict)
    """Username -> versions saved (filled when versions are read)."""


class SpaceMover:
    """One Confluence site, for migrating a space: v1 calls through the library's client."""

    def __init__(self, settings: ConfluenceSettings, meter: Meter | None = None) -> None:
        self.settings = settings
        self.meter = meter or Meter()
        self.reader = Reader(settings, self.meter)
        self.cloud = settings.deployment is Deployment.CLOUD
        self.names: dict[str, str] = {}
        """User id (DC username, Cloud accountId) -> display name, of every author met."""

    @property
    def requests(self) -> int:
        """Requests sent so far."""
        return self.meter.requests

    def _client(self) -> Any:
        return self.reader.client()

    def space(self, key: str) -> SpaceInfo | None:
        """A space with its permission rows; None when it does not exist."""
        return self.reader.space(key)

    def exists(self, key: str) -> dict[str, Any] | None:
        """A space's v1 record with its description, or None (no permission read)."""
        from atlassian.errors import ApiError
        from requests import HTTPError

        try:
            found: dict[str, Any] = self._client().get(
                f"rest/api/space/{key}", params={"expand": "description.plain"}
            )
        except (ApiError, HTTPError) as exc:  # the library may turn 404 into ApiError
            reason = exc if isinstance(exc, HTTPError) else getattr(exc, "reason", None)
            response = getattr(reason, "response", None)
            if response is not None and response.status_code == 404:
                return None
            raise
        return found

    def _paged(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every result of an offset-paged v1 list (``start`` until no ``next`` link)."""
        out: list[dict[str, Any]] = []
        start = 0
        while True:
            page = self._client().get(path, params={**params, "start": start, "limit": PAGE_BATCH})
            results = page.get("results") or []
            out += results
            if not results or "next" not in (page.get("_links") or {}):
                return out
            start += len(results)

    def _who(self, by: dict[str, Any]) -> str | None:
        who = by.get("accountId") if self.cloud else by.get("username")
        if who:
            self.names[str(who)] = str(by.get("displayName") or who)
        return str(who) if who else None

    def pages(self, key: str, bodies: bool = False) -> list[SourcePage]:
        """Every page of a space with its parent, version and last editor."""
        expand = "ancestors,version" + (",body.storage" if bodies else "")
        out: list[SourcePage] = []
        params = {"spaceKey": key, "type": "page", "expand": expand}
        for raw in self._paged("rest/api/content", params):
            ancestors = raw.get("ancestors") or []
            version = raw.get("version") or {}
            out.append(
                SourcePage(
                    id=str(raw["id"]),
                    title=str(raw["title"]),
                    parent=str(ancestors[-1]["id"]) if ancestors else None,
                    version=int(version.get("number") or 1),
                    editor=self._who(version.get("by") or {}),
                    body=((raw.get("body") or {}).get("storage") or {}).get("value"),
                )
            )
        return out

    def authors(self, page: SourcePage) -> None:
        """Fill ``page.authors`` from its versions (who saved how many)."""
        for v in self._paged(f"rest/api/content/{page.id}/version", {}):
            who = self._who(v.get("by") or {})
            if who:
                page.authors[who] = page.authors.get(who, 0) + 1

    def space_of(self, page_id: str) -> str | None:
        """The key of the space a page is in now (None when it is gone)."""
        from atlassian.errors import ApiError
        from requests import HTTPError

        try:
            found = self._client().get(f"rest/api/content/{page_id}", params={"expand": "space"})
        except (ApiError, HTTPError):
            return None
        return str(((found or {}).get("space") or {}).get("key") or "") or None

    def user_exists(self, user: str) -> bool:
        """Whether a user (DC username, Cloud accountId) exists; its name is remembered."""
        from atlassian.errors import ApiError
        from requests import HTTPError

        param = {"accountId": user} if self.cloud else {"username": user}
        try:
            found = self._client().get("rest/api/user", params=param)
        except (ApiError, HTTPError):
            return False
        self.names[user] = str((found or {}).get("displayName") or user)
        return bool(found)

    def create_space(self, key: str, name: str, description: str) -> dict[str, Any]:
        """Create a global space (the credential's user administers it)."""
        plain = {"value": description, "representation": "plain"}
        data = {"key": key, "name": name, "description": {"plain": plain}}
        created: dict[str, Any] = self._client().post("rest/api/space", data=data)
        return created

    def create_page(self, key: str, title: str, body: str, parent: str | None, note: str) -> str:
        """Create a page under ``parent``; its id."""
        data: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": key},
            "body": {"storage": {"value": body, "representation": "storage"}},
            "version": {"message": note},
        }
        if parent:
            data["ancestors"] = [{"id": parent}]
        created = self._client().post("rest/api/content", data=data)
        return str(created["id"])

    def move(self, page_id: str, target_id: str) -> None:
        """Cloud: move a page, its children and its history under ``target_id``."""
        self._client().put(f"rest/api/content/{page_id}/move/append/{target_id}")

    def grant(self, key: str, kind: str, subject: str, permission: str) -> None:
        """Grant one space permission to a user or group (held is done)."""
        if self.cloud:
            self._grant_cloud(key, kind, subject, permission)
            return
        body = {
            "jsonrpc": "2.0",
            "method": "addPermissionToSpace",
            "params": [permission, subject, key],
            "id": 1,
        }
        answer: Any = self._client().post(RPC, data=body)
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            raise ConnectorError(
                f"Confluence refused {permission} for {subject} in space {key}: "
                f"{error.get('message', error)}"
            )

    def _grant_cloud(self, key: str, kind: str, subject: str, permission: str) -> None:
        from requests import HTTPError

        pair = operations.CLOUD_TABLE.pair_of(permission)
        if pair is None:
            return  # no Cloud form (REMOVEMAIL): nothing to grant there
        data = {
            "subject": {"type": kind, "identifier": subject},
            "operation": {"key": pair[0], "target": pair[1]},
        }
        try:
            self._client().post(f"rest/api/space/{key}/permission", data=data)
        except HTTPError as exc:
            text = exc.response.text if exc.response is not None else str(exc)
            if "already" in text:
                return
            raise ConnectorError(
                f"Confluence refused {permission} for {subject} in space {key}: {text[:200]}"
            ) from None

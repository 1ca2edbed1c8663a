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
* Cloud: ``PUT /wiki/rest/api/content/{id}/move/append/{targetId}`` moves a page with its
  children and history into another space's tree. Not used yet: the planner refuses Cloud.

Page titles are unique within a space, so a page copied by an interrupted run is found again by
its title: every write here is safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern.errors import ConnectorError
from govern_confluence.reader import RPC, Reader, SpaceInfo
from govern_confluence.settings import ConfluenceSettings
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
    """One Confluence site, for migrating a space (Data Center)."""

    def __init__(self, settings: ConfluenceSettings, meter: Meter | None = None) -> None:
        self.settings = settings
        self.meter = meter or Meter()
        self.reader = Reader(settings, self.meter)
        self.names: dict[str, str] = {}
        """Username -> display name, of every author met."""

    @property
    def requests(self) -> int:
        """Requests sent so far."""
        return self.meter.requests

    def space(self, key: str) -> SpaceInfo | None:
        """A space with its permission rows; None when it does not exist."""
        return self.reader.space(key)

    def exists(self, key: str) -> dict[str, Any] | None:
        """A space's v1 record with its description, or None (no permission read)."""
        from atlassian.errors import ApiError

        try:
            found: dict[str, Any] = self.reader.client().get_space(key, expand="description.plain")
        except ApiError as exc:  # the library turns 404 into this
            reason = getattr(exc, "reason", None)
            response = getattr(reason, "response", None)
            if response is not None and response.status_code == 404:
                return None
            raise
        return found

    def pages(self, key: str, bodies: bool = False) -> list[SourcePage]:
        """Every page of a space with its parent, version and last editor."""
        expand = "ancestors,version" + (",body.storage" if bodies else "")
        out: list[SourcePage] = []
        raw_pages = self.reader.client().get_all_pages_from_space_as_generator(
            key, limit=PAGE_BATCH, expand=expand
        )
        for raw in raw_pages:
            ancestors = raw.get("ancestors") or []
            version = raw.get("version") or {}
            out.append(
                SourcePage(
                    id=str(raw["id"]),
                    title=str(raw["title"]),
                    parent=str(ancestors[-1]["id"]) if ancestors else None,
                    version=int(version.get("number") or 1),
                    editor=(version.get("by") or {}).get("username"),
                    body=((raw.get("body") or {}).get("storage") or {}).get("value"),
                )
            )
        return out

    def authors(self, page: SourcePage) -> None:
        """Fill ``page.authors`` from its versions (who saved how many)."""
        for v in self.reader.client().get_all_page_versions(page.id):
            by = v.get("by") or {}
            who = by.get("username")
            if who:
                page.authors[who] = page.authors.get(who, 0) + 1
                self.names[who] = str(by.get("displayName") or who)

    def user_exists(self, username: str) -> bool:
        """Whether a Data Center username exists (its display name is remembered)."""
        from atlassian.errors import ApiError
        from requests import HTTPError

        try:
            found = self.reader.client().get_user_details_by_username(username)
        except (ApiError, HTTPError):
            return False
        self.names[username] = str(found.get("displayName") or username)
        return True

    def create_space(self, key: str, name: str, description: str) -> dict[str, Any]:
        """Create a global space (the credential's user administers it)."""
        data = {
            "key": key,
            "name": name,
            "description": {"plain": {"value": description, "representation": "plain"}},
        }
        created: dict[str, Any] = self.reader.client().create_space(data)
        return created

    def create_page(self, key: str, title: str, body: str, parent: str | None, note: str) -> str:
        """Create a page under ``parent``; its id."""
        created = self.reader.client().create_page(
            key, title, body, parent_id=parent, version_comment=note
        )
        return str(created["id"])

    def grant(self, key: str, subject: str, permission: str) -> None:
        """Grant one space permission to a user or group (JSON-RPC; held is done)."""
        body = {
            "jsonrpc": "2.0",
            "method": "addPermissionToSpace",
            "params": [permission, subject, key],
            "id": 1,
        }
        answer: Any = self.reader.client().post(RPC, data=body)
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            raise ConnectorError(
                f"Confluence refused {permission} for {subject} in space {key}: "
                f"{error.get('message', error)}"
            )

"""``ConfluenceConnector``: the contract govern sees (name, settings, permissions, actions)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from govern.connector import (
    ApplyResult,
    Capability,
    Connector,
    DiscoveryRequest,
    DiscoverySink,
    Permission,
)
from govern.model import Change, ChangeAction
from govern_confluence.settings import ConfluenceSettings


class ConfluenceConnector(Connector):
    """Confluence Data Center or Cloud: spaces as communities, space permissions as grants."""

    name: ClassVar[str] = "confluence"
    title: ClassVar[str] = "Confluence (Data Center and Cloud)"
    settings_model: ClassVar[type[BaseModel]] = ConfluenceSettings
    permissions: ClassVar[tuple[Permission, ...]] = (
        Permission("Can use (global)", Capability.DISCOVER, "list spaces, groups and members"),
        Permission(
            "Space admin on each space, or Confluence administrator",
            Capability.DISCOVER,
            "read space permissions (grants and visibility)",
        ),
        Permission(
            "Confluence administrator",
            Capability.DISCOVER,
            "read the audit log, so incremental runs re-read only spaces whose permissions changed",
        ),
        Permission("View on each space", Capability.ACTIVITY, "CQL search of recent edits"),
        Permission("Space admin on each space", Capability.APPLY, "grant and revoke permissions"),
    )
    supported_actions: ClassVar[frozenset[ChangeAction]] = frozenset(
        {ChangeAction.ADD_GRANT, ChangeAction.REMOVE_GRANT, ChangeAction.CHANGE_ROLE}
    )

    def __init__(self, settings: BaseModel) -> None:
        if not isinstance(settings, ConfluenceSettings):
            settings = ConfluenceSettings.model_validate(settings.model_dump())
        super().__init__(settings)
        self.config: ConfluenceSettings = settings

    def scope(self) -> str:
        """The site URL (one scope per site)."""
        return self.config.url.rstrip("/")

    def discover(self, request: DiscoveryRequest, sink: DiscoverySink) -> None:
        """Read the site into ``sink`` (full, or incremental from ``request.delta_tokens``)."""
        from govern_confluence.discover import discover

        discover(self.config, request, sink)

    def apply(self, change: Change) -> ApplyResult:
        """Grant, revoke or change a space role, idempotently."""
        from govern_confluence.apply import Applier
        from govern_confluence.reader import Reader
        from govern_confluence.transport import Meter

        return Applier(Reader(self.config, Meter())).apply(change)

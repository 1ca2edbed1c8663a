"""The Microsoft 365 connector: what it declares, and the two doors into Graph."""

from __future__ import annotations

import asyncio

from govern.connector import ApplyResult, Connector, DiscoveryRequest, DiscoverySink
from govern.model import Change, ChangeAction
from govern_m365.permissions import PERMISSIONS
from govern_m365.settings import M365Settings


class M365Connector(Connector):
    """Teams, Microsoft 365 groups, Viva Engage communities, SharePoint sites and shadow apps."""

    name = "m365"
    title = "Microsoft 365 (Teams, groups, Viva Engage, SharePoint, apps)"
    settings_model = M365Settings
    permissions = PERMISSIONS
    supported_actions = frozenset(
        {
            ChangeAction.ADD_GRANT,
            ChangeAction.REMOVE_GRANT,
            ChangeAction.SET_VISIBILITY,
            ChangeAction.ARCHIVE,
        }
    )

    def __init__(self, settings: M365Settings) -> None:
        super().__init__(settings)
        self.config = settings

    def scope(self) -> str:
        """The tenant this configuration discovers."""
        return self.config.scope_name

    def discover(self, request: DiscoveryRequest, sink: DiscoverySink) -> None:
        """Read the tenant into ``sink`` (full, or incremental from the delta tokens)."""
        from govern_m365.discover import discover

        asyncio.run(discover(self.config, request, sink))

    @classmethod
    def refuses(cls, change: Change) -> str | None:
        """Why apply would refuse ``change`` (an action, or a kind of community, it cannot do)."""
        from govern_m365.apply import refusal

        return super().refuses(change) or refusal(change)

    def apply(self, change: Change) -> ApplyResult:
        """Make one change in the tenant, idempotently."""
        from govern_m365.apply import apply_change

        return asyncio.run(apply_change(self.config, change))

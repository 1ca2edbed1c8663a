"""The Slack connector: workspaces, channels, people and activity through slack-sdk."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from govern.connector import (
    ApplyResult,
    Connector,
    DiscoveryRequest,
    DiscoverySink,
    Permission,
)
from govern.model import Change, ChangeAction
from govern_slack.permissions import PERMISSIONS
from govern_slack.settings import SlackSettings


class SlackConnector(Connector):
    """Discovers Slack (Enterprise Grid and standalone workspaces) and manages channel access."""

    name: ClassVar[str] = "slack"
    title: ClassVar[str] = "Slack"
    settings_model: ClassVar[type[BaseModel]] = SlackSettings
    permissions: ClassVar[tuple[Permission, ...]] = PERMISSIONS
    supported_actions: ClassVar[frozenset[ChangeAction]] = frozenset(
        {
            ChangeAction.ADD_GRANT,
            ChangeAction.REMOVE_GRANT,
            ChangeAction.ARCHIVE,
            ChangeAction.SET_VISIBILITY,
        }
    )

    def __init__(self, settings: BaseModel) -> None:
        if not isinstance(settings, SlackSettings):
            settings = SlackSettings.model_validate(settings.model_dump())
        super().__init__(settings)
        self.config: SlackSettings = settings

    def scope(self) -> str:
        """The Slack organisation's short name."""
        return self.config.organization

    def discover(self, request: DiscoveryRequest, sink: DiscoverySink) -> None:
        """Read every workspace the tokens reach into ``sink``."""
        from govern_slack.discover import discover

        discover(self.config, request, sink)

    def apply(self, change: Change) -> ApplyResult:
        """Invite, remove, archive or convert to private; idempotent."""
        if change.action not in self.supported_actions:
            return super().apply(change)
        from govern_slack.api import Api, Stats
        from govern_slack.apply import apply_change

        stats = Stats()
        tokens = [self.config.token, *self.config.workspace_tokens]
        apis = [Api(t.get_secret_value(), self.config, stats) for t in tokens]
        return apply_change(apis, change)

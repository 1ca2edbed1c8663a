"""A connector plugin used by the CLI tests (loaded through a real entry point object)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from govern.connector import Capability, Connector, DiscoveryRequest, DiscoverySink, Permission
from govern.model import ChangeAction


class FakeSettings(BaseModel):
    """Settings of the fake connector."""

    tenant_id: str = Field(description="the tenant to read, e.g. contoso")
    client_secret: SecretStr = Field(description="the app's client secret")
    page_size: int = Field(default=100, ge=1, le=999, description="items per page, 1 to 999")


class FakeConnector(Connector):
    """Discovers nothing; declares permissions like a real connector."""

    name = "fake"
    title = "Fake tool"
    settings_model = FakeSettings
    permissions = (
        Permission("Group.Read.All", Capability.DISCOVER, "read groups"),
        Permission("GroupMember.ReadWrite.All", Capability.APPLY, "change members"),
    )
    supported_actions = frozenset({ChangeAction.ADD_GRANT})

    def scope(self) -> str:
        return "contoso"

    def discover(self, request: DiscoveryRequest, sink: DiscoverySink) -> None:
        return None

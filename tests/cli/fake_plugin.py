"""A connector plugin used by the CLI tests (loaded through a real entry point object)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from govern.connector import Capability, Connector, DiscoveryRequest, DiscoverySink, Permission
from govern.model import ChangeAction, Community, Grant, Principal, PrincipalKind, Role


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
        """A tiny tenant; an incremental run (token present) sees one join."""
        for n in (1, 2):
            sink.principal(Principal(id=f"fake:user:{n}", kind=PrincipalKind.EMPLOYEE))
        sink.community(
            Community(id="fake:team:1", path="fake/contoso/team/one", kind="team", name="One")
        )
        if request.full:
            sink.grant(
                Grant(community_id="fake:team:1", principal_id="fake:user:1", role=Role.OWNER)
            )
            sink.incomplete("activity", "missing permission Reports.Read.All")
        else:
            assert request.delta_tokens == {"groups": "token-1"}
            sink.grant(
                Grant(community_id="fake:team:1", principal_id="fake:user:2", role=Role.MEMBER)
            )
        sink.delta_token("groups", "token-1")
        sink.stat("requests", 3)

"""A tiny organisation's Slack served over HTTP, and a store, for the Slack connector tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from govern_slack import SlackSettings
from pydantic import SecretStr

from govern.sandbox.http import Faults
from govern.sandbox.org import Organisation, generate
from govern.sandbox.slack.server import SlackServer


@pytest.fixture
def org() -> Organisation:
    return generate("tiny", 21)


@pytest.fixture
def server(org: Organisation) -> Iterator[SlackServer]:
    with SlackServer(org) as srv:
        yield srv


def settings(
    server: SlackServer, token: str = "xoxb-sandbox", free: str | None = "xoxb-free", **kw: object
) -> SlackSettings:
    return SlackSettings(
        organization="contoso",
        token=SecretStr(token),
        workspace_tokens=[SecretStr(free)] if free else [],
        sanctioned_workspaces=["contoso", "contoso-support"],
        base_url=server.url,
        **kw,  # type: ignore[arg-type]
    )


def faulty(org: Organisation, faults: Faults) -> SlackServer:
    return SlackServer(org, faults=faults)

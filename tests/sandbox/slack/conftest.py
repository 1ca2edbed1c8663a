"""A tiny organisation and its Slack server, shared by the sandbox Slack tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govern.sandbox.org import Organisation, generate
from govern.sandbox.slack.server import SlackServer


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate("tiny", 11)


@pytest.fixture(scope="module")
def server(org: Organisation) -> Iterator[SlackServer]:
    with SlackServer(org) as srv:
        yield srv


def client(server: SlackServer, token: str = "xoxb-sandbox") -> object:
    from slack_sdk import WebClient

    return WebClient(token=token, base_url=server.url)

"""A tiny organisation served as Confluence over real HTTP, a store, and a discovery helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from govern_confluence import ConfluenceConnector, ConfluenceSettings

from govern.discovery import DiscoveryOutcome, run_discovery
from govern.sandbox.confluence import ConfluenceSandbox, start
from govern.sandbox.org import Organisation, generate
from govern.store import Store

ADMIN = "sandbox-admin-token"
READER = "sandbox-reader-token"

Discover = Callable[..., DiscoveryOutcome]


def settings_for(
    sandbox: ConfluenceSandbox, secret: str = ADMIN, login: str = "admin"
) -> ConfluenceSettings:
    if sandbox.site.cloud:
        return ConfluenceSettings(
            url=sandbox.url, deployment="cloud", email=login, api_token=secret, concurrency=4
        )
    return ConfluenceSettings(url=sandbox.url, username=login, password=secret, concurrency=4)


@pytest.fixture
def org() -> Organisation:
    return generate("tiny", 11)


@pytest.fixture(params=["datacenter", "cloud"])
def site(request: pytest.FixtureRequest, org: Organisation) -> Iterator[ConfluenceSandbox]:
    with start(org, request.param) as sandbox:
        yield sandbox


@pytest.fixture
def discover(site: ConfluenceSandbox, store: Store) -> Discover:
    def run(settings: ConfluenceSettings | None = None, full: bool = False) -> DiscoveryOutcome:
        connector = ConfluenceConnector(settings or settings_for(site))
        return run_discovery(store, connector, full=full, log=lambda m: None)

    return run

"""A tiny organisation served as Confluence Data Center and Cloud over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govern.sandbox.confluence import ConfluenceSandbox, start
from govern.sandbox.org import Organisation, generate

ADMIN = "sandbox-admin-token"
READER = "sandbox-reader-token"


@pytest.fixture
def org() -> Organisation:
    return generate("tiny", 7)


@pytest.fixture
def dc(org: Organisation) -> Iterator[ConfluenceSandbox]:
    with start(org, "datacenter") as sandbox:
        yield sandbox


@pytest.fixture
def cloud(org: Organisation) -> Iterator[ConfluenceSandbox]:
    with start(org, "cloud") as sandbox:
        yield sandbox

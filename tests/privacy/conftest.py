"""The sandbox's Slack discovered once per session; each test gets its own copy to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.sandbox.org import Organisation
from tests.virality import slack_store


@pytest.fixture(scope="session")
def slack_inventory(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Organisation]:
    path = tmp_path_factory.mktemp("slack") / "inventory.db"
    return path, slack_store.build(path)

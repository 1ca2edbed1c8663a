"""A store holding the hand-built organisation of ``org.py``, written once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from govern.sandbox.pytest_plugin import pytest_configure, sandbox, sandbox_factory
from govern.store import Store
from govern.virality.build import build_report
from govern.virality.report import Report
from tests.virality import org

__all__ = ["pytest_configure", "sandbox", "sandbox_factory"]

POLICIES = Path(__file__).with_name("policies")


@pytest.fixture(scope="session")
def org_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Three snapshots (days 0, 60, 90) of the planted stories, with join dates."""
    path = tmp_path_factory.mktemp("org") / "inventory.db"
    store = Store(f"sqlite:///{path}")
    org.write(store, org.build(), org.SNAPSHOT_DAYS)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def report(org_store: Store) -> Report:
    """The report on the planted stories, with the test policies."""
    return build_report(org_store, policies_dir=POLICIES)


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """A writable copy of the test policies."""
    return Path(shutil.copytree(POLICIES, tmp_path / "policies"))


@pytest.fixture(scope="session")
def slack_inventory(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """(path of a store holding the sandbox's Slack, discovered over HTTP; the organisation)."""
    from tests.virality import slack_store

    path = tmp_path_factory.mktemp("slack") / "inventory.db"
    return path, slack_store.build(path)

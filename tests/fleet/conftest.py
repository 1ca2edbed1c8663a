"""Fleet fixtures: a fresh PostgreSQL database per test, and the environment for govern."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ENV, _postgres_database

ROOT = Path(__file__).resolve().parents[2]
GOVERN = str(ROOT / ".venv" / "bin" / "govern")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty PostgreSQL database (skips without GOVERN_TEST_POSTGRES_URL)."""
    admin = os.environ.get(PG_ENV)
    if not admin:
        why = f"fleet queue tests need {PG_ENV} (scripts/postgres.sh prints one; CI sets it)"
        if os.environ.get("CI") == "true":  # in CI a missing service is a failure, not a skip
            pytest.fail(why)
        pytest.skip(why)
    yield from _postgres_database(admin)


def govern_env(store_url: str, fleet_file: Path) -> dict[str, str]:
    """Environment for govern subprocesses pointed at one store and fleet file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env.update(
        GOVERN_STORE_URL=store_url,
        GOVERN_FLEET=str(fleet_file),
        GOVERN_POLICIES_DIR=str(ROOT / "policies"),
        # Plans and the plan key beside the test's fleet file, never in the checkout.
        GOVERN_STORE_DIR=str(fleet_file.parent / "state"),
    )
    return env

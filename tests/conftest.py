"""Shared fixtures: stores on SQLite and, when a server is available, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from govern.store import Store

PG_ENV = "GOVERN_TEST_POSTGRES_URL"


@pytest.fixture(scope="session", autouse=True)
def _plan_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One plan-sealing key for the session, outside the checkout (never ``./.govern``)."""
    from govern.plan.sealkey import KEY_ENV

    key = tmp_path_factory.mktemp("plan-key") / "plan.key"
    old = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = str(key)
    yield
    if old is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = old


@pytest.fixture(autouse=True)
def _plan_key_per_app() -> Iterator[None]:
    """Forget the key file a CLI run configured, so the next test starts from the default."""
    from govern.plan import sealkey

    yield
    sealkey.use_key_file(None)


def _postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"govern_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'inventory.db'}"
        return
    admin = os.environ.get(PG_ENV)
    if not admin:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (scripts/postgres.sh prints one; CI sets it)")
    yield from _postgres_database(admin)


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store, disposed after the test: SQLite in the test's folder.

    A module that uses ``store_url`` too (``pytestmark = pytest.mark.usefixtures("store_url")``)
    gets the store on each backend that fixture offers instead.
    """
    if "store_url" in request.fixturenames:
        url = request.getfixturevalue("store_url")
    else:
        url = f"sqlite:///{tmp_path / 'inventory.db'}"
    st = Store(url)
    yield st
    st.dispose()

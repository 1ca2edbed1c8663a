"""The store, exports, reports and plans are created owner-only: files 0600, directories 0700,
whatever the umask (they list people and who can see what)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.store import Store
from govern.virality import write_reports
from tests.policy.conftest import write_inventory
from tests.virality.conftest import org_store  # noqa: F401 - fixture


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default, which would give 0644 / 0755
    yield
    os.umask(old)


def test_the_default_store_is_0600_in_a_0700_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("GOVERN_") and key != "GOVERN_PLAN__KEY_FILE":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    # Read-only commands refuse a store that does not exist: the store is made by a writer.
    from govern.cli.app import App

    App().store.dispose()
    assert _mode(tmp_path / ".govern") == 0o700
    assert _mode(tmp_path / ".govern" / "inventory.db") == 0o600


@pytest.mark.parametrize("name", ["inventory.jsonl", "inventory.jsonl.gz"])
def test_an_export_is_0600(name: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    write_inventory(url)
    out = tmp_path / "exports" / name
    result = CliRunner().invoke(
        cli, ["inventory", "export", str(out)], env={"GOVERN_STORE_URL": url}
    )
    assert result.exit_code == 0, result.output
    assert _mode(out) == 0o600 and _mode(out.parent) == 0o700
    back = CliRunner().invoke(
        cli,
        ["inventory", "import", str(out)],
        env={"GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'other.db'}"},
    )
    assert back.exit_code == 0, back.output  # still a readable export


def test_reports_are_0600_in_a_0700_directory(org_store: Store, tmp_path: Path) -> None:  # noqa: F811
    paths = write_reports(org_store, tmp_path / "reports", formats=("markdown", "csv"))
    assert _mode(tmp_path / "reports") == 0o700
    assert {_mode(p) for p in paths.values()} == {0o600}

"""Run the whole CLI in-process with chosen plugins, settings and store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from govern import registry
from govern.cli import cli
from govern.cli.app import App

HERE = Path(__file__).parent

Invoke = Callable[..., Result]


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> list[EntryPoint]:
    """The entry points the registry sees: the fake connector by default (append to add)."""
    monkeypatch.syspath_prepend(str(HERE))
    return [EntryPoint("fake", "fake_plugin:FakeConnector", registry.GROUP)]


@pytest.fixture
def invoke(
    plugins: list[EntryPoint], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Invoke]:
    """Invoke govern in a clean working directory with no GOVERN_* variables."""
    import os

    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        # The plugins go through registry.load(discover=...), the door the CLI itself uses.
        app = App(discover=lambda: list(plugins))
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False, obj=app)

    yield run

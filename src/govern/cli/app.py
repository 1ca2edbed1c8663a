"""What every command shares: settings, the connector registry, the store, the output format."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govern.errors import ConfigError

if TYPE_CHECKING:
    from govern.connector import Connector
    from govern.registry import Discover, Registry
    from govern.settings import LoadedSettings
    from govern.store import Store


@dataclass
class App:
    """Lazily built shared state of one CLI invocation."""

    debug: bool = False
    fmt: str | None = None
    config_file: str | None = None
    discover: Discover | None = None
    """Where the connector plugins come from (None: the installed entry points)."""
    _registry: Registry | None = field(default=None, repr=False)
    _settings: LoadedSettings | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _inventory_checked: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.debug:
            logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")

    def format(self, local: str | None = None) -> str:
        """The output format: the command's own option, else the global one, else table."""
        return local or self.fmt or "table"

    @property
    def registry(self) -> Registry:
        """Installed connectors; plugins that failed to load are warned about once."""
        if self._registry is None:
            from govern import registry

            self._registry = registry.load(discover=self.discover)
            for problem in self._registry.problems:
                click.echo(problem.warning(), err=True)
        return self._registry

    @property
    def settings(self) -> LoadedSettings:
        """Validated settings for the installed connectors."""
        if self._settings is None:
            from govern.settings import load_settings

            models = {n: c.settings_model for n, c in self.registry.connectors.items()}
            path = Path(self.config_file) if self.config_file else None
            self._settings = load_settings(models, config_file=path)
            from govern.plan.sealkey import KEY_FILE, use_key_file

            values = self._settings.values
            use_key_file(values.plan.key_file or values.store_dir / KEY_FILE)
        return self._settings

    @property
    def store(self) -> Store:
        """The inventory store, upgraded to the current schema."""
        if self._store is None:
            from govern.store import Store

            self._store = Store(self.settings.values.database_url())
        return self._store

    @property
    def inventory_store(self) -> Store:
        """The store for commands that read the inventory: it must exist and hold a snapshot.

        Opening a store creates it, so a mistyped URL or a forgotten ``export`` would otherwise
        show an empty inventory as if it were the truth.
        """
        from govern.errors import StoreError

        if self._inventory_checked:
            return self.store
        url = self.settings.values.database_url()
        path = _sqlite_file(url)
        if path is not None and not path.exists():
            raise StoreError(
                f"store {url} does not exist (no file {path}); check store_url "
                f"(GOVERN_STORE_URL) or run `govern discover` to create it"
            )
        store = self.store
        if not store.latest():
            raise StoreError(
                f"store {store.where} holds no inventory; check store_url (GOVERN_STORE_URL) "
                f"or run `govern discover` first"
            )
        self._inventory_checked = True
        return store

    def configured(self, names: tuple[str, ...] | list[str] = ()) -> list[str]:
        """The connectors a run covers: ``names`` if given, else every configured one, sorted.

        None configured is an error saying how to configure one, so a command never runs
        silently over nothing.
        """
        wanted = list(names) or [
            n for n in sorted(self.registry.connectors) if self.settings.connector(n)
        ]
        if not wanted:
            raise ConfigError(
                "no connector is configured; add a table such as [m365] to govern.toml "
                "(`govern connectors` lists installed connectors and their settings)"
            )
        return wanted

    def connector(self, name: str) -> Connector:
        """An instance of one configured connector."""
        cls = self.registry.get(name)
        conf = self.settings.connector(name)
        if conf is None:
            raise ConfigError(
                f"connector '{name}' is not configured; add a [{name}] table to govern.toml "
                f"or set GOVERN_{name.upper()}__* variables (`govern connectors` lists settings)"
            )
        return cls(conf)


def _sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        db = make_url(url).database
    except ArgumentError:
        return None  # the store reports a malformed URL with its own message
    return Path(db) if db and db != ":memory:" else None

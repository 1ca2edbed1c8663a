"""What a running sandbox server reports: its URL, request log, fault switch and settings.

Every server package's ``serve.start`` returns one; :mod:`govern.sandbox.servers` registers
the packages and starts them. This module imports no server package, so none of them imports
the registry back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govern.sandbox.http import FaultInjector, Faults, RequestLog
    from govern.sandbox.org import Organisation


@dataclass
class Started:
    """One running server."""

    name: str
    url: str
    """The URL to configure govern with (Graph: the ``/v1.0`` service root)."""
    log: RequestLog
    """Every request served, per endpoint."""
    injector: FaultInjector
    """Its fault switch: ``injector.set(Faults(...))`` changes faults at run time."""
    settings: dict[str, Any]
    """Connector settings (TOML key -> value: text, a list, or a table) that point govern at
    this server, as govern's settings model accepts them."""
    section: str
    """The TOML section / ``GOVERN_<SECTION>__`` prefix of those settings."""
    stop: Callable[[], None]
    server: Any
    """The server object itself (e.g. ``GraphServer``), for tests that need more."""

    def env(self) -> dict[str, str]:
        """The settings as ``GOVERN_*`` environment variables.

        Lists and tables are JSON, the form pydantic-settings parses for them from the
        environment (comma-separated text is refused there).
        """
        prefix = f"GOVERN_{self.section.upper()}__"
        return {
            prefix + key.upper(): value if isinstance(value, str) else json.dumps(value)
            for key, value in self.settings.items()
        }

    def toml(self) -> str:
        """The settings as a TOML section (tables as ``[section.key]`` sub-tables)."""
        lines = [f"[{self.section}]"]
        tables = {k: v for k, v in self.settings.items() if isinstance(v, dict)}
        lines += [f"{k} = {_toml(v)}" for k, v in self.settings.items() if k not in tables]
        for key, table in tables.items():
            lines += ["", f"[{self.section}.{key}]"]
            lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
        return "\n".join(lines)


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers, booleans and arrays are TOML's too."""
    return json.dumps(value, ensure_ascii=False)


StartServer = Callable[["Organisation", "Faults | None", int, dict[str, Any]], Started]
"""A server package's ``start(org, faults, port, options)``: port 0 picks a free one."""

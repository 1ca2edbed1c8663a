"""The connector registry, filled from the ``govern.connectors`` entry-point group.

Built-in connectors register through the same entry points as third-party plugins. A plugin that
fails to import is reported as a warning naming it and how to remove it; it never stops govern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from govern.connector import Connector
from govern.errors import ConfigError

GROUP = "govern.connectors"

Discover = Callable[[], Iterable[EntryPoint]]
"""Where plugins come from: the installed entry points by default; tests pass their own."""


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be loaded, and why."""

    name: str
    target: str
    error: str

    def warning(self) -> str:
        """One line for stderr."""
        return (
            f"warning: connector plugin '{self.name}' ({self.target}) failed to load: "
            f"{self.error}; reinstall it or remove the package that provides it"
        )


@dataclass
class Registry:
    """Installed connectors by name, plus the plugins that failed to load."""

    connectors: dict[str, type[Connector]] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)

    def get(self, name: str) -> type[Connector]:
        """The connector class called ``name``."""
        try:
            return self.connectors[name]
        except KeyError:
            known = ", ".join(sorted(self.connectors)) or "none"
            raise ConfigError(
                f"connector '{name}' is not installed (installed: {known}); "
                f"install the plugin that provides it"
            ) from None


def load(discover: Discover | None = None) -> Registry:
    """Load every connector plugin; failures become :class:`PluginProblem` entries."""
    eps = discover() if discover is not None else entry_points(group=GROUP)
    registry = Registry()
    for ep in sorted(eps, key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not take govern down with it
            registry.problems.append(
                PluginProblem(ep.name, ep.value, f"{type(exc).__name__}: {exc}")
            )
            continue
        if not (isinstance(obj, type) and issubclass(obj, Connector)):
            registry.problems.append(
                PluginProblem(ep.name, ep.value, "it is not a govern.connector.Connector subclass")
            )
            continue
        if obj.name != ep.name:
            registry.problems.append(
                PluginProblem(ep.name, ep.value, f"its name is '{obj.name}', not '{ep.name}'")
            )
            continue
        registry.connectors[ep.name] = obj
    return registry

"""One way to start a sandbox server: each package's serve.start, registered in servers.SERVERS."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import govern.sandbox
from govern.sandbox.errors import SandboxError
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import SERVERS, Servers

SANDBOX = Path(govern.sandbox.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_every_kind_names_a_package_module_with_a_start() -> None:
    for kind in SERVERS.values():
        module = importlib.import_module(kind.module)
        assert kind.module.endswith(".serve")
        assert callable(module.start), kind.name


def test_no_server_package_imports_the_registry_back() -> None:
    for package in ("graph", "confluence", "slack"):
        for path in (SANDBOX / package).glob("*.py"):
            assert "govern.sandbox.servers" not in _imports(path), path


def test_an_unknown_server_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(SandboxError, match="unknown sandbox server 'jira'; choose from: graph"):
        Servers.start(organisation("tiny", 0), ["jira"])


def test_each_package_starts_and_stops_through_the_registry() -> None:
    with Servers.start(organisation("tiny", 0), list(SERVERS)) as running:
        assert running["confluence-cloud"].settings["deployment"] == "cloud"
        assert running["confluence"].settings["deployment"] == "datacenter"
        assert running.graph.settings["origin"]["naming_patterns"] == ["^IT-"]
        assert running["slack"].section == "slack"
        assert all(s.url.startswith("http://127.0.0.1:") for s in running.running.values())

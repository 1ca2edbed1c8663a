"""The repository's gates: the pre-commit hooks run the venv's tools; the schema check bites."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _check_schemas() -> ModuleType:
    path = ROOT / "scripts/check_schemas.py"
    spec = importlib.util.spec_from_file_location("check_schemas", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hooks_are_local_and_run_the_venvs_tools() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [h for repo in config["repos"] for h in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])  # no network at commit time
    assert {h["id"] for h in hooks} >= {"ruff-check", "ruff-format", "mypy", "json-schemas"}
    for hook in hooks:
        assert hook["language"] == "system", hook["id"]
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/"), hook["id"]
        # The venv the hooks name is the one running these tests (CI and the README make it).
        assert (Path(sys.prefix) / "bin" / Path(tool).name).exists(), tool


def test_every_shipped_schema_is_a_schema() -> None:
    check = _check_schemas()
    schemas = sorted((ROOT / "src").rglob("*.schema.json"))
    assert len(schemas) >= 5
    assert [p for p in map(check.problem, schemas) if p] == []


def test_a_broken_schema_is_one_line_naming_file_and_place(tmp_path: Path) -> None:
    check = _check_schemas()
    bad = tmp_path / "x.schema.json"
    bad.write_text('{"type": "object", "properties": {"n": {"type": "integr"}}}')
    line = check.problem(bad)
    assert line is not None and line.startswith(f"{bad}: at properties/n/type: ")
    assert "\n" not in line
    bad.write_text("{")
    assert "not readable JSON" in (check.problem(bad) or "")
    assert check.main([str(bad)]) == 1

"""Malformed settings, plan and import files: each is one line naming the file or variable,
never "unexpected ...Error", a traceback or an interrupted run; secrets are never shown."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from govern.cli import cli
from govern.sandbox.confluence import start
from govern.sandbox.org import generate
from tests.policy.conftest import write_inventory

PASSWORD = "hunter2-secret"


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory and no GOVERN_* variables (but the test plan key)."""
    for key in list(os.environ):
        if key.startswith("GOVERN_") and key != "GOVERN_PLAN__KEY_FILE":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert "Traceback" not in result.output
    assert "unexpected" not in result.stderr
    return result


def _one_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    # Progress lines may come first; the error itself is one line, the last.
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert errors == lines[-1:], lines
    return lines[-1]


def test_config_show_masks_a_password_in_a_confluence_url(clean: Path) -> None:
    env = {
        "GOVERN_CONFLUENCE__URL": f"https://bob:{PASSWORD}@wiki.example.com",
        "GOVERN_CONFLUENCE__TOKEN": "tok",
    }
    result = _run("config", "show", env=env)
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "https://bob:***@wiki.example.com" in result.stdout


def test_a_missing_govern_config_file_is_refused(clean: Path) -> None:
    line = _one_line(_run("config", "show", env={"GOVERN_CONFIG": "nowhere.toml"}))
    assert line.startswith("error: GOVERN_CONFIG=nowhere.toml: configuration file not found")


def test_a_non_utf8_govern_toml_names_the_file(clean: Path) -> None:
    (clean / "govern.toml").write_bytes(b'store_dir = "\xff\xfe"\n')
    line = _one_line(_run("config", "show"))
    assert line == (
        "error: govern.toml: not UTF-8 text (byte 13); TOML files are UTF-8, save it as such"
    )


def test_bad_json_in_a_variable_names_the_variable(clean: Path) -> None:
    line = _one_line(_run("config", "show", env={"GOVERN_M365__ORIGIN": "{it_groups: [IT]"}))
    assert line.startswith("error: variable GOVERN_M365__ORIGIN: not valid JSON")


def test_a_100k_deep_json_plan_is_one_line(clean: Path) -> None:
    (clean / "plan.json").write_text('{"changes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    line = _one_line(_run("apply", "plan.json"))
    assert line.startswith("error: plan.json: JSON nested too deeply to be a plan")


@pytest.fixture
def export(clean: Path) -> Path:
    url = f"sqlite:///{clean / 'inventory.db'}"
    write_inventory(url)
    path = clean / "inventory.jsonl.gz"
    result = _run("inventory", "export", str(path), env={"GOVERN_STORE_URL": url})
    assert result.exit_code == 0, result.output
    return path


def test_a_truncated_gzip_import_is_one_line(export: Path, clean: Path) -> None:
    data = export.read_bytes()
    assert len(gzip.decompress(data)) > 0
    export.write_bytes(data[: len(data) // 2])
    env = {"GOVERN_STORE_URL": f"sqlite:///{clean / 'other.db'}"}
    line = _one_line(_run("inventory", "import", str(export), env=env))
    assert line.startswith(f"error: {export}: cannot read the export (truncated)")


def test_a_non_gzip_import_is_one_line(clean: Path) -> None:
    (clean / "export.jsonl.gz").write_text('{"format": "not gzip"}\n')
    env = {"GOVERN_STORE_URL": f"sqlite:///{clean / 'other.db'}"}
    line = _one_line(_run("inventory", "import", "export.jsonl.gz", env=env))
    assert line.startswith("error: export.jsonl.gz: cannot read the export (Not a gzipped file")


def test_a_401_from_confluence_is_one_line(clean: Path) -> None:
    with start(generate("tiny", 11), "datacenter") as site:
        env = {
            "GOVERN_STORE_URL": f"sqlite:///{clean / 'inventory.db'}",
            "GOVERN_CONFLUENCE__URL": site.url,
            "GOVERN_CONFLUENCE__TOKEN": "not-a-valid-token",
        }
        line = _one_line(_run("discover", "--connector", "confluence", env=env))
    assert "401 Unauthorized" in line and "[confluence]" in line
    assert "not-a-valid-token" not in line

"""``govern report viral`` in-process: formats, output file, --propose, and a policy typo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.store import Store


@pytest.fixture
def run(org_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import os

    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVERN_STORE_URL", org_store.url)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_json_to_stdout(run, policies: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("report", "viral", "--format", "json", "--policies", str(policies))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["entries"][0]["recommendation"] == "adopt"


def test_html_to_a_file_and_propose(run, policies: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "report", "viral", "--format", "html", "-o", "out/report.html", "--policies",
        str(policies), "--propose", "--plan-out", "plan.json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/report.html").read_text().startswith("<!DOCTYPE html>")
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["changes"]
    assert "state: adopted" in (policies / "lifecycle.yaml").read_text()
    assert "proposed 5 lifecycle decisions" in result.output


def test_a_threshold_typo_names_file_line_and_fix(run, policies: Path) -> None:  # type: ignore[no-untyped-def]
    (policies / "thresholds.yaml").write_text("virality:\n  reach_member: 40\n")
    result = run("report", "viral", "--policies", str(policies))
    assert result.exit_code == 1
    assert "thresholds.yaml:2:3: unknown threshold 'virality.reach_member'" in result.output
    assert "did you mean 'reach_members'?" in result.output

"""Impact output: the exact Markdown of one change, JSON against its schema, SARIF, the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.policy.impact.markdown import MARKER, render_markdown
from govern.policy.impact.result import json_schema
from govern.policy.impact.sarif import impact_sarif
from govern.policy.inventory import Inventory
from tests.policy.conftest import write_inventory
from tests.policy.impact.conftest import PolicyRepo, git
from tests.policy.impact.test_impact import impact

GOLDEN = Path(__file__).with_name("golden")


def test_markdown_is_exactly_the_golden_file(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    text = render_markdown(impact(policy_repo, inventory, "base", "adopt"))
    golden = GOLDEN / "base-to-adopt.md"
    if os.environ.get("GOVERN_UPDATE_GOLDEN") == "1":  # after a change to policies/
        golden.write_text(text)
    assert text == golden.read_text()


def test_markdown_is_capped_and_says_what_it_left_out(
    policy_repo: PolicyRepo, inventory: Inventory
) -> None:
    found = impact(policy_repo, inventory, "exception", "requirement")
    text = render_markdown(found, max_items=2)
    assert text.startswith(MARKER)
    assert "… and 2 more not shown" in text
    assert text.count("m365/contoso/team/") == 2
    # A comment over the size limit shrinks its lists until it fits.
    full = render_markdown(found)
    small = render_markdown(found, max_chars=len(full) - 1)
    assert len(small) < len(full) and "more not shown" in small


def test_no_impact_markdown(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    text = render_markdown(impact(policy_repo, inventory, "adopt", "reformat"))
    assert "**No impact:" in text and "| change |" not in text
    assert "<details><summary>Grants" not in text


def test_json_matches_the_shipped_schema(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for base, head in (("base", "adopt"), ("adopt", "reformat"), ("reformat", "model")):
        doc = impact(policy_repo, inventory, base, head).as_json()
        jsonschema.validate(doc, schema)
    assert doc["changed"] and doc["totals"]["grant allowed"] == 1


def test_sarif_points_at_the_rule_line(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    found = impact(policy_repo, inventory, "base", "new-deny")
    log = json.loads(impact_sarif(found))
    assert log["version"] == "2.1.0"
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "policy-impact/grant-removed"
    assert result["message"]["text"].startswith("ACC-GUEST-DATA: grant removed x1")
    where = result["locations"][0]["physicalLocation"]
    text = git(policy_repo.root, "show", "new-deny:policies/policy.csv")
    line = text.splitlines()[where["region"]["startLine"] - 1]
    assert where["artifactLocation"]["uri"] == "policies/policy.csv"
    assert "ACC-GUEST-DATA" in line


@pytest.fixture
def cli_env(policy_repo: PolicyRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    write_inventory(url)
    monkeypatch.setenv("GOVERN_STORE_URL", url)
    monkeypatch.chdir(policy_repo.root)  # as in CI: the job runs at the repository root
    return policy_repo.policies


def run(*args: str) -> object:
    return CliRunner().invoke(cli, ["policy", "impact", *args])


def test_cli_formats_and_detailed_exitcode(cli_env: Path) -> None:
    r = run("--base", "base", "--head", "new-deny", "--format", "markdown",
            "--policies", "policies", "--detailed-exitcode")  # fmt: skip
    assert r.exit_code == 2, r.output
    assert "| grant removed | m365 | internal | `ACC-GUEST-DATA`" in r.stdout
    assert "1 grant would be removed" in r.stderr
    r = run("--base", "adopt", "--head", "reformat", "--policies", "policies",
            "--detailed-exitcode", "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["changed"] is False and doc["inventory"]["grants"] == 11
    r = run("--base", "base", "--head", "exception", "--policies", "policies")
    assert r.exit_code == 0 and "ACC-AUDITOR" in r.stdout


def test_cli_broken_head_is_one_line_with_file_and_line(cli_env: Path) -> None:
    r = run("--base", "model", "--head", "broken", "--policies", "policies")
    assert r.exit_code == 1
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: policies/policy.csv:") and line.endswith("(at broken)")
    assert "Traceback" not in r.output
    # The working tree is the broken commit too: same error, without a revision.
    r = run("--base", "model", "--policies", "policies")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: policies/policy.csv:")


def test_cli_unknown_base(cli_env: Path) -> None:
    r = run("--base", "origin/nope", "--policies", "policies")
    assert r.exit_code == 1
    assert "unknown git revision 'origin/nope'" in r.stderr

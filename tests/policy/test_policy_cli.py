from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.policy.starter import default_policies, starter_files
from tests.policy.conftest import POLICIES, REPO


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_default_policies_validate_and_their_tests_cover_every_rule() -> None:
    v = CliRunner().invoke(cli, ["policy", "validate", str(POLICIES)])
    assert v.exit_code == 0, v.output
    assert "valid (30 rules" in v.stderr
    t = CliRunner().invoke(cli, ["policy", "test", str(POLICIES), "--strict"])
    assert t.exit_code == 0, t.output
    assert "0 failed; 0 rule(s) reached by no test" in t.stderr


def test_validate_sarif(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "p")
    csv = tmp_path / "p" / "policy.csv"
    csv.write_text(csv.read_text().replace("guest, *, confidential,", "guest, *, confidental,"))
    r = CliRunner().invoke(cli, ["policy", "validate", "p", "--format", "sarif"])
    assert r.exit_code == 1
    log = json.loads(r.stdout)
    assert log["version"] == "2.1.0"
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "unknown-value"
    assert result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (16, 48)
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "p/policy.csv"
    assert "did you mean 'confidential'?" in result["message"]["text"]


def test_effect_mismatch_is_a_warning_not_an_error(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "p")
    conf = tmp_path / "p" / "model.conf"
    conf.write_text(
        conf.read_text().replace(
            "e2 = priority(p2.eft) || deny", "e2 = some(where (p2.eft == allow))"
        )
    )
    r = CliRunner().invoke(cli, ["policy", "validate", "p"])
    assert r.exit_code == 0
    assert "pycasbin applies the effect of 'e' to every section" in r.stdout
    assert r.stdout.rstrip().endswith("(warning)")


def test_failing_and_unreached_tests_are_reported(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "p")
    (tmp_path / "p" / "tests" / "requirements.yaml").unlink()
    access = tmp_path / "p" / "tests" / "access.yaml"
    access.write_text(
        access.read_text().replace(
            "expect: {decision: deny, rule: ACC-DEFAULT}",
            "expect: {decision: allow, rule: ACC-DEFAULT}",
        )
    )
    r = CliRunner().invoke(cli, ["policy", "test", "p"])
    assert r.exit_code == 1
    fail = [line for line in r.stdout.splitlines() if line.startswith("FAIL")]
    assert fail == [
        "FAIL p/tests/access.yaml:87:5: test 'a principal missing from the directory holds no "
        "role': decision: expected 'allow', got 'deny' (by ACC-DEFAULT)"
    ]
    assert "p/policy.csv:35: rule REQ-ARCHIVED-INACTIVE is reached by no test" in r.stdout
    assert "1 failed" in r.stderr


def test_unreached_rules_fail_only_when_strict(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "p")
    (tmp_path / "p" / "tests" / "requirements.yaml").unlink()
    assert CliRunner().invoke(cli, ["policy", "test", "p"]).exit_code == 0
    strict = CliRunner().invoke(cli, ["policy", "test", "p", "--strict"])
    assert strict.exit_code == 1
    assert "rule REQ-ADOPTED-STEWARD is reached by no test" in strict.stdout


def test_test_file_errors_are_validation_errors(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "p")
    f = tmp_path / "p" / "tests" / "access.yaml"
    f.write_text(f.read_text().replace("rule: ACC-STEWARD}", "rule: ACC-STEWART}"))
    r = CliRunner().invoke(cli, ["policy", "test", "p"])
    assert r.exit_code == 1
    assert "no rule has the id 'ACC-STEWART'; did you mean 'ACC-STEWARD'?" in r.stderr


def test_init_writes_the_default_set_and_refuses_to_overwrite(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["init", "mine"])
    assert r.exit_code == 0, r.output
    for rel in starter_files():
        assert (tmp_path / "mine" / rel).read_bytes() == (default_policies() / rel).read_bytes()
    assert CliRunner().invoke(cli, ["policy", "test", "mine", "--strict"]).exit_code == 0
    again = CliRunner().invoke(cli, ["init", "mine"])
    assert again.exit_code == 1
    assert "already exists; pick another directory or pass --force" in again.stderr
    assert CliRunner().invoke(cli, ["init", "mine", "--force"]).exit_code == 0


def test_one_copy_of_the_default_policies() -> None:
    # In a checkout the default set is policies/ itself; the wheel carries the same folder.
    assert default_policies() == POLICIES
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    force = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force == {"policies": "govern/policy/default"}
    assert not (REPO / "src" / "govern" / "policy" / "default").exists()


def test_help_does_not_import_casbin() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from govern.cli import cli; import click.testing as t; "
        "t.CliRunner().invoke(cli, ['--help']); print('casbin' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

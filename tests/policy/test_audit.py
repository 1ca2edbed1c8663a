from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner, Result

from govern.cli import cli
from tests.policy.conftest import POLICIES


def run(env: dict[str, str], *args: str, policies: Path = POLICIES) -> Result:
    return CliRunner().invoke(cli, ["audit", "--policies", str(policies), *args], env=env)


def pairs(result: Result) -> set[tuple[str, str, str | None]]:
    return {(f["rule_id"], f["community_id"], f["principal_id"]) for f in json.loads(result.stdout)}


def test_audit_finds_the_planted_problems_with_their_rules(env: dict[str, str]) -> None:
    result = run(env, "--format", "json")
    assert result.exit_code == 0, result.output
    found = pairs(result)
    assert found == {
        ("ACC-GUEST-CONFIDENTIAL", "m365:team:finance-close", "m365:user:gina"),
        ("REQ-CONFIDENTIAL-GUESTS", "m365:team:finance-close", None),
        ("REQ-CONFIDENTIAL-OWNERS", "m365:team:finance-close", None),
        ("REQ-OWNER", "m365:team:hiking-club", None),
        ("REQ-CONFIDENTIAL-LABEL", "m365:team:payroll", None),
        ("REQ-CONFIDENTIAL-PRIVATE", "m365:team:payroll", None),
        ("REQ-INACTIVE", "m365:team:old-project", None),
    }


def test_findings_name_policy_file_line_and_evidence(env: dict[str, str]) -> None:
    findings = json.loads(run(env, "--format", "json").stdout)
    guest = next(f for f in findings if f["rule_id"] == "ACC-GUEST-CONFIDENTIAL")
    line = guest["source"]["line"]
    assert guest["source"]["file"] == "policy.csv"
    assert "ACC-GUEST-CONFIDENTIAL" in (POLICIES / "policy.csv").read_text().splitlines()[line - 1]
    assert guest["severity"] == "high"
    assert guest["evidence"]["class"] == "confidential"
    assert guest["evidence"]["principal_email"] == "gina@partner.com"
    assert "Guests hold no role in confidential communities" in guest["message"]
    ownerless = next(f for f in findings if f["rule_id"] == "REQ-OWNER")
    assert ownerless["evidence"]["owners"] == []
    assert "has no owner" in ownerless["message"]


def test_filters(env: dict[str, str]) -> None:
    only_rule = pairs(run(env, "--format", "json", "--rule", "REQ-OWNER"))
    assert only_rule == {("REQ-OWNER", "m365:team:hiking-club", None)}
    high = {r for r, _, _ in pairs(run(env, "--format", "json", "--severity", "high"))}
    assert high == {
        "ACC-GUEST-CONFIDENTIAL",
        "REQ-CONFIDENTIAL-GUESTS",
        "REQ-OWNER",
        "REQ-CONFIDENTIAL-PRIVATE",
    }
    one = pairs(run(env, "--format", "json", "--community", "m365/contoso/team/pay*"))
    assert {c for _, c, _ in one} == {"m365:team:payroll"}
    by_id = pairs(run(env, "--format", "json", "--community", "m365:team:hiking-club"))
    assert by_id == {("REQ-OWNER", "m365:team:hiking-club", None)}
    assert pairs(run(env, "--format", "json", "--connector", "m365")) == pairs(
        run(env, "--format", "json")
    )


def test_unknown_rule_filter_suggests(env: dict[str, str]) -> None:
    result = run(env, "--rule", "REQ-OWNR")
    assert result.exit_code == 1
    assert "did you mean 'REQ-OWNER'?" in result.output


def test_detailed_exitcode(env: dict[str, str]) -> None:
    assert run(env, "--detailed-exitcode").exit_code == 2
    clean = run(env, "--detailed-exitcode", "--community", "m365/contoso/team/data-guild")
    assert clean.exit_code == 0, clean.output
    assert run(env, "--community", "m365/contoso/team/hiking-club").exit_code == 0


def test_table_groups_by_severity_and_rule(env: dict[str, str]) -> None:
    out = run(env).stdout
    assert "7 finding(s)" in out
    assert out.index("ACC-GUEST-CONFIDENTIAL") < out.index("REQ-INACTIVE")
    assert "policy.csv:" in out


def test_markdown_csv_and_sarif(env: dict[str, str]) -> None:
    md = run(env, "--format", "markdown").stdout
    assert md.startswith("## govern audit: 7 finding(s)")
    assert "| high | `REQ-OWNER` | 1 |" in md
    csv = run(env, "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("severity,rule_id,community_id,path,principal_id,message")
    assert len(csv) == 8
    sarif = json.loads(run(env, "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == 7
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} == rules
    loc = results[0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("policy.csv")
    assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("m365:team:")
    fingerprints = {r["partialFingerprints"]["governFinding/v1"] for r in results}
    assert len(fingerprints) == 7


def test_adopted_community_needs_a_steward_resolved_from_the_directory(
    env: dict[str, str], policies_copy: Path
) -> None:
    (policies_copy / "lifecycle.yaml").write_text(
        "decisions:\n"
        "  - id: m365:team:data-guild\n    state: adopted\n"
        "  - id: m365:team:partner-fabrikam\n    state: adopted\n"
    )
    found = pairs(run(env, "--format", "json", policies=policies_copy))
    # data-guild is co-owned by alice, a member of the "IT Stewards" directory group.
    assert not any(c == "m365:team:data-guild" for _, c, _ in found)
    assert ("REQ-ADOPTED-STEWARD", "m365:team:partner-fabrikam", None) in found
    assert ("REQ-ADOPTED-OWNERS", "m365:team:partner-fabrikam", None) in found


def test_broken_policies_stop_before_the_store_and_change_nothing(
    env: dict[str, str], policies_copy: Path, store_url: str
) -> None:
    db = Path(store_url.removeprefix("sqlite:///"))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    text = (
        (policies_copy / "policy.csv")
        .read_text()
        .replace("guest, *, confidential,", "guest, *, confidental,")
    )
    (policies_copy / "policy.csv").write_text(text)
    result = run(env, policies=policies_copy)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1
    assert (
        "column 'cls': 'confidental' is not a class; did you mean 'confidential'?" in result.stderr
    )
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_empty_store_says_what_to_do(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    env = {"GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = run(env)
    assert result.exit_code == 1
    assert "empty.db does not exist" in result.stderr  # a mistyped URL creates no store
    assert "govern discover" in result.stderr
    assert not (tmp_path / "empty.db").exists()

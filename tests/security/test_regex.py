"""Policy regular expressions run on RE2: a backtracking pattern cannot hang audit, and
``policy validate`` reports what the engine refuses.

Each ReDoS pattern below takes minutes (or longer) with Python's ``re`` on the hostile name or
path; the timeout mark turns a regression into a failure instead of a hung CI job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.model import Community, Grant, Role
from govern.store import Store
from tests.policy.conftest import team, write_inventory

EVIL = "a" * 40 + "!"
NESTED = "(a+)+$"
ALTERNATION = "^m365/contoso/team/(a|aa)+$"


def _store(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    write_inventory(url)
    store = Store(url)
    hostile: Community = team(EVIL, EVIL)
    with store.snapshot("m365", "contoso", log=lambda m: None) as w:
        w.community(hostile)
        w.grant(Grant(community_id=hostile.id, principal_id="m365:user:bob", role=Role.MEMBER))
    store.dispose()
    return {"GOVERN_STORE_URL": url}


def _rule(policies: Path, condition: str) -> None:
    cls = policies / "classification.yaml"
    cls.write_text(
        cls.read_text() + f"  - id: CLS-HOSTILE\n    class: confidential\n    {condition}\n"
    )


def _audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, ["audit", "--policies", "policies"], env=_store(tmp_path))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pattern", [NESTED, "^(a|aa)+$", "(a|a?)+$", "^(a*)*$"])
def test_a_backtracking_name_regex_does_not_hang_audit(
    policy_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pattern: str
) -> None:
    _rule(policy_copy, f'name_regex: ["{pattern}"]')
    monkeypatch.chdir(policy_copy.parent)
    valid = CliRunner().invoke(cli, ["policy", "validate", "policies"])
    assert valid.exit_code == 0, valid.output
    result = _audit(policy_copy.parent, monkeypatch)
    assert result.exit_code in (0, 2), result.output  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
def test_an_alternation_in_regex_match_does_not_hang_audit(
    policy_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Paths as regular expressions instead of globs (a policy author may choose either).
    model = policy_copy / "model.conf"
    model.write_text(
        model.read_text().replace(
            "globMatch(r.obj.path, p.path)", "regexMatch(r.obj.path, p.path)", 1
        )
    )
    csv = policy_copy / "policy.csv"
    text = csv.read_text().replace("m365/*/team/partner-*", "^m365/[^/]+/team/partner-")
    csv.write_text(text + f"p, 5, ACC-HOSTILE, high, *, *, *, *, {ALTERNATION}, *, deny\n")
    monkeypatch.chdir(policy_copy.parent)
    valid = CliRunner().invoke(cli, ["policy", "validate", "policies"])
    assert valid.exit_code == 0, valid.output
    result = _audit(policy_copy.parent, monkeypatch)
    assert result.exit_code in (0, 2), result.output  # type: ignore[attr-defined]


def test_validate_reports_what_re2_refuses_in_regex_match(
    policy_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = policy_copy / "model.conf"
    model.write_text(
        model.read_text().replace(
            "globMatch(r.obj.path, p.path)", "regexMatch(r.obj.path, p.path)", 1
        )
    )
    csv = policy_copy / "policy.csv"
    text = csv.read_text().replace("m365/*/team/partner-*", "^m365/[^/]+/team/partner-")
    csv.write_text(text + "p, 5, ACC-HOSTILE, high, *, *, *, *, ^(a+)\\1$, *, deny\n")
    monkeypatch.chdir(policy_copy.parent)
    result = CliRunner().invoke(cli, ["policy", "validate", "policies"])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("policies/policy.csv:")
    assert "does not compile with RE2" in first


@pytest.mark.parametrize(
    ("condition", "pattern"),
    [("name_regex", r"^(?=(a+)+b)"), ("name_regex", r"(a+)\\1")],
)
def test_validate_reports_what_re2_refuses_in_classification(
    policy_copy: Path, monkeypatch: pytest.MonkeyPatch, condition: str, pattern: str
) -> None:
    _rule(policy_copy, f'{condition}: ["{pattern}"]')
    monkeypatch.chdir(policy_copy.parent)
    result = CliRunner().invoke(cli, ["policy", "validate", "policies"])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("policies/classification.yaml:")
    assert "does not compile with RE2" in first


def test_validate_reports_a_refused_pattern_written_in_the_matcher(
    policy_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = policy_copy / "model.conf"
    test = '(p.path == "*" || globMatch(r.obj.path, p.path))'
    model.write_text(
        model.read_text().replace(test, f'{test} && !regexMatch(r.obj.name, "^(?!x)")', 1)
    )
    monkeypatch.chdir(policy_copy.parent)
    result = CliRunner().invoke(cli, ["policy", "validate", "policies"])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("policies/model.conf:")
    assert "'^(?!x)' does not compile with RE2" in first

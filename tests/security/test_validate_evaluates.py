"""``policy validate`` refuses what ``audit`` would refuse: attribute reads on values in a
matcher, and ``eval()`` of policy text that is not a policy expression."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli


@pytest.fixture(autouse=True)
def _cwd(policy_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(policy_copy.parent)


def _edit_matcher(policies: Path, old: str, new: str) -> None:
    model = policies / "model.conf"
    text = model.read_text()
    assert old in text
    model.write_text(text.replace(old, new, 1))


def _validate() -> list[str]:
    result = CliRunner().invoke(cli, ["policy", "validate", "policies"])
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    return result.stdout.splitlines()


PATH_TEST = '(p.path == "*" || globMatch(r.obj.path, p.path))'


@pytest.mark.parametrize(
    ("extra", "attribute"),
    [
        ("p.path.__class__ != 1", ".__class__"),
        ('p.path.upper() == "X"', ".upper"),
        ('"x".join(r.obj.path) != ""', ".join"),
    ],
)
def test_attribute_reads_on_values_are_refused(
    policy_copy: Path, extra: str, attribute: str
) -> None:
    _edit_matcher(policy_copy, PATH_TEST, f"{PATH_TEST} && {extra}")
    first = _validate()[0]
    assert first.startswith("policies/model.conf:")
    assert f"'{attribute}' reads an attribute of a value" in first


def test_eval_of_text_that_is_no_policy_expression_is_refused(policy_copy: Path) -> None:
    # Requirement lines' param column ('-', '2') evaluated as rules: '-' is no expression.
    m2 = '(p2.path == "*" || globMatch(r2.obj.path, p2.path))'
    _edit_matcher(policy_copy, m2, f"{m2} && eval(p2.param)")
    lines = _validate()
    assert lines[0].startswith("policies/policy.csv:")
    assert "the param rule evaluated by eval() in matcher 'm2': invalid syntax" in lines[0]


def test_eval_of_a_rule_reading_a_missing_attribute_is_refused(policy_copy: Path) -> None:
    _edit_matcher(policy_copy, PATH_TEST, f"{PATH_TEST} && eval(p.severity)")
    csv = policy_copy / "policy.csv"
    csv.write_text(csv.read_text().replace("ACC-STEWARD, -,", "ACC-STEWARD, r.obj.__dict__,"))
    lines = _validate()
    assert any(
        line.startswith("policies/policy.csv:") and "has no attribute '__dict__'" in line
        for line in lines
    ), lines


def test_eval_of_something_other_than_a_column_is_refused(policy_copy: Path) -> None:
    _edit_matcher(policy_copy, PATH_TEST, f'{PATH_TEST} && eval("1 == 1")')
    assert "eval() takes one policy column" in _validate()[0]

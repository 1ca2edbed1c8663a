"""Policy files from a pull request: links, YAML bombs and oversized input are refused while
reading, each with one ``file:line:col`` line and no traceback, before any schema check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli

BILLION_LAUGHS = """\
classes: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
# Few aliases, each doubling: under the alias cap, yet 2**40 values once expanded.
DOUBLING = "a0: &a0 [x, x]\n" + "".join(
    f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 41)
)


def _validate(policies: Path, *extra: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, ["policy", "validate", str(policies), *extra])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.splitlines(), result.stderr


@pytest.fixture(autouse=True)
def _cwd(policy_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(policy_copy.parent)


def test_a_symlinked_policy_file_is_refused_and_its_target_never_quoted(
    policy_copy: Path,
) -> None:
    secret = policy_copy.parent / "gitconfig"
    secret.write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0OnRva2Vu\n")
    (policy_copy / "policy.csv").unlink()
    (policy_copy / "policy.csv").symlink_to("../gitconfig")
    code, out, _ = _validate(Path("policies"), "--format", "sarif")
    assert code == 1
    sarif = "\n".join(out)
    assert "c2VjcmV0OnRva2Vu" not in sarif and "extraheader" not in sarif
    messages = [r["message"]["text"] for r in json.loads(sarif)["runs"][0]["results"]]
    assert any("symbolic link" in m for m in messages)
    code, out, _ = _validate(Path("policies"))
    assert out[0].startswith("policies/policy.csv:1:1: is a symbolic link")


def test_a_symlinked_test_file_is_refused(policy_copy: Path) -> None:
    (policy_copy.parent / "elsewhere.yaml").write_text("tests: []\n")
    (policy_copy / "tests" / "linked.yaml").symlink_to("../../elsewhere.yaml")
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0].startswith("policies/tests/linked.yaml:1:1: is a symbolic link")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("bomb", [BILLION_LAUGHS, DOUBLING], ids=["laughs", "doubling"])
def test_a_yaml_alias_bomb_is_refused_while_loading(policy_copy: Path, bomb: str) -> None:
    (policy_copy / "classification.yaml").write_text(bomb)
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0].startswith("policies/classification.yaml:")
    assert "YAML refused:" in out[0]
    assert len(out[0].split(":")) >= 4  # file:line:col: message


def test_a_self_referencing_alias_is_one_line(policy_copy: Path) -> None:
    (policy_copy / "thresholds.yaml").write_text("loop: &x [1, *x]\n")
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0] == "policies/thresholds.yaml:1:7: YAML refused: an alias refers to its own value"


def test_5000_deep_yaml_is_one_line(policy_copy: Path) -> None:
    (policy_copy / "groups.yaml").write_text("groups:\n" + "  [\n" * 5000 + "  ]\n" * 5000)
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0].startswith("policies/groups.yaml:65:3:")
    assert "nested deeper than 64 levels" in out[0]


def test_a_python_name_tag_is_one_line(policy_copy: Path) -> None:
    (policy_copy / "lifecycle.yaml").write_text("decisions: !!python/name:os.system\n")
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0].startswith("policies/lifecycle.yaml:1:12: YAML syntax:")
    assert "python/name" in out[0]


@pytest.mark.timeout(30)
def test_a_5_mb_policy_line_is_refused(policy_copy: Path) -> None:
    csv = policy_copy / "policy.csv"
    csv.write_text(
        csv.read_text() + "p, 5, ACC-BIG, -, *, *, *, *, " + "a" * 5_000_000 + ", *, deny\n"
    )
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0].startswith("policies/policy.csv:") and "is 5,000,000 bytes" not in out[0]
    assert "capped" in out[0]


def test_a_long_line_in_a_small_file_is_refused(policy_copy: Path) -> None:
    csv = policy_copy / "policy.csv"
    lines = csv.read_text().count("\n")
    csv.write_text(
        csv.read_text() + "p, 5, ACC-BIG, -, *, *, *, *, " + "a" * 20_000 + ", *, deny\n"
    )
    code, out, _ = _validate(Path("policies"))
    assert code == 1
    assert out[0].startswith(f"policies/policy.csv:{lines + 1}:10001: line is 20,0")

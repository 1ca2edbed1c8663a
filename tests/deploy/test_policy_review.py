"""The policy-review CI workflow and the pre-commit hooks: they parse and run real commands."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import yaml

from govern.cli import cli
from tests.deploy.test_recipes import DEPLOY, accepted

ROOT = DEPLOY.parent


def parses(args: list[str]) -> click.Context:
    """Resolve the subcommands and parse the options as the CLI would (nothing runs)."""
    ctx = cli.make_context("govern", [], resilient_parsing=True)
    cmd: click.Command = cli
    while isinstance(cmd, click.Group):
        name, args = args[0], args[1:]
        found = cmd.get_command(ctx, name)
        assert found is not None, name
        cmd = found
    # make_context validates choices, types and required options (click exits on a bad one).
    return cmd.make_context(cmd.name or "", list(args))


def govern_lines(script: str) -> list[list[str]]:
    """Each `govern ...` command of a shell script, as words up to a redirection."""
    out = []
    for line in script.splitlines():
        if not line.strip().startswith("govern "):
            continue
        words = shlex.split(line.replace('"$BASE"', "origin/main"))[1:]
        out.append(words[: words.index(">")] if ">" in words else words)
    return out


def test_workflow_runs_validate_test_impact_and_comments() -> None:
    flow = yaml.safe_load((DEPLOY / "ci" / "policy-review.yml").read_text())
    assert flow[True]["pull_request"]["paths"] == ["policies/**"]  # `on:` parses as True
    steps = flow["jobs"]["review"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the base revision must be in the clone
    commands = [c for s in steps if "run" in s for c in govern_lines(s["run"])]
    names = [" ".join(c[:2]) for c in commands]
    for wanted in ("policy validate", "policy test", "policy impact", "inventory import"):
        assert wanted in names, names
    for args in commands:
        accepted(args)
        parses(args)
    impact = [c for c in commands if c[:2] == ["policy", "impact"]]
    assert {c[c.index("--format") + 1] for c in impact} == {"markdown", "sarif", "json"}
    comment = next(s["run"] for s in steps if s.get("name") == "Comment on the pull request")
    assert "<!-- govern-policy-impact -->" in comment  # the marker render_markdown writes
    from govern.policy.impact.markdown import MARKER

    assert MARKER == "<!-- govern-policy-impact -->"


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["govern-policy-validate", "govern-policy-test"]
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        args = [*shlex.split(hook["entry"])[1:], *hook["args"]]
        accepted(args)
        parses(args)


def test_bad_options_do_not_parse() -> None:
    # The check above can fail: a wrong choice or a missing --base is refused.
    import pytest

    with pytest.raises(click.exceptions.BadParameter):
        parses(["policy", "impact", "--base", "x", "--format", "html"])
    with pytest.raises(click.exceptions.MissingParameter):
        parses(["policy", "impact"])


def test_readme_documents_the_integration() -> None:
    readme = (ROOT / "README.md").read_text()
    for needle in ("govern policy impact", "deploy/ci/policy-review.yml", ".pre-commit-hooks.yaml",
                   "govern inventory export"):  # fmt: skip
        assert needle in readme, needle
    assert Path(DEPLOY / "ci" / "policy-review.yml").exists()

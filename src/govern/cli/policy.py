"""``govern policy``: validate and test the policy repository (for people and for CI)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from govern.cli.app import App
from govern.errors import ExitStatus

DIRECTORY = click.argument("directory", required=False, type=click.Path(path_type=Path))


def _root(app: App, directory: Path | None) -> Path:
    return directory if directory is not None else app.settings.values.policies_dir


@click.group()
def policy() -> None:
    """Validate and test the policy repository."""


@policy.command()
@DIRECTORY
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", help="Output."
)
@click.pass_obj
def validate(app: App, directory: Path | None, fmt: str) -> int:
    """Check model, rules and YAML; every problem as file:line:col with the fix."""
    from govern.policy.diagnostics import errors
    from govern.policy.sarif import diagnostics_sarif
    from govern.policy.validate import validate as run

    root = _root(app, directory)
    result = run(root)
    found = result.diagnostics
    if fmt == "sarif":
        click.echo(diagnostics_sarif(found), nl=False)
    elif fmt == "json":
        rows = [
            {
                "file": str(d.file),
                "line": d.line,
                "col": d.col,
                "level": d.level,
                "code": d.code,
                "message": d.message,
            }
            for d in found
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for d in found:
            click.echo(f"{d.render()}" + (" (warning)" if d.level == "warning" else ""))
    n_err = len(errors(found))
    if n_err:
        click.echo(f"{root}: {n_err} error(s), {len(found) - n_err} warning(s)", err=True)
        return int(ExitStatus.ERROR)
    rules = len(result.policies.rules) if result.policies else 0
    click.echo(f"{root}: valid ({rules} rules, {len(found)} warning(s))", err=True)
    return int(ExitStatus.OK)


@policy.command("test")
@DIRECTORY
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--strict", is_flag=True, help="Fail when a rule is reached by no test.")
@click.option("-v", "--verbose", is_flag=True, help="List passing tests too.")
@click.pass_obj
def test_(app: App, directory: Path | None, fmt: str, strict: bool, verbose: bool) -> int:
    """Run the policy tests (tests/*.yaml) and report rules no test reaches."""
    from govern.policy.diagnostics import display_path, errors
    from govern.policy.repo import read_repo
    from govern.policy.testing import run_tests
    from govern.policy.validate import validate as run

    root = _root(app, directory)
    result = run(root)
    if errors(result.diagnostics) or result.policies is None:
        for d in errors(result.diagnostics):
            click.echo(d.render(), err=True)
        click.echo(f"{root}: fix the errors above first (`govern policy validate`)", err=True)
        return int(ExitStatus.ERROR)
    policies = result.policies
    report = run_tests(policies, read_repo(root).tests)
    unreached = [(rid, policies.source(rid)) for rid in report.unreached]
    if fmt == "json":
        data = {
            "tests": [
                {
                    "name": o.name,
                    "file": str(o.pos.file),
                    "line": o.pos.line,
                    "passed": o.passed,
                    "failures": o.failures,
                }
                for o in report.outcomes
            ],
            "unreached_rules": [
                {"rule": rid, "file": s.file if s else None, "line": s.line if s else None}
                for rid, s in unreached
            ],
        }
        click.echo(json.dumps(data, indent=2))
    else:
        for o in report.outcomes:
            where = f"{display_path(o.pos.file)}:{o.pos.line}:{o.pos.col}"
            for failure in o.failures:
                click.echo(f"FAIL {where}: test '{o.name}': {failure}")
            if o.passed and verbose:
                click.echo(f"PASS {where}: {o.name}")
        for rid, s in unreached:
            at = f"{display_path(root / s.file)}:{s.line}: " if s else ""
            click.echo(f"{at}rule {rid} is reached by no test; add one to tests/")
    failed = len(report.failed)
    click.echo(
        f"{len(report.outcomes)} test(s), {failed} failed; "
        f"{len(unreached)} rule(s) reached by no test",
        err=True,
    )
    if failed or (strict and unreached):
        return int(ExitStatus.ERROR)
    return int(ExitStatus.OK)

"""``govern policy``: validate and test the policy repository (for people and for CI)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from govern.cli.app import App
from govern.cli.options import format_option, policies_option
from govern.errors import ExitStatus

DIRECTORY = click.argument("directory", required=False, type=click.Path(path_type=Path))


def _root(app: App, directory: Path | None) -> Path:
    return directory if directory is not None else app.settings.values.policies_dir


@click.group()
def policy() -> None:
    """Validate and test the policy repository, and review the impact of a change."""


@policy.command()
@DIRECTORY
@format_option("table", "json", "sarif", help="Output.")
@click.option("--tenant", help="Validate the base policies with this fleet tenant's overlay.")
@click.option("--fleet", "fleet_file", type=click.Path(path_type=Path), envvar="GOVERN_FLEET")
@click.pass_obj
def validate(
    app: App, directory: Path | None, fmt: str | None, tenant: str | None, fleet_file: Path | None
) -> int:
    """Check model, rules and YAML; every problem as file:line:col with the fix."""
    from govern.policy.diagnostics import errors
    from govern.policy.sarif import diagnostics_sarif
    from govern.policy.validate import validate as run

    if tenant:  # fleets: base + the tenant's overlay, problems named in the file they are in
        from govern.cli.fleet import tenant_policies

        result, found, root = tenant_policies(app, fleet_file, tenant, directory)
    else:
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
@format_option("table", "json")
@click.option("--strict", is_flag=True, help="Fail when a rule is reached by no test.")
@click.option("-v", "--verbose", is_flag=True, help="List passing tests too.")
@click.option("--tenant", help="Test the base policies with this fleet tenant's overlay.")
@click.option("--fleet", "fleet_file", type=click.Path(path_type=Path), envvar="GOVERN_FLEET")
@click.pass_obj
def test_(
    app: App,
    directory: Path | None,
    fmt: str | None,
    strict: bool,
    verbose: bool,
    tenant: str | None,
    fleet_file: Path | None,
) -> int:
    """Run the policy tests (tests/*.yaml) and report rules no test reaches."""
    from govern.policy.diagnostics import display_path, errors
    from govern.policy.repo import read_repo
    from govern.policy.testing import run_tests
    from govern.policy.validate import validate as run

    if tenant:  # fleets: the base and overlay tests on the layered copy of the policies
        from govern.cli.fleet import layered_copy

        root = layered_copy(app, fleet_file, tenant, directory)
    else:
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
                {"rule_id": rid, "file": s.file if s else None, "line": s.line if s else None}
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


@policy.command()
@click.option("--base", required=True, help="Git revision to compare against (e.g. origin/main).")
@click.option("--head", default=None, help="Git revision with the change (default: working tree).")
@policies_option("Policy directory inside the git repository (default: the policies_dir setting).")
@click.option("--connector", help="Only this connector's inventory.")
@format_option(
    "markdown",
    "json",
    "sarif",
    "table",
    help="Output (default: table). JSON and SARIF always hold every item.",
)
@click.option(
    "--max-items",
    default=50,
    show_default=True,
    type=click.IntRange(min=0),
    help="Items listed per kind of change (markdown, table; 0: none in markdown, all in table).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when anything would change (0 no impact, 1 error).",
)
@click.pass_obj
def impact(
    app: App,
    base: str,
    head: str | None,
    policies_dir: Path | None,
    connector: str | None,
    fmt: str | None,
    max_items: int,
    detailed_exitcode: bool,
) -> int:
    """What a policy change would do to the latest inventory: grants, requirements, lifecycle.

    Reads the policies at --base and --head from git without touching the working tree,
    evaluates both against the same inventory and reports what differs.
    """
    from operator import itemgetter

    from govern.policy.impact.compare import compare
    from govern.policy.impact.markdown import headline, render_markdown, render_table
    from govern.policy.impact.revisions import at_revision
    from govern.policy.impact.sarif import impact_sarif
    from govern.policy.inventory import Inventory
    from govern.store import queries

    root = policies_dir or app.settings.values.policies_dir
    # Both revisions load before the store opens: a broken policy is reported first, alone.
    with at_revision(root, base) as old, at_revision(root, head) as new:
        store = app.inventory_store
        inventory = Inventory.from_store(store, connector)
        triples = itemgetter(0, 1, 2)
        found = compare(
            old,
            new,
            inventory,
            grants=lambda: map(triples, queries.grant_rows(store, connector=connector)),
        )
    chosen = fmt or "table"
    if chosen == "json":
        click.echo(json.dumps(found.as_json(), indent=2))
    elif chosen == "sarif":
        click.echo(impact_sarif(found), nl=False)
    elif chosen == "markdown":
        click.echo(render_markdown(found, max_items=max_items), nl=False)
    else:
        click.echo(render_table(found, max_items=max_items), nl=False)
    for warning in found.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{found.base.short} -> {found.head.short}: {headline(found)}", err=True)
    if detailed_exitcode and not found.empty:
        return int(ExitStatus.CHANGES)
    return int(ExitStatus.OK)

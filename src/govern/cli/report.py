"""``govern report viral``: the shadow-IT report on the current inventory."""

from __future__ import annotations

from pathlib import Path

import click

from govern.cli.app import App
from govern.cli.champions import champions
from govern.cli.formats import OUTPUT, emit
from govern.cli.options import REPORT_FORMATS, THRESHOLDS_POLICIES, format_option, limit_option

FORMATS = REPORT_FORMATS


@click.group()
def report() -> None:
    """Reports on the inventory."""


@report.command("viral")
@format_option(*FORMATS, help="Output format.")
@OUTPUT
@limit_option(50, "Communities shown in table, markdown and html (0: all; json and csv list all).")
@THRESHOLDS_POLICIES
@click.option(
    "--propose",
    is_flag=True,
    help="Append the lifecycle decisions to the policies' lifecycle.yaml (review them in a pull "
    "request) and write the implied changes as a plan draft.",
)
@click.option(
    "--plan-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("viral-plan.json"),
    show_default=True,
    help="Where --propose writes the plan draft.",
)
@click.pass_obj
def viral(
    app: App,
    fmt: str | None,
    output: Path | None,
    limit: int,
    policies_dir: Path | None,
    propose: bool,
    plan_out: Path,
) -> None:
    """Grassroots networks that went viral, why, and adopt / migrate / monitor / archive.

    Each community is measured on reach, growth, breadth across departments, engagement,
    organic versus broadcast spread and exposure, each with its percentile in the organisation.
    """
    from govern.cli.champions import namer as champions_namer
    from govern.virality.build import build_report
    from govern.virality.formats import chunks

    policies = policies_dir or app.settings.values.policies_dir
    from govern.progress import Progress

    store = app.inventory_store
    with Progress() as progress:
        progress.phase("measuring the communities for the shadow-IT report")
        rep = build_report(store, policies_dir=policies, namer=champions_namer(app))
    text = chunks(rep, app.format(fmt), limit=limit or None)  # JSON: one entry at a time
    if emit(text, output):  # 0600: names and reach of people's communities
        click.echo(f"wrote {output} ({len(rep.entries)} communities)", err=True)
    if propose:
        from govern.model import Change, split_id
        from govern.virality.propose import propose as write_proposal

        def refuses(change: Change) -> str | None:
            cls = app.registry.connectors.get(split_id(change.community_id)[0])
            return cls.refuses(change) if cls else "its connector is not installed"

        done = write_proposal(rep, app.inventory_store, policies, plan_out, refuses)
        click.echo(
            f"proposed {len(done.decisions)} lifecycle decisions in {done.lifecycle_file} "
            f"(review with `git diff`, merge in a pull request); plan with {done.changes} "
            f"changes in {done.plan_file} (`govern apply {done.plan_file}` once merged)",
            err=True,
        )
        for line in done.left_out:
            click.echo(f"not in the plan: {line}", err=True)


# The fleet roll-up lives in its own module; registered here so it is `govern report fleet`.
from govern.cli.fleet_report import fleet_report  # noqa: E402

report.add_command(fleet_report)
report.add_command(champions)  # govern report champions (src/govern/cli/champions.py)

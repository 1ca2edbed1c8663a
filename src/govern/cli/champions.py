"""``govern report champions``: who carried the grassroots networks; rollouts that went quiet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from govern.cli.app import App
from govern.cli.formats import OUTPUT, emit
from govern.cli.options import REPORT_FORMATS, THRESHOLDS_POLICIES, format_option, limit_option

if TYPE_CHECKING:
    from govern.privacy.pseudonyms import Namer

FORMATS = REPORT_FORMATS


def namer(app: App) -> Namer:
    """The namer for the ``[report]`` settings (pseudonyms unless name_people is true)."""
    from govern.privacy.pseudonyms import namer as make

    values = app.settings.values
    return make(values.report.name_people, values.report.pseudonym_key_file, values.store_dir)


@click.command("champions")
@format_option(*FORMATS, help="Output format.")
@OUTPUT
@limit_option(25, "Champions shown in table, markdown and html (0: all; json and csv list all).")
@THRESHOLDS_POLICIES
@click.pass_obj
def champions(
    app: App, fmt: str | None, output: Path | None, limit: int, policies_dir: Path | None
) -> None:
    """The people who carried the grassroots networks, and IT rollouts that went quiet.

    Champions: who added others one by one (and how many still post), who posts most, who
    links departments, who started a network that went viral or IT adopted. Rollout health:
    communities IT provisioned or bulk-filled, compared with grassroots ones of the same size.
    People are keyed pseudonyms unless [report] name_people = true.
    """
    from govern.virality.build import build_report
    from govern.virality.people_render import render

    policies = policies_dir or app.settings.values.policies_dir
    rep = build_report(app.inventory_store, policies_dir=policies, curves=0, namer=namer(app))
    section = rep.champions
    assert section is not None  # build_report always adds it
    text = render(section, app.format(fmt), limit=limit or None)
    if emit(text, output):
        click.echo(
            f"wrote {output} ({len(section.champions)} champions, "
            f"{sum(r.went_quiet for r in section.rollouts)} rollouts went quiet)",
            err=True,
        )

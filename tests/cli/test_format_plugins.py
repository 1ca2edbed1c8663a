"""Report formats are plugins: each CLI's --format choices are exactly the registered formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.cli import audit as audit_cli
from govern.cli import champions as champions_cli
from govern.cli import report as report_cli
from govern.policy import report as findings_report
from govern.virality import formats as viral_formats


def test_cli_choices_are_the_registered_formats() -> None:
    assert set(report_cli.FORMATS) == set(viral_formats.FORMATS)
    assert set(champions_cli.FORMATS) == set(viral_formats.FORMATS)
    assert set(audit_cli.FORMATS) == set(findings_report.FORMATS)


def test_each_format_is_registered_under_its_own_name() -> None:
    for name, fmt in viral_formats.FORMATS.items():
        assert fmt.name == name
    for name, ffmt in findings_report.FORMATS.items():
        assert ffmt.name == name


def test_an_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'yaml' is not one of table, json, csv, markdown, sarif"):
        findings_report.render_findings([], "yaml", policies_root=Path("."), descriptions={})


def test_shared_options_spell_format_limit_and_policies_alike() -> None:
    from govern.cli import champions, report

    for cmd in (report.report.commands["viral"], champions.champions):
        params = {p.name: p for p in cmd.params}
        assert params["fmt"].opts == ["--format"]
        assert params["limit"].opts == ["--limit"]
        assert params["policies_dir"].opts == ["--policies"]

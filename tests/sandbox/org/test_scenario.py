from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.sandbox import Organisation, ScenarioError, advance_org, load_scenario
from govern.sandbox.changelog import Op

from .conftest import EXAMPLE

MINIMAL = """\
organisation:
  name: Tiny
  today: 2025-03-03
  departments: [Sales, IT]
people:
  - {id: ann, name: Ann A, department: Sales}
  - {id: ben, name: Ben B, department: IT}
communities:
  - id: club
    kind: team
    name: Club
    created_by: ann
    members: [ben]
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_example_scenario_builds_its_stories(example: Organisation) -> None:
    ai = example.groups[example.story("viral-ai-builders").index]
    assert ai.name == "AI Builders" and len(ai.members) == 5
    frank = example.aliases["frank"][1]
    bob = example.aliases["bob"][1]
    assert ai.members.added_by[list(ai.members.ids).index(bob)] == frank  # peer-added
    assert example.today_iso() == "2025-03-03"
    space = example.spaces[example.story("personal-space-team-wiki").index]
    assert space.personal and space.key == "~alice"


def test_example_events_happen_on_their_day(example: Organisation) -> None:
    ai = example.story("viral-ai-builders").index
    hana_exists = "hana" in example.aliases
    advance_org(example, 3)
    assert not hana_exists and "hana" in example.aliases
    advance_org(example, 40)
    assert example.aliases["hana"][1] in example.groups[ai].members
    dan = example.aliases["dan"][1]
    assert not example.people[dan].alive  # left on day 7, deleted 30 days later
    ops = [c.op for c in example.log.since(0)]
    assert Op.USER_ADDED in ops and Op.USER_REMOVED in ops and Op.CONSENT_ADDED in ops
    assert not example.background


def test_json_scenarios_work_too(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(MINIMAL)
    data["organisation"]["today"] = "2025-03-03"
    org = load_scenario(write(tmp_path, json.dumps(data, indent=1), "s.json"))
    assert org.groups[org.aliases["club"][1]].name == "Club"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("members: [ben]", "members: [zed]"),
         r"s\.yaml:13:15: communities\[0\]\.members\[0\]: 'zed' is not a person"),
        (("department: IT}", "department: Legal}"),
         r"s\.yaml:7:40: people\[1\]\.department: 'Legal' is not a declared department"),
        (("kind: team", "kind: wiki"),
         r"s\.yaml:10:11: communities\[0\]\.kind: 'wiki' is not one of"),
        (("today: 2025-03-03", "today: March 3rd"),
         r"s\.yaml:3:10: organisation\.today: 'March 3rd' does not match"),
        (("    name: Club\n", ""), r"s\.yaml:9:5: communities\[0\]: 'name' is a required property"),
        (("id: ben", "id: ann"), r"s\.yaml:7:10: people\[1\]\.id: id 'ann' is defined twice"),
        (("members: [ben]", "members: [ben"), r"s\.yaml:\d+:\d+: not valid YAML"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_column(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = MINIMAL.replace(*change)
    assert text != MINIMAL
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(write(tmp_path, text))


def test_all_errors_are_reported_in_line_order(tmp_path: Path) -> None:
    text = MINIMAL.replace("department: IT}", "department: Ops}").replace("[ben]", "[zed]")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and ":7:" in lines[0] and ":13:" in lines[1]


def test_event_references_must_exist_before_use(tmp_path: Path) -> None:
    text = MINIMAL + (
        "events:\n"
        "  - {day: 2, action: add_member, community: club, person: cat}\n"
        "  - {day: 5, action: hire, person: {id: cat, name: Cat C, department: Sales}}\n"
    )
    with pytest.raises(ScenarioError, match=r":15:\d+: events\[0\]\.person: 'cat' is not a person"):
        load_scenario(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "nope.yaml")


def test_shipped_example_is_valid() -> None:
    assert load_scenario(EXAMPLE).summary()["people"] == 6

"""Scenario fields a real story needs: activity level and the app IT provisioned a community
with (whose adds the directory audit log then names), with errors that stay file:line."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from govern.sandbox import ScenarioError, load_scenario
from govern.sandbox.entities import ADDED_BY_SYSTEM, Origin
from govern.sandbox.graph import GraphServer, GraphSettings, Limits

TEXT = """\
organisation:
  name: Firm
  today: 2025-03-03
  departments: [Sales, IT]
people:
  - {id: ann, name: Ann A, department: Sales}
  - {id: ben, name: Ben B, department: IT, it_staff: true}
  - {id: cat, name: Cat C, department: Sales}
directory_groups:
  - id: legal-ops
    name: Legal Ops
    members: [ann, {person: cat, joined: 2025-01-10, added_by: ann}]
apps:
  - {id: provisioner, name: Contoso Provisioning, publisher: Contoso}
communities:
  - id: kickoff
    kind: team
    name: Kickoff
    created: 2025-02-20
    owners: [ben]
    provisioned_by: provisioner
    activity: {level: 0.05, active_share: 0.1}
    members:
      - {person: ann, joined: 2025-02-20T09:00Z, added_by: system}
      - {person: cat, joined: 2025-02-21T10:00Z, added_by: ann}
"""


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "firm.yaml"
    path.write_text(text)
    return load_scenario(path)


def test_activity_level_and_provisioning_app(tmp_path: Path) -> None:
    org = _load(tmp_path, TEXT)
    g = org.groups[org.aliases["kickoff"][1]]  # type: ignore[attr-defined]
    assert (g.level, g.active_share) == (0.05, 0.1)
    assert g.origin == Origin.IT_PROVISIONED
    assert org.apps[g.created_by_app].name == "Contoso Provisioning"  # type: ignore[attr-defined]
    assert ADDED_BY_SYSTEM in list(g.members.added_by)
    limits = Limits(resource_units=None, writes=None, reports=None, team_rps=None, audit=None)
    with (
        GraphServer(org, GraphSettings(limits=limits)) as server,  # type: ignore[arg-type]
        httpx.Client(base_url=server.url, headers={"Authorization": "Bearer t"}) as c,
    ):
        events = c.get("/auditLogs/directoryAudits").json()["value"]
    by_member = {e["targetResources"][0]["userPrincipalName"].split("@")[0]: e for e in events
                 if e["activityDisplayName"] == "Add member to group"}  # fmt: skip
    ann = next(e for k, e in by_member.items() if k.startswith("ann"))
    cat = next(e for k, e in by_member.items() if k.startswith("cat"))
    assert ann["initiatedBy"]["user"] is None
    assert ann["initiatedBy"]["app"]["displayName"] == "Contoso Provisioning"
    assert cat["initiatedBy"]["app"] is None and cat["initiatedBy"]["user"]["id"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("provisioned_by: provisioner", "provisioned_by: nobody"),
         r"firm\.yaml:21:21: communities\[0\]\.provisioned_by: 'nobody' is not a app"),
        (("members: [ann, {person: cat", "members: [zed, {person: cat"),
         r"firm\.yaml:12:15: directory_groups\[0\]\.members\[0\]: 'zed' is not a person"),
        (("level: 0.05", "level: 5"),
         r"firm\.yaml:22:23: communities\[0\]\.activity\.level: 5 is greater than"),
    ],
)  # fmt: skip
def test_errors_stay_file_line(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = TEXT.replace(*change)
    assert text != TEXT
    with pytest.raises(ScenarioError, match=expected):
        _load(tmp_path, text)


def test_directory_groups_are_security_groups_with_members(tmp_path: Path) -> None:
    org = _load(tmp_path, TEXT)
    g = org.groups[org.aliases["legal-ops"][1]]  # type: ignore[attr-defined]
    assert not g.is_community and g.name == "Legal Ops"
    names = {org.people[p].given for p in g.members.ids}  # type: ignore[attr-defined]
    assert names == {"Ann", "Cat"}
    limits = Limits(resource_units=None, writes=None, reports=None, team_rps=None, audit=None)
    with (
        GraphServer(org, GraphSettings(limits=limits)) as server,  # type: ignore[arg-type]
        httpx.Client(base_url=server.url, headers={"Authorization": "Bearer t"}) as c,
    ):
        gid = org.group_id(g.idx)  # type: ignore[attr-defined]
        got = c.get(f"/groups/{gid}").json()
        members = c.get(f"/groups/{gid}/members").json()["value"]
    assert got["displayName"] == "Legal Ops" and got["securityEnabled"] is True
    assert len(members) == 2

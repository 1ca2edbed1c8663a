"""``govern report viral --propose`` end to end: the plan it writes is one ``govern apply`` takes.

Through the CLI in-process, against the sandbox's Graph server over real HTTP: discover, move a
month on, discover, propose, apply the proposed plan, discover again. The adopted communities
then have their IT steward (from the directory group the policies name) among their owners, and
the report no longer lists what was decided.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from govern.cli import cli
from govern.model import ChangeAction, Role
from govern.plan import planfile
from govern.store import Store
from govern.store import queries as q

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = {"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]}


def firm_policies(tmp: Path) -> Path:
    """The default policies, with the steward pool set to the simulated firm's IT group."""
    dest = Path(shutil.copytree(ROOT / "policies", tmp / "policies"))
    groups = dest / "groups.yaml"
    groups.write_text(groups.read_text().replace("IT Stewards", "IT Staff"))
    return dest


@pytest.mark.timeout(600)
@pytest.mark.sandbox(size="tiny", seed=0, servers=("graph",))
def test_proposed_adoptions_apply_and_rediscover(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k in list(os.environ):
        if k.startswith("GOVERN_"):
            monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    policies = firm_policies(tmp_path)
    env = {
        **sandbox.env(),
        "GOVERN_M365__ORIGIN": json.dumps(ORIGIN),
        "GOVERN_POLICIES_DIR": str(policies),
        "GOVERN_STORE_URL": url,
    }
    runner = CliRunner()

    def govern(*args: str, ok: tuple[int, ...] = (0,)) -> Result:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code in ok, (args, result.output[-6000:])
        return result

    govern("discover")
    sandbox.advance(30)
    govern("discover")
    proposed = govern("report", "viral", "--format", "json", "--propose", "--plan-out", "v.json")
    report = json.loads(proposed.stdout)
    adopted = [e for e in report["entries"] if e["recommendation"] == "adopt"]
    assert {e["name"] for e in adopted} >= {"AI Builders", "Python Guild"}
    lifecycle = (policies / "lifecycle.yaml").read_text()
    for e in adopted:  # each decision says what it is, for the reviewer
        assert f'  # {e["path"]}: {e["name"]}\n  - id: "{e["id"]}"' in lifecycle

    plan = planfile.read(tmp_path / "v.json")  # sealed: `govern apply` reads it the same way
    stewards = {
        c.community_id: c.principal_id
        for c in plan.changes
        if c.action is ChangeAction.ADD_GRANT and c.rule_id == "REQ-ADOPTED-STEWARD"
    }
    assert {e["id"] for e in adopted} <= set(stewards), "every adoption names a steward"
    # A label is not something the m365 connector can set: left to a person, said so.
    assert not [c for c in plan.changes if c.action is ChangeAction.SET_LABEL]

    applied = govern("apply", "v.json", "--auto-approve", "--max-changes", "1000")
    assert f"{len(plan.changes)} of {len(plan.changes)} changes done" in applied.output
    govern("discover")

    store = Store(url)
    owners = {(g.community_id, g.principal_id) for g in q.grants(store) if g.role is Role.OWNER}
    assert set(stewards.items()) <= owners
    store.dispose()
    again = json.loads(govern("report", "viral", "--format", "json").stdout)
    assert not {e["id"] for e in adopted} & {e["id"] for e in again["entries"]}

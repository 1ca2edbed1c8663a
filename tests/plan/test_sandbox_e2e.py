"""End to end against the sandbox over real HTTP: discover, audit, plan, apply, discover, audit.

The M365 connector talks to the sandbox's Graph server through msgraph-sdk; the CLI runs
in-process with the installed connectors. The policies are the default set with two local
choices a company would make for this tenant: IT stewards (and cleared staff) are the IT
department, since the sandbox's directory groups are not discovered; and OAuth apps, which
and SharePoint sites, which Graph's group API cannot give owners, are exempt from the owner
requirement.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from govern.cli import cli
from govern.model import ChangeAction, JournalPhase, Role, Visibility
from govern.plan import planfile
from govern.plan.journal import Journal
from govern.store import Store
from govern.store import queries as q

ROOT = Path(__file__).resolve().parents[2]
APP_EXEMPTION = (
    "\n# OAuth apps and SharePoint sites are not groups: the group API cannot give them owners.\n"
    "p2, 5, REQ-APP-OWNER-EXEMPT, -, *, *, m365/*/app/*, min_owners, -, deny\n"
    "p2, 5, REQ-SITE-OWNER-EXEMPT, -, *, *, m365/*/site/*, min_owners, -, deny\n"
)


def policies(tmp: Path) -> Path:
    dest = tmp / "policies"
    shutil.copytree(ROOT / "policies", dest)
    groups = dest / "groups.yaml"
    text = groups.read_text()
    for name in ("IT Stewards", "Security Cleared"):
        text = text.replace(f"- directory_group: {name}", "- department: IT")
    groups.write_text(text)
    with (dest / "policy.csv").open("a") as fh:
        fh.write(APP_EXEMPTION)
    return dest


class Govern:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: tuple[int, ...] = (0,)) -> Result:
        result = self.runner.invoke(cli, list(args), env=self.env, catch_exceptions=False)
        assert result.exit_code in ok, (args, result.stderr)
        return result

    def findings(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self("audit", "--format", "json").stdout)
        return data


def key(f: dict[str, Any]) -> tuple[str, str, str | None]:
    return (f["rule_id"], f["community_id"], f.get("principal_id"))


@pytest.mark.timeout(600)
@pytest.mark.sandbox(size="tiny", seed=0, servers=("graph",))
def test_audit_plan_apply_fixes_the_problems_in_the_sandbox(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    for k in list(os.environ):
        if k.startswith("GOVERN_"):
            monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    env = {
        **sandbox.env(),
        "GOVERN_M365__ORIGIN": json.dumps({"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]}),
        "GOVERN_POLICIES_DIR": str(policies(tmp_path)),
        "GOVERN_STORE_URL": url,
    }
    govern = Govern(env)
    govern("discover")
    before = govern.findings()
    counts = Counter(f["rule_id"] for f in before)
    assert counts["ACC-GUEST-CONFIDENTIAL"] and counts["REQ-OWNER"]  # the planted problems

    out = govern("plan", "-o", "plan.json", "--detailed-exitcode", ok=(2,))
    assert "Plan:" in out.stdout and " to add" in out.stdout
    plan = planfile.read(tmp_path / "plan.json")

    # The blast-radius limit holds the plan back: the restricted deal room would be emptied.
    refused = govern("apply", "plan.json", "--auto-approve", ok=(1,))
    assert "max_removed_share" in refused.output
    applied = govern("apply", "plan.json", "--auto-approve", "--max-removed-share", "1")
    assert f"{len(plan.changes)} of {len(plan.changes)} changes done" in applied.output

    store = Store(url)
    journal = Journal(store)
    (run,) = journal.runs()
    last = journal.last_phases(run.id)
    assert {e.phase for e in last.values()} == {JournalPhase.DONE}

    govern("discover")
    after = govern.findings()
    fixed = {key(f) for f in before} - {key(f) for f in after}
    still = {key(f) for f in after} & {key(f) for f in before}
    # Every denied grant the plan removed, and every requirement it met, is no longer found.
    for change in plan.changes:
        if change.action is ChangeAction.REMOVE_GRANT:
            assert (change.rule_id, change.community_id, change.principal_id) in fixed
        else:
            assert (change.rule_id, change.community_id, None) not in still, change
    assert len(after) < len(before)
    print(f"\nfindings {len(before)} -> {len(after)}; plan {len(plan.changes)} changes")

    # The journal agrees with the tool as rediscovered.
    grants = {g.key for g in q.grants(store)}
    for change in plan.changes:
        if change.action is ChangeAction.ADD_GRANT:
            assert (change.community_id, change.principal_id, change.role.value) in grants
        elif change.action is ChangeAction.REMOVE_GRANT:
            assert (change.community_id, change.principal_id, change.role.value) not in grants
        elif change.action is ChangeAction.SET_VISIBILITY:
            assert q.community(store, change.community_id).visibility is Visibility(change.value)
    owners = Counter(c for c, _, r in grants if r == Role.OWNER.value)
    assert all(owners[c.community_id] >= 1 for c in plan.changes)
    assert sandbox.org.ownerless_moments == []  # the sandbox's own record
    store.dispose()

    # Nothing left to do for what the plan covered: a new plan has no changes of those kinds.
    again = govern("plan", "--format", "json", ok=(0,))
    assert not json.loads(again.stdout)["changes"]

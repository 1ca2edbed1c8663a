"""A git repository of policies with one commit per kind of change, and a small inventory.

Commits are made with fixed names and dates so that commit ids (which the Markdown shows) are
the same on every run for the same policies/ content.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govern.policy.inventory import Inventory
from tests.policy.conftest import COMMUNITIES, MEMBERSHIPS, POLICIES, PRINCIPALS, grants

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Policy Author",
    "GIT_AUTHOR_EMAIL": "author@contoso.com",
    "GIT_COMMITTER_NAME": "Policy Author",
    "GIT_COMMITTER_EMAIL": "author@contoso.com",
    "GIT_AUTHOR_DATE": "2026-03-01T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-03-01T10:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

NEW_DENY = """
# Guests stay out of the data guilds: their data is not shared with partners.
p, 25, ACC-GUEST-DATA, high, guest, *, *, *, m365/*/team/data-*, *, deny
"""
EXCEPTION = """
# The partner auditor may be a member of the finance close team (ticket GOV-77).
p, 5, ACC-AUDITOR, -, guest, *, confidential, *, m365/*/team/finance-close, member, allow
"""
REQUIREMENT = """
# An IT steward co-owns every internal community.
p2, 100, REQ-INTERNAL-STEWARD, medium, internal, *, *, steward_owner, it-stewards, allow
"""
ADOPT = """decisions:
  - id: m365:team:data-guild
    state: adopted
    reason: 40 members across 5 departments
    ticket: GOV-31
"""


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


@dataclass
class PolicyRepo:
    """A git repository whose ``policies/`` folder has one commit per change."""

    root: Path

    @property
    def policies(self) -> Path:
        return self.root / "policies"

    def commit(self, message: str, tag: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        git(self.root, "tag", tag)
        return git(self.root, "rev-parse", "HEAD")

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.policies / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    def append(self, name: str, text: str) -> None:
        path = self.policies / name
        path.write_text(path.read_text() + text)


def reformat(policies: Path) -> None:
    """Reorder and reformat without changing meaning: what a review must see as no impact."""
    csv = policies / "policy.csv"
    lines = csv.read_text().splitlines()
    # Squeeze the spaces after commas and move the employee rule (its own priority, 90) first.
    rules = [ln.replace(", ", ",") if ln.startswith("p") else ln for ln in lines]
    i = next(i for i, ln in enumerate(rules) if ",ACC-EMPLOYEE," in ln)
    moved = [rules[i - 1], rules[i]]
    del rules[i - 1 : i + 1]
    csv.write_text("\n".join([*moved, "", *rules]) + "\n")
    # The matcher on one line instead of continuation lines.
    conf = policies / "model.conf"
    conf.write_text(conf.read_text().replace(" \\\n    ", " "))
    groups = policies / "groups.yaml"
    groups.write_text(groups.read_text().replace("  it-stewards:", "  it-stewards:  "))


@pytest.fixture(scope="session")
def policy_repo(tmp_path_factory: pytest.TempPathFactory) -> PolicyRepo:
    """Tags: base, new-deny, exception, requirement, adopt, reformat, model, broken."""
    root = tmp_path_factory.mktemp("policy-repo")
    git(root, "init", "-q", "-b", "main")
    repo = PolicyRepo(root)
    shutil.copytree(POLICIES, repo.policies)
    repo.commit("Default policies", "base")
    repo.append("policy.csv", NEW_DENY)
    repo.commit("Guests out of data guilds", "new-deny")
    repo.append("policy.csv", EXCEPTION)
    repo.commit("Partner auditor in finance close", "exception")
    repo.append("policy.csv", REQUIREMENT)
    repo.commit("Stewards co-own internal communities", "requirement")
    repo.edit("lifecycle.yaml", "decisions: []\n", ADOPT)
    repo.commit("Adopt the data guild", "adopt")
    reformat(repo.policies)
    repo.commit("Tidy the policy files", "reformat")
    repo.edit("model.conf", ' && (p.group == "*" || g(r.sub.id, p.group))', "")
    repo.commit("Group rules apply to everyone (model change)", "model")
    repo.edit("policy.csv", "guest,*,confidential,", "guest,*,confidental,")
    repo.commit("A typo", "broken")
    # The working tree is the broken commit; `git checkout` is never needed by the tool.
    return repo


@pytest.fixture
def inventory() -> Inventory:
    return Inventory.of(PRINCIPALS, COMMUNITIES, grants(), MEMBERSHIPS, at=AT)

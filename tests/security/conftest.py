"""Helpers for the hostile-input suite: a policy repository in git, run without a user config."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Attacker",
    "GIT_AUTHOR_EMAIL": "attacker@example.com",
    "GIT_COMMITTER_NAME": "Attacker",
    "GIT_COMMITTER_EMAIL": "attacker@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, input_: str | None = None) -> str:
    """Run git in ``repo`` with a fixed identity; its stdout, stripped."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        input=input_,
        env={**os.environ, **GIT_ENV},
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A writable copy of the default policies (no git)."""
    dest = tmp_path / "repo" / "policies"
    shutil.copytree(POLICIES, dest)
    return dest


@pytest.fixture
def policy_git(policy_copy: Path) -> Path:
    """The copy committed in a fresh git repository; the repository root."""
    root = policy_copy.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Default policies")
    return root

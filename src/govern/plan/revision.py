"""Which policies a plan was made from: a hash of their content, and the git commit if any.

The content hash decides staleness: a plan made from other policies than those in force now is
refused. The commit is for people (which reviewed change of the policy repository this was);
``+dirty`` marks uncommitted edits in the policy directory, which a reviewer should know of.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from govern.errors import ConfigError
from govern.model import PolicyRevision

# Editor and tool litter that is not policy and must not make a plan stale.
_IGNORED_PARTS = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def content_hash(policies_dir: Path) -> str:
    """``sha256:<hex>`` over every file's relative path and bytes, in a stable order."""
    if not policies_dir.is_dir():
        raise ConfigError(
            f"policies_dir {policies_dir}: not a directory; set policies_dir in govern.toml "
            f"or GOVERN_POLICIES_DIR to your policy repository"
        )
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in policies_dir.rglob("*")
        if p.is_file()
        and not (_IGNORED_PARTS & set(p.relative_to(policies_dir).parts))
        and not p.name.endswith(("~", ".swp", ".pyc"))
    )
    for path in files:
        rel = path.relative_to(policies_dir).as_posix()
        data = path.read_bytes()
        # Length-prefixed so that no two different trees can hash alike by concatenation.
        digest.update(f"{len(rel)}:{rel}:{len(data)}:".encode())
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def git_commit(policies_dir: Path) -> str | None:
    """The commit the policy directory is at, ``+dirty`` if edited since; None outside git."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        head = subprocess.run(
            [git, "-C", str(policies_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "-C", str(policies_dir), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return None
    return head + ("+dirty" if dirty else "") if head else None


def policy_revision(policies_dir: Path) -> PolicyRevision:
    """The revision of the policies in ``policies_dir`` now."""
    return PolicyRevision(
        content_hash=content_hash(policies_dir), git_commit=git_commit(policies_dir)
    )

"""`policy impact` reads revisions from git: a crafted tree must not write outside its folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from govern.policy.impact.revisions import RevisionError, at_revision
from tests.security.conftest import git


def _tree(repo: Path, entries: list[tuple[str, str, str, str]]) -> str:
    """``git mktree`` from (mode, kind, sha, name); git accepts ``..`` here and only warns later."""
    lines = "".join(f"{mode} {kind} {sha}\t{name}\n" for mode, kind, sha, name in entries)
    return git(repo, "mktree", input_=lines)


def _crafted_commit(repo: Path, inner: list[tuple[str, str, str, str]]) -> str:
    """A commit whose ``policies`` tree is the head's plus ``inner`` entries."""
    head_policies = git(repo, "rev-parse", "HEAD:policies")
    listing = git(repo, "ls-tree", head_policies).splitlines()
    entries = [tuple(ln.replace("\t", " ").split(" ", 3)) for ln in listing]
    policies = _tree(repo, [*entries, *inner])  # type: ignore[list-item]
    top = _tree(repo, [("040000", "tree", policies, "policies")])
    return git(repo, "commit-tree", top, "-p", "HEAD", "-m", "crafted")


def test_a_tree_with_dotdot_names_writes_nothing_outside(
    policy_git: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The temporary folder is tmp_path/t/govern-impact-*, so policies/../../../escape.pth
    # would land in tmp_path itself, where the test can look for it.
    (tmp_path / "t").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "t"))
    payload = git(policy_git, "hash-object", "-w", "--stdin", input_="import os\n")
    nested = _tree(policy_git, [("100644", "blob", payload, "escape.pth")])
    for _ in range(2):
        nested = _tree(policy_git, [("040000", "tree", nested, "..")])
    commit = _crafted_commit(policy_git, [("040000", "tree", nested, "..")])
    with (
        pytest.raises(RevisionError, match=r"not a plain relative file name"),
        at_revision(policy_git / "policies", commit),
    ):
        pass
    assert not list(tmp_path.rglob("escape.pth"))


def test_a_symlink_or_submodule_in_the_tree_is_refused(policy_git: Path) -> None:
    target = git(policy_git, "hash-object", "-w", "--stdin", input_="../.git/config")
    commit = _crafted_commit(policy_git, [("120000", "blob", target, "extra.csv")])
    with (
        pytest.raises(RevisionError, match=r"extra.csv at .*mode 120000.*not a regular file"),
        at_revision(policy_git / "policies", commit),
    ):
        pass
    head = git(policy_git, "rev-parse", "HEAD")
    commit = _crafted_commit(policy_git, [("160000", "commit", head, "vendored")])
    with (
        pytest.raises(RevisionError, match=r"vendored at .*mode 160000"),
        at_revision(policy_git / "policies", commit),
    ):
        pass

"""The policy repository on disk: which files it has, reading them all, and its revision.

Layout (``govern init`` writes it, ``policies/`` in this repository is the default)::

    model.conf            Casbin model: request, policy, role, effect, matcher definitions
    policy.csv            access rules (p) and requirements (p2), each line with a rule id
    classification.yaml   which class a community belongs to
    lifecycle.yaml        which communities are adopted, sanctioned, migrating, archived
    groups.yaml           named groups (IT stewards, ...) resolved from the inventory
    thresholds.yaml       numbers for the audit and the shadow-IT report
    tests/*.yaml          policy tests
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from govern.errors import PolicyError
from govern.model import PolicyRevision
from govern.policy.diagnostics import Diagnostic
from govern.policy.files import (
    ConfSection,
    CsvLine,
    YamlDoc,
    read_model_conf,
    read_policy_csv,
    read_yaml,
)

MODEL = "model.conf"
RULES = "policy.csv"
CLASSIFICATION = "classification.yaml"
LIFECYCLE = "lifecycle.yaml"
GROUPS = "groups.yaml"
THRESHOLDS = "thresholds.yaml"
TESTS = "tests"

REQUIRED = (MODEL, RULES, CLASSIFICATION)
OPTIONAL_YAML = (LIFECYCLE, GROUPS, THRESHOLDS)


@dataclass
class RawRepo:
    """Every policy file as read, with positions, before any checking."""

    root: Path
    model: dict[str, ConfSection] = field(default_factory=dict)
    lines: list[CsvLine] = field(default_factory=list)
    docs: dict[str, YamlDoc] = field(default_factory=dict)
    tests: list[YamlDoc] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    def path(self, name: str) -> Path:
        """The path of one policy file."""
        return self.root / name


def read_repo(root: Path, *, with_tests: bool = True) -> RawRepo:
    """Read every file of a policy repository; unreadable or malformed files become problems."""
    if not root.is_dir():
        raise PolicyError(
            f"{root}: no policy directory here; run `govern init {root}` or set policies_dir"
        )
    repo = RawRepo(root)
    model_path = root / MODEL
    if model_path.exists():
        repo.model, problems = read_model_conf(model_path)
        repo.problems += problems
    rules_path = root / RULES
    if rules_path.exists():
        repo.lines, problems = read_policy_csv(rules_path)
        repo.problems += problems
    for name in (*REQUIRED[2:], *OPTIONAL_YAML):
        path = root / name
        if not path.exists():
            continue
        doc, problems = read_yaml(path)
        repo.problems += problems
        if doc is not None:
            repo.docs[name] = doc
    if with_tests:
        tests = root / TESTS
        if tests.is_symlink():
            repo.problems.append(
                Diagnostic(
                    tests,
                    1,
                    1,
                    "is a symbolic link; policy tests must be a folder in the repository",
                    "not-a-file",
                )
            )
        for path in test_files(root):
            doc, problems = read_yaml(path)
            repo.problems += problems
            if doc is not None:
                repo.tests.append(doc)
    return repo


def test_files(root: Path) -> list[Path]:
    """The policy test files, in name order."""
    folder = root / TESTS
    if not folder.is_dir() or folder.is_symlink():  # a linked folder is reported by read_repo
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def policy_files(root: Path) -> list[Path]:
    """Every file that decides what the policies say (tests excluded), in a stable order."""
    names = (*REQUIRED, *OPTIONAL_YAML)
    return [root / n for n in names if (root / n).is_file()]


def revision(root: Path) -> PolicyRevision:
    """The content hash of the policies (and the git commit when the folder is in git).

    The hash covers exactly the files that change decisions, so a plan made from one revision
    can refuse to apply under another; comments count too, on purpose: a plan is tied to the
    reviewed text, not to an interpretation of it.
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in policy_files(root):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return PolicyRevision(content_hash=digest.hexdigest(), git_commit=_git_commit(root))


def _git_commit(root: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None

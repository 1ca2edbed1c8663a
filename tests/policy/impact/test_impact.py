"""The impact of each commit of a policy repository on a small inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.errors import PolicyError
from govern.policy.impact.compare import compare
from govern.policy.impact.result import (
    CLASS_CHANGED,
    GRANT_ALLOWED,
    GRANT_REMOVED,
    LIFECYCLE_CHANGED,
    REQ_ADDED,
    REQ_CHANGED,
    REQ_REMOVED,
    Impact,
)
from govern.policy.impact.revisions import WORKING_TREE, RevisionError, at_revision
from govern.policy.inventory import Inventory
from tests.policy.impact.conftest import PolicyRepo, git


def impact(repo: PolicyRepo, inventory: Inventory, base: str, head: str | None) -> Impact:
    with at_revision(repo.policies, base) as old, at_revision(repo.policies, head) as new:
        return compare(old, new, inventory)


def test_a_new_deny_removes_the_grants_it_matches(
    policy_repo: PolicyRepo, inventory: Inventory
) -> None:
    found = impact(policy_repo, inventory, "base", "new-deny")
    (g,) = found.grants
    assert (g.change, g.community.path, g.principal, g.role) == (
        GRANT_REMOVED,
        "m365/contoso/team/data-guild",
        "gina@partner.com",
        "member",
    )
    assert g.before.id == "ACC-GUEST" and g.after.id == "ACC-GUEST-DATA"
    assert g.after.where is not None and g.after.where.startswith("policies/policy.csv:")
    assert not found.requirements and not found.communities
    assert found.grants_evaluated == 11 and found.communities_evaluated == 6


def test_a_narrow_exception_allows_one_grant(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    found = impact(policy_repo, inventory, "new-deny", "exception")
    (g,) = found.grants
    assert (g.change, g.community.path, g.community.cls) == (
        GRANT_ALLOWED,
        "m365/contoso/team/finance-close",
        "confidential",
    )
    assert (g.before.id, g.after.id) == ("ACC-GUEST-CONFIDENTIAL", "ACC-AUDITOR")


def test_a_new_requirement_lists_the_communities_and_which_fail_it(
    policy_repo: PolicyRepo, inventory: Inventory
) -> None:
    found = impact(policy_repo, inventory, "exception", "requirement")
    assert not found.grants
    rows = [(r.change, r.community.path.rsplit("/", 1)[1], r.kind, r.failing)
            for r in found.requirements]  # fmt: skip
    # alice (an IT steward) owns the data guild; the others have no steward owner.
    assert rows == [
        (REQ_ADDED, "data-guild", "steward_owner", False),
        (REQ_ADDED, "hiking-club", "steward_owner", True),
        (REQ_ADDED, "old-project", "steward_owner", True),
        (REQ_ADDED, "partner-fabrikam", "steward_owner", True),
    ]
    assert found.counts()[0][1:3] == ("m365", "internal")
    assert found.counts()[0][4] == 4


def test_adopting_a_community_changes_its_lifecycle_and_requirements(
    policy_repo: PolicyRepo, inventory: Inventory
) -> None:
    found = impact(policy_repo, inventory, "requirement", "adopt")
    (life,) = found.communities
    assert (life.change, life.before, life.after, life.rule.id) == (
        LIFECYCLE_CHANGED,
        "unmanaged",
        "adopted",
        "GOV-31",
    )
    assert life.rule.where == "policies/lifecycle.yaml:5"
    (req,) = found.requirements
    assert (req.change, req.kind, req.before, req.after) == (
        REQ_CHANGED,
        "min_owners",
        (req.before[0], "1") if req.before else None,
        (req.after[0], "2") if req.after else None,
    )
    assert req.rule.id == "REQ-ADOPTED-OWNERS" and not req.failing  # alice and bob own it


def test_reorder_and_reformat_show_no_impact(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    found = impact(policy_repo, inventory, "adopt", "reformat")
    assert found.empty
    # The files did change: the revisions differ, the decisions do not.
    assert found.base.content_hash != found.head.content_hash


def test_a_model_change_is_evaluated_like_any_other(
    policy_repo: PolicyRepo, inventory: Inventory
) -> None:
    # Dropping the group test from the matcher makes the steward rule allow everyone.
    found = impact(policy_repo, inventory, "reformat", "model")
    # (The finance close membership is already allowed by the narrower ACC-AUDITOR.)
    rows = [(g.change, g.community.path, g.before.id, g.after.id) for g in found.grants]
    assert rows == [
        (GRANT_ALLOWED, "m365/contoso/team/data-guild", "ACC-GUEST-DATA", "ACC-STEWARD")
    ]


def test_classification_changes_are_reported(
    policy_repo: PolicyRepo, inventory: Inventory, tmp_path: Path
) -> None:
    repo = PolicyRepo(tmp_path)
    git(tmp_path, "clone", "-q", str(policy_repo.root), ".")
    git(tmp_path, "checkout", "-q", "adopt")
    # Payroll is confidential by its name only; without the pattern it becomes internal.
    repo.edit("classification.yaml", '"*payroll*", ', "")
    found = impact(repo, inventory, "HEAD", None)
    (cls,) = found.communities
    assert (cls.change, cls.community.path, cls.before, cls.after, cls.rule.id) == (
        CLASS_CHANGED,
        "m365/contoso/team/payroll",
        "confidential",
        "internal",
        "CLS-NAME-CONFIDENTIAL",
    )
    reqs = sorted((r.change, r.kind, r.failing) for r in found.requirements)
    # It is public and unlabelled: two findings go away with the confidential requirements;
    # internal communities need one owner (not two) and a steward (alice is one).
    assert reqs == [
        (REQ_ADDED, "steward_owner", False),
        (REQ_CHANGED, "min_owners", False),
        (REQ_REMOVED, "label_required", True),
        (REQ_REMOVED, "no_guests", False),
        (REQ_REMOVED, "no_public", True),
    ]
    assert found.head.label == WORKING_TREE and found.head.commit is None


def test_the_working_tree_is_never_touched(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    before = git(policy_repo.root, "status", "--porcelain")
    head = git(policy_repo.root, "rev-parse", "HEAD")
    impact(policy_repo, inventory, "base", "adopt")
    assert git(policy_repo.root, "status", "--porcelain") == before
    assert git(policy_repo.root, "rev-parse", "HEAD") == head


def test_a_broken_head_names_file_line_and_revision(policy_repo: PolicyRepo) -> None:
    with pytest.raises(PolicyError) as err, at_revision(policy_repo.policies, "broken"):
        pass
    message = str(err.value)
    assert message.startswith("policies/policy.csv:"), message
    line, col = message.split(":")[1:3]
    assert line.isdigit() and col.isdigit()
    assert "did you mean 'confidential'?" in message and message.endswith("(at broken)")
    assert "govern-impact-" not in message  # no temporary path


def test_unknown_revision_and_missing_folder(policy_repo: PolicyRepo, tmp_path: Path) -> None:
    with (
        pytest.raises(RevisionError, match="unknown git revision 'nope'"),
        at_revision(policy_repo.policies, "nope"),
    ):
        pass
    with (
        pytest.raises(RevisionError, match="not inside a git repository"),
        at_revision(tmp_path, "HEAD"),
    ):
        pass
    git(policy_repo.root, "rev-parse", "HEAD")
    other = policy_repo.root / "elsewhere"
    with pytest.raises(RevisionError, match="holds no policy files"), at_revision(other, "base"):
        pass

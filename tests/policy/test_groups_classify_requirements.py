from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from govern.model import Community, Grant, Membership, Principal, PrincipalKind, Role
from govern.policy.attributes import Resource
from govern.policy.classify import Classifier
from govern.policy.groups import resolve
from govern.policy.inventory import Inventory
from govern.policy.requirements import Facts, Requirement, check
from govern.policy.validate import load_policies
from tests.policy.conftest import POLICIES


def user(n: str, **kw: object) -> Principal:
    return Principal(
        id=f"m365:user:{n}",
        kind=kw.pop("kind", PrincipalKind.EMPLOYEE),
        email=f"{n}@contoso.com",
        **kw,
    )  # type: ignore[arg-type]


def group(n: str, name: str) -> Principal:
    return Principal(id=f"m365:group:{n}", kind=PrincipalKind.GROUP, display_name=name)


def policies_with_groups(tmp_path: Path, groups_yaml: str) -> Path:
    shutil.copytree(POLICIES, tmp_path / "p")
    (tmp_path / "p" / "groups.yaml").write_text(groups_yaml)
    return tmp_path / "p"


def test_directory_group_nested_and_other_sources(tmp_path: Path) -> None:
    root = policies_with_groups(
        tmp_path,
        "groups:\n"
        "  it-stewards:\n    steward_pool: true\n    members:\n"
        "      - directory_group: it stewards\n"
        "      - principals: [dan@contoso.com]\n"
        "      - community: m365/contoso/team/ops\n        roles: [owner]\n"
        "  security-cleared:\n    members:\n      - department: Security\n"
        "  site-admin-groups:\n    members:\n      - principals: [confluence:group:x]\n",
    )
    inv = Inventory.of(
        [
            group("it", "IT Stewards"),
            group("nested", "IT Nested"),
            user("ann"),
            user("bob"),
            user("dan"),
            user("eve", department="security"),
            user("old", department="Security", enabled=False),
            user("oscar"),
        ],
        [Community(id="m365:team:ops", path="m365/contoso/team/ops", kind="team", name="Ops")],
        [
            Grant(community_id="m365:team:ops", principal_id="m365:user:oscar", role=Role.OWNER),
            Grant(community_id="m365:team:ops", principal_id="m365:user:bob", role=Role.MEMBER),
        ],
        [
            Membership(group_id="m365:group:it", member_id="m365:user:ann"),
            Membership(group_id="m365:group:it", member_id="m365:group:nested"),
            Membership(group_id="m365:group:nested", member_id="m365:user:bob"),
        ],
    )
    resolved = resolve(load_policies(root), inv)
    assert resolved.members["it-stewards"] == {
        "m365:user:ann",
        "m365:user:bob",
        "m365:user:dan",
        "m365:user:oscar",
    }
    assert resolved.members["security-cleared"] == {"m365:user:eve"}
    assert resolved.warnings == []


def test_a_group_named_one_by_one_is_itself_but_never_a_steward(tmp_path: Path) -> None:
    root = policies_with_groups(
        tmp_path,
        "groups:\n"
        "  it-stewards:\n    steward_pool: true\n    members:\n"
        "      - principals: [m365:group:it, dan@contoso.com]\n"
        "  security-cleared:\n    members:\n      - principals: [m365:user:eve]\n"
        "  site-admin-groups:\n    members:\n"
        "      - principals: [m365:group:it, confluence:group:confluence-administrators]\n",
    )
    inv = Inventory.of([group("it", "IT"), user("dan"), user("eve")], [], [])
    resolved = resolve(load_policies(root), inv)
    assert resolved.members["site-admin-groups"] == {"m365:group:it"}
    assert resolved.members["it-stewards"] == {"m365:user:dan"}
    assert resolved.warnings == []
    alone = resolve(load_policies(POLICIES), Inventory.of([user("ann")], [], []))
    # Confluence's admin groups in an inventory without Confluence: empty, and no warning.
    assert not any("site-admin-groups" in w for w in alone.warnings)


def test_missing_directory_group_is_a_warning_with_its_line(tmp_path: Path) -> None:
    resolved = resolve(load_policies(POLICIES), Inventory.of([user("ann")], [], []))
    assert resolved.members["it-stewards"] == frozenset()
    assert any(
        w.startswith("groups.yaml:11: directory group 'IT Stewards'") for w in resolved.warnings
    )
    assert any("group 'security-cleared' has no members" in w for w in resolved.warnings)


def test_explicit_lists_beat_rules_and_lifecycle_decisions(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "p")
    cls = tmp_path / "p" / "classification.yaml"
    cls.write_text(
        cls.read_text().replace(
            "explicit: []",
            "explicit:\n  - class: public\n    communities: [m365/contoso/team/finance-open]",
        )
    )
    (tmp_path / "p" / "lifecycle.yaml").write_text(
        "decisions:\n  - id: m365:team:a\n    state: sanctioned\n"
        "  - path: m365/contoso/team/mig-**\n    state: migrating\n"
    )
    c = Classifier(load_policies(tmp_path / "p"))

    def team(slug: str, **kw: object) -> Community:
        return Community(
            id=f"m365:team:{slug}", path=f"m365/contoso/team/{slug}", kind="team", name=slug, **kw
        )  # type: ignore[arg-type]

    assert c.classify(team("finance-open")) == ("public", "explicit")
    assert c.classify(team("finance-closed")) == ("confidential", "CLS-NAME-CONFIDENTIAL")
    assert c.lifecycle(team("a"))[0] == "sanctioned"
    assert c.lifecycle(team("mig-x"))[0] == "migrating"
    assert c.lifecycle(team("b", archived=True))[0] == "archived"
    assert c.lifecycle(team("b"))[0] == "unmanaged"


def requirement(kind: str, param: str) -> Requirement:
    rule = load_policies(POLICIES).rules["REQ-CONFIDENTIAL-OWNERS"]
    return Requirement(kind, param, rule)


RES = Resource(
    "m365:team:a",
    "m365/c/team/a",
    "team",
    "A",
    "confidential",
    "unmanaged",
    "private",
    "",
    "unknown",
    "m365",
)
COMMUNITY = Community(id="m365:team:a", path="m365/c/team/a", kind="team", name="A")
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_requirement_checks() -> None:
    two = requirement("min_owners", "2")
    one_owner = check(two, COMMUNITY, RES, Facts(owners={"x"}), {}, NOW)
    assert one_owner is not None and "has 1 owner(s), needs 2" in one_owner.message
    none = check(two, COMMUNITY, RES, Facts(), {}, NOW)
    assert none is not None and "has no owner" in none.message
    assert check(two, COMMUNITY, RES, Facts(owners={"x", "y"}), {}, NOW) is None
    steward = requirement("steward_owner", "it-stewards")
    assert (
        check(steward, COMMUNITY, RES, Facts(owners={"x"}), {"it-stewards": frozenset({"x"})}, NOW)
        is None
    )
    missing = check(
        steward, COMMUNITY, RES, Facts(owners={"y"}), {"it-stewards": frozenset({"x"})}, NOW
    )
    assert missing is not None and missing.evidence["pool_size"] == 1
    inactive = requirement("max_inactive_days", "180")
    stale = COMMUNITY.model_copy(update={"last_activity_at": NOW - timedelta(days=200)})
    found = check(inactive, stale, RES, Facts(), {}, NOW)
    assert found is not None and found.evidence["inactive_days"] == 200
    assert check(inactive, COMMUNITY, RES, Facts(), {}, NOW) is None  # unknown activity
    label = requirement("label_required", "-")
    assert check(label, COMMUNITY, RES, Facts(), {}, NOW) is not None
    labelled = COMMUNITY.model_copy(update={"sensitivity_label": "Confidential"})
    assert check(label, labelled, RES, Facts(), {}, NOW) is None

"""The steward pool: who the report may name as an IT co-owner, resolved from the store."""

from __future__ import annotations

from pathlib import Path

from govern.model import Membership, Principal, PrincipalKind
from govern.store import Store
from govern.virality.stewards import steward_pool
from tests.factories import person

GROUPS = """\
groups:
  it-stewards:
    steward_pool: true
    members:
      - directory_group: IT Stewards
      - department: Security
      - principals: [carol@contoso.example, m365:user:dave]
"""


def _group(key: str, name: str) -> Principal:
    return person(key, PrincipalKind.GROUP, id=f"m365:group:{key}", display_name=name)


def test_nested_groups_departments_and_named_people(store: Store, tmp_path: Path) -> None:
    (tmp_path / "groups.yaml").write_text(GROUPS)
    with store.snapshot("m365", "contoso") as w:
        for p in (
            person("alice"),
            person("bob"),
            person("carol"),
            person("dave"),
            person("erin", department="Security"),
            person("frank", department="Security", kind=PrincipalKind.GUEST),
            person("grace"),
        ):
            w.principal(p)
        w.principal(_group("it", "IT Stewards"))
        w.principal(_group("oncall", "On call"))
        w.principal(_group("other", "Other"))
        for group, member in (
            ("it", "m365:user:alice"),
            ("it", "m365:group:oncall"),  # nested: its people count
            ("oncall", "m365:user:bob"),
            ("oncall", "m365:group:it"),  # a cycle ends the walk, not the process
            ("other", "m365:user:grace"),  # not named, not followed
        ):
            w.membership(Membership(group_id=f"m365:group:{group}", member_id=member))
    pool = steward_pool(store, tmp_path, "it-stewards")
    assert pool.emails == [
        f"{k}@contoso.example" for k in ("alice", "bob", "carol", "dave", "erin")
    ]


def test_no_groups_file_means_an_empty_pool(store: Store, tmp_path: Path) -> None:
    assert steward_pool(store, tmp_path, "it-stewards").emails == []


def test_departments_and_group_lists_resolve_as_the_policy_engine_does(
    store: Store, tmp_path: Path
) -> None:
    """A department matches without regard to case and never yields a disabled account; a
    ``directory_group`` entry may list several groups (both as ``policy/groups.py`` reads them)."""
    (tmp_path / "groups.yaml").write_text(
        "groups:\n  it-stewards:\n    steward_pool: true\n    members:\n"
        "      - department: security\n"
        "      - directory_group: [IT Stewards, On call]\n"
    )
    with store.snapshot("m365", "contoso") as w:
        for p in (
            person("erin", department="Security"),
            person("ivan", department="Security", enabled=False),  # leaving: not a steward
            person("alice"),
            person("bob"),
        ):
            w.principal(p)
        w.principal(_group("it", "IT Stewards"))
        w.principal(_group("oncall", "On call"))
        w.membership(Membership(group_id="m365:group:it", member_id="m365:user:alice"))
        w.membership(Membership(group_id="m365:group:oncall", member_id="m365:user:bob"))
    pool = steward_pool(store, tmp_path, "it-stewards")
    assert pool.emails == [f"{k}@contoso.example" for k in ("alice", "bob", "erin")]

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govern.model import (
    Community,
    Grant,
    Membership,
    Principal,
    PrincipalKind,
    Role,
    Visibility,
)
from govern.store import Store
from tests import factories

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"
NOW = datetime.now(UTC)


def person(
    name: str, kind: PrincipalKind = PrincipalKind.EMPLOYEE, domain: str = "contoso.com"
) -> Principal:
    department = "IT" if name == "alice" else "Sales"
    return factories.person(
        name, kind, domain=domain, display_name=name.title(), department=department
    )


def team(slug: str, name: str, **kw: object) -> Community:
    kw.setdefault("last_activity_at", NOW - timedelta(days=3))
    return factories.team(slug, name, **kw)


PRINCIPALS = [
    person("alice"),
    person("bob"),
    person("carol"),
    person("gina", PrincipalKind.GUEST, "partner.com"),
    Principal(id="m365:group:it", kind=PrincipalKind.GROUP, display_name="IT Stewards"),
]
COMMUNITIES = [
    # Planted: a guest in a confidential community with a single owner.
    team("finance-close", "Finance close", sensitivity_label="Confidential"),
    # Planted: ownerless.
    team("hiking-club", "Hiking club"),
    # Healthy: two owners, a guest member where guests are allowed.
    team("data-guild", "Data guild"),
    # The partner exception: a guest member is allowed.
    team("partner-fabrikam", "Partner Fabrikam"),
    # Planted: confidential by name, no label, open to the whole organisation.
    team("payroll", "Payroll", visibility=Visibility.PUBLIC),
    # Planted: inactive for 400 days.
    team("old-project", "Old project", last_activity_at=NOW - timedelta(days=400)),
]
GRANTS = [
    ("finance-close", "bob", Role.OWNER),
    ("finance-close", "gina", Role.MEMBER),
    ("hiking-club", "bob", Role.MEMBER),
    ("data-guild", "alice", Role.OWNER),
    ("data-guild", "bob", Role.OWNER),
    ("data-guild", "gina", Role.MEMBER),
    ("partner-fabrikam", "bob", Role.OWNER),
    ("partner-fabrikam", "gina", Role.MEMBER),
    ("payroll", "alice", Role.OWNER),
    ("payroll", "bob", Role.OWNER),
    ("old-project", "carol", Role.OWNER),
]


def grants() -> list[Grant]:
    return [
        Grant(community_id=f"m365:team:{c}", principal_id=f"m365:user:{p}", role=r)
        for c, p, r in GRANTS
    ]


MEMBERSHIPS = [Membership(group_id="m365:group:it", member_id="m365:user:alice")]


def write_inventory(url: str) -> None:
    store = Store(url)
    with store.snapshot("m365", "contoso", log=lambda m: None) as w:
        for p in PRINCIPALS:
            w.principal(p)
        for c in COMMUNITIES:
            w.community(c)
        for g in grants():
            w.grant(g)
        for m in MEMBERSHIPS:
            w.membership(m)
    store.dispose()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    write_inventory(url)
    return url


@pytest.fixture
def policies_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "policies"
    shutil.copytree(POLICIES, dest)
    return dest


@pytest.fixture
def env(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # Run from an empty directory so no govern.toml of the checkout is read.
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return {"GOVERN_STORE_URL": store_url}

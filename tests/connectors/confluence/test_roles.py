"""Cloud sites on role-based space access: roles are read and mapped to owner/member/viewer."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from atlassian import ConfluenceV2
from govern_confluence import ConfluenceConnector, ConfluenceSettings
from requests import HTTPError

from govern.discovery import run_discovery
from govern.sandbox.confluence import start
from govern.sandbox.org import Organisation
from govern.store import Store
from govern.store import queries as q
from tests.connectors.confluence.conftest import ADMIN
from tests.sandbox.confluence.shape import example, missing


def _grants(org: Organisation, tmp_path: Path, roles: bool) -> set[tuple[str, str, str]]:
    store = Store(f"sqlite:///{tmp_path / f'roles-{roles}.db'}")
    with start(org, "cloud", roles=roles) as sb:
        settings = ConfluenceSettings(
            url=sb.url, deployment="cloud", email="admin", api_token=ADMIN
        )
        snap = run_discovery(store, ConfluenceConnector(settings), log=lambda m: None).snapshot
        assert snap.complete, snap.incomplete
        out = {(g.community_id, g.principal_id, g.role.value) for g in q.grants(store)}
        sources = {g.source or "" for g in q.grants(store)}
    store.dispose()
    assert all(s.startswith("role:") for s in sources) == roles
    return out


def test_roles_give_the_same_owners_members_and_viewers(org: Organisation, tmp_path: Path) -> None:
    assert _grants(org, tmp_path, roles=True) == _grants(org, tmp_path, roles=False)


def test_role_assignments_answer_in_the_documented_shape(org: Organisation) -> None:
    with start(org, "cloud", roles=True) as sb:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c = ConfluenceV2(url=sb.url, username="admin", password=ADMIN)
        space = c.get("api/v2/spaces", params={"limit": 1})["results"][0]
        page = c.get(f"api/v2/spaces/{space['id']}/role-assignments", params={"limit": 2})
        assert missing(page, example("v2_space_role_assignments")) == []
        names = {r["name"] for r in c.get("api/v2/space-roles")["results"]}
        assert names == {"Admin", "Collaborator", "Viewer"}
    with start(org, "cloud") as sb:  # a site without roles has neither resource
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c = ConfluenceV2(url=sb.url, username="admin", password=ADMIN)
        with pytest.raises(HTTPError) as caught:
            c.get("api/v2/space-roles")
        assert caught.value.response.status_code == 404

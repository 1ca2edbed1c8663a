"""Page endpoints and space creation, driven through atlassian-python-api, as documented.

Each documented request (examples/*.json, with its source) is sent as written, and the answer
must carry every documented key; Confluence's rules answer as it does: a title is unique in a
space, a key on the site, a parent must be in the same space, an unknown page is 404.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from atlassian import Confluence
from requests import HTTPError

from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.org import Organisation
from tests.sandbox.confluence.conftest import ADMIN
from tests.sandbox.confluence.shape import EXAMPLES, example, missing


def _request(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text())["request"]


def _client(dc: ConfluenceSandbox) -> Any:
    return Confluence(url=dc.url, token=ADMIN)


def _busiest_personal(org: Organisation) -> Any:
    return max((s for s in org.spaces if s.personal), key=lambda s: s.pages)


def test_documented_space_and_page_creation(dc: ConfluenceSandbox, org: Organisation) -> None:
    c = _client(dc)
    space = c.create_space(_request("dc_space_create"))
    assert missing(space, example("dc_space_create")) == []
    assert org.spaces[org.space_index("TST") or 0].admins()  # its creator administers it
    home = list(c.get_all_pages_from_space("TST"))
    assert [p["title"] for p in home] == ["Example space Home"]  # a space comes with a home
    body = _request("dc_content_create")
    body["ancestors"] = [{"id": home[0]["id"]}]
    created = c.post("rest/api/content", data=body)
    assert missing(created, example("dc_content_create")) == []
    assert created["version"]["number"] == 1 and created["ancestors"][-1]["id"] == home[0]["id"]
    children = c.get(f"rest/api/content/{home[0]['id']}/child/page")
    assert missing(children, example("dc_content_children")) == []
    assert [p["title"] for p in children["results"]] == ["new page"]
    s = org.spaces[org.space_index("TST") or 0]
    assert s.pages == 2 and s.edits == 2  # discovery and search see the new page

    with pytest.raises(HTTPError, match="A page with this title already exists"):
        c.create_page("TST", "NEW PAGE", "<p>again</p>")  # titles are unique, any case
    with pytest.raises(HTTPError, match="A space already exists with key TST"):
        c.create_space("TST", "Again")
    with pytest.raises(HTTPError, match="must be alphanumeric"):
        c.create_space("T-1", "Bad key")
    other = _busiest_personal(org)
    foreign = next(iter(c.get_all_pages_from_space(other.key)))["id"]
    with pytest.raises(HTTPError, match="is not a page of space TST"):
        c.create_page("TST", "stray", "<p>x</p>", parent_id=foreign)


def test_a_personal_space_has_a_tree_and_histories(
    dc: ConfluenceSandbox, org: Organisation
) -> None:
    c = _client(dc)
    space = _busiest_personal(org)
    pages = list(c.get_all_pages_from_space_as_generator(space.key, expand="ancestors,version"))
    assert len(pages) == space.pages
    roots = [p for p in pages if not p["ancestors"]]
    assert [p["title"] for p in roots] == ["Home"]  # one root: the home page
    assert max(len(p["ancestors"]) for p in pages) >= 2  # deeper than one level
    page = max(pages, key=lambda p: p["version"]["number"])
    versions = c.get(f"rest/api/content/{page['id']}/version")
    assert missing(versions, example("dc_content_versions")) == []
    numbers = [v["number"] for v in versions["results"]]
    assert numbers == list(range(page["version"]["number"], 0, -1))  # newest first
    contributors = {org.confluence_users[i].username for i in space.contributors}
    assert {v["by"]["username"] for v in versions["results"]} <= contributors
    with pytest.raises(HTTPError):
        c.get("rest/api/content/999999999999")


def test_cloud_moves_a_subtree_with_its_history(
    cloud: ConfluenceSandbox, dc: ConfluenceSandbox, org: Organisation
) -> None:
    import warnings

    from atlassian import ConfluenceV2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        c = ConfluenceV2(url=cloud.url, username="admin", password=ADMIN)
    space = _busiest_personal(org)
    c.post("rest/api/space", data={"key": "DEST", "name": "Dest"})
    dest_home = c.get("rest/api/content", params={"spaceKey": "DEST", "type": "page"})
    target = dest_home["results"][0]["id"]
    pages = c.get(
        "rest/api/content",
        params={"spaceKey": space.key, "type": "page", "expand": "ancestors,version", "limit": 200},
    )
    page = next(p for p in pages["results"] if len(p["ancestors"]) == 1)  # a home page's child
    subtree = [p for p in pages["results"] if page["id"] in {a["id"] for a in p["ancestors"]}]
    moved = c.put(f"rest/api/content/{page['id']}/move/append/{target}")
    assert missing(moved, example("cloud_move_page")) == [] and moved["pageId"] == page["id"]
    now = c.get(f"rest/api/content/{page['id']}", params={"expand": "space,version,ancestors"})
    assert now["space"]["key"] == "DEST" and now["ancestors"][-1]["id"] == target
    assert now["version"]["number"] == page["version"]["number"]  # the history came along
    for child in subtree:  # the children came along
        got = c.get(f"rest/api/content/{child['id']}", params={"expand": "space"})
        assert got["space"]["key"] == "DEST"
    with pytest.raises(HTTPError) as refused:
        c.put(f"rest/api/content/{target}/move/append/{page['id']}")
    assert refused.value.response.status_code == 400
    assert "own descendant" in refused.value.response.text
    # Data Center serves no such endpoint (CONFSERVER-39042).
    with pytest.raises(HTTPError):
        _client(dc).put(f"rest/api/content/{page['id']}/move/append/{target}")

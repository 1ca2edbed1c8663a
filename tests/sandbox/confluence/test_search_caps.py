"""Data Center's content search caps ``limit`` by expansion, as Atlassian's KB documents.

Source: https://confluence.atlassian.com/confkb/searching-for-content-with-the-rest-api-and-cql-always-limits-results-to-50-1032258424.html
("When the body expansion is specified, the limit is set to 50. If no expansions are specified,
results are limited to 1000. And if other expansions besides body are specified, the limit is
set to 200.")
"""

from __future__ import annotations

import pytest
from atlassian import Confluence

from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.org import Organisation
from tests.sandbox.confluence.conftest import ADMIN


@pytest.mark.parametrize(
    ("expand", "cap"), [(None, 1000), ("version", 200), ("space,version", 200), ("body.view", 50)]
)
def test_dc_content_search_limit_by_expansion(
    dc: ConfluenceSandbox, org: Organisation, expand: str | None, cap: int
) -> None:
    total = sum(s.pages + s.blogposts for s in org.spaces if s.deleted == -1)
    params = {"cql": "type in (page, blogpost)", "limit": 5000}
    if expand:
        params["expand"] = expand
    page = Confluence(url=dc.url, token=ADMIN).get("rest/api/content/search", params=params)
    assert page["limit"] == cap
    assert page["size"] == min(cap, total)
    assert ("next" in page["_links"]) == (total > cap)

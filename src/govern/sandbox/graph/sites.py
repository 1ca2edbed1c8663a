"""SharePoint sites: a group's team site and any site by id (api/site-get.md).

A site id is Graph's composite ``hostname,site-collection-guid,web-guid``; the SharePoint site
usage report names sites by the site-collection GUID alone, and ``/sites/{guid}`` reads those
too. A deleted site, like one that never existed, answers ``404 itemNotFound``.
"""

from __future__ import annotations

from govern.sandbox.entities import NEVER
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.directory import group_index
from govern.sandbox.graph.errors import GraphError
from govern.sandbox.graph.odata import parse_query, select_props
from govern.sandbox.graph.render import site


def _not_found() -> GraphError:
    return GraphError(404, "itemNotFound", "Requested site could not be found")


def _reply(call: Call, index: int) -> Reply:
    q = parse_query(call.query, call.headers, "Site")
    body = {"@odata.context": f"{call.root}/$metadata#sites/$entity"}
    body.update(select_props(site(call.org, index), q.select))
    return Reply(body)


def group_site(call: Call) -> Reply:
    """GET /groups/{id}/sites/root: the group's team site."""
    gi = group_index(call, call.params["gid"])
    s = call.org.groups[gi].site
    if s < 0:
        raise _not_found()
    return _reply(call, s)


def get_site(call: Call) -> Reply:
    """GET /sites/{site-id}."""
    org = call.org
    index = org.site_index(call.params["sid"])
    if index is None or org.sites[index].deleted != NEVER:
        raise _not_found()
    return _reply(call, index)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/groups/{gid}/sites/root", group_site, auth.SITES, service="other"),
    Endpoint("GET", "/sites/{sid}", get_site, auth.SITES, service="other"),
)

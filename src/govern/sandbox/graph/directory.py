"""Users and groups: list, get, ``$count``, and a group's members and owners.

Listings are sorted arrays of record indexes per ``$filter``, built once per organisation version
(see ``GraphState.cached``), so a page is a binary search and a slice: no scan of 200,000 people
per request. Skiptokens carry the last index served, so a page boundary stays right when records
are added or removed between pages.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable
from functools import partial
from typing import Any

from govern.sandbox.entities import MemberList
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.errors import bad_request, not_found, unsupported_filter
from govern.sandbox.graph.expand import Expansion, group_expansion
from govern.sandbox.graph.odata import Clause, Query, decode_token, encode_token, parse_query
from govern.sandbox.graph.render import GROUP, USER, Getter, group_plan, render, user_plan

DEFAULT_TOP = 100
MAX_TOP = 999

# Properties Graph can filter on by default (without ConsistencyLevel), per resource.
USER_FILTERS = frozenset(
    {
        "id",
        "userType",
        "accountEnabled",
        "mail",
        "userPrincipalName",
        "displayName",
        "givenName",
        "surname",
        "department",
        "jobTitle",
        "mailNickname",
        "officeLocation",
    }
)
GROUP_FILTERS = frozenset(
    {
        "id",
        "groupTypes",
        "resourceProvisioningOptions",
        "displayName",
        "mail",
        "mailNickname",
        "mailEnabled",
        "securityEnabled",
    }
)


def _predicate(
    clause: Clause, table: dict[str, Getter], allowed: frozenset[str], resource: str
) -> Callable[[Any, Any], bool]:
    getter = table.get(clause.prop) if clause.prop in allowed else None
    if getter is None:
        raise unsupported_filter(clause.prop, resource)
    value = clause.value
    if clause.op == "eq":
        return lambda org, rec: bool(getter(org, rec) == value)
    if clause.op == "any":
        return lambda org, rec: value in (getter(org, rec) or ())
    prefix = str(value).lower()
    return lambda org, rec: str(getter(org, rec) or "").lower().startswith(prefix)


def listing(call: Call, kind: str, q: Query) -> array[int]:
    """Indexes of the live users or groups matching ``q.filter``, ascending (cached)."""
    table, allowed, resource = (
        (USER, USER_FILTERS, "User") if kind == "users" else (GROUP, GROUP_FILTERS, "Group")
    )
    tests = [_predicate(c, table, allowed, resource) for c in q.filter]
    key = (kind, tuple(sorted((c.prop, c.op, str(c.value)) for c in q.filter)))

    def build() -> array[int]:
        org = call.org
        records = org.people if kind == "users" else org.groups
        return array(
            "i", (r.idx for r in records if r.deleted == -1 and all(t(org, r) for t in tests))
        )

    result: array[int] = call.state.cached(key, build)
    return result


def _collection(call: Call, kind: str, entity: str) -> Reply:
    q = parse_query(call.query, call.headers, entity, MAX_TOP)
    idxs = listing(call, kind, q)
    top = q.top or DEFAULT_TOP
    start = 0
    if q.skiptoken:
        start = bisect_right(idxs, int(decode_token(q.skiptoken, kind)[1]))
    page = idxs[start : start + top]
    org = call.org
    expansion: Expansion | None = None
    if kind == "users":
        plan, records = user_plan(q.select), org.people
    else:
        plan, records = group_plan(q.select), org.groups  # type: ignore[assignment]
        expansion = group_expansion(q.expand)
    context = f"{call.root}/$metadata#{kind}"
    if q.select:
        context += f"({','.join(q.select)})"
    body: dict[str, Any] = {"@odata.context": context}
    if q.count and q.eventual:
        body["@odata.count"] = len(idxs)
    if start + top < len(idxs):
        body["@odata.nextLink"] = call.next_link(encode_token([kind, page[-1]]))
    key = (kind, q.select, expansion)
    frag = call.state.fragment

    def build(i: int) -> dict[str, Any]:
        obj = render(org, records[i], plan)
        return obj if expansion is None else expansion.apply(org, org.groups[i], obj)

    return Reply(body, fragments=[frag(key, i, partial(build, i)) for i in page])


def list_users(call: Call) -> Reply:
    """GET /users."""
    return _collection(call, "users", "User")


def list_groups(call: Call) -> Reply:
    """GET /groups."""
    return _collection(call, "groups", "Group")


def _count(call: Call, kind: str, entity: str) -> Reply:
    q = parse_query(call.query, call.headers, entity, MAX_TOP)
    if not q.eventual:
        # Documented: the $count segment needs ConsistencyLevel: eventual (aad-advanced-queries).
        raise bad_request("$count is not currently supported.")
    n = len(listing(call, kind, q))
    return Reply(content=str(n).encode(), media_type="text/plain")


def count_users(call: Call) -> Reply:
    """GET /users/$count."""
    return _count(call, "users", "User")


def count_groups(call: Call) -> Reply:
    """GET /groups/$count."""
    return _count(call, "groups", "Group")


def person_index(call: Call, key: str) -> int:
    """The live person an id or userPrincipalName names, or Graph's 404."""
    org = call.org
    i = org.user_index(key)
    if i is None and "@" in key:
        upns: dict[str, int] = call.state.cached(
            "upn", lambda: {p.upn.lower(): p.idx for p in org.people}
        )
        i = upns.get(key.lower())
    if i is None or org.people[i].deleted != -1:
        raise not_found(key)
    return i


def group_index(call: Call, key: str) -> int:
    """The live group an id names, or Graph's 404."""
    i = call.org.group_index(key)
    if i is None or call.org.groups[i].deleted != -1:
        raise not_found(key)
    return i


def get_user(call: Call) -> Reply:
    """GET /users/{id | userPrincipalName}."""
    q = parse_query(call.query, call.headers, "User")
    p = call.org.people[person_index(call, call.params["uid"])]
    body = {"@odata.context": f"{call.root}/$metadata#users/$entity"}
    body.update(render(call.org, p, user_plan(q.select)))
    return Reply(body)


def get_group(call: Call) -> Reply:
    """GET /groups/{id}."""
    q = parse_query(call.query, call.headers, "Group")
    g = call.org.groups[group_index(call, call.params["gid"])]
    expansion = group_expansion(q.expand)
    body = {"@odata.context": f"{call.root}/$metadata#groups/$entity"}
    body.update(render(call.org, g, group_plan(q.select)))
    if expansion is not None:
        expansion.apply(call.org, g, body)
    return Reply(body)


def _relation(call: Call, owners: bool, cast: bool) -> Reply:
    q = parse_query(call.query, call.headers, "User", MAX_TOP)
    if q.filter:
        raise unsupported_filter(q.filter[0].prop, "DirectoryObject")
    gi = group_index(call, call.params["gid"])
    group = call.org.groups[gi]
    people: MemberList = group.owners if owners else group.members
    kind = "owners" if owners else "members"
    top = q.top or DEFAULT_TOP
    start = 0
    if q.skiptoken:
        _, start, last = decode_token(q.skiptoken, kind)
        # A removal between pages shifts positions: resume after the last person served.
        if not (0 < start <= len(people) and people.ids[start - 1] == last):
            start = people.ids.index(last) + 1 if last in people.ids else min(start, len(people))
    ids_ = people.ids[start : start + top]
    org = call.org
    plan = user_plan(q.select)
    people_ = org.people
    if cast:
        context = f"{call.root}/$metadata#users"
        key: tuple[Any, ...] = ("users", q.select)

        def item(p: int) -> dict[str, Any]:
            return render(org, people_[p], plan)
    else:
        context = f"{call.root}/$metadata#directoryObjects"
        key = ("directoryObjects", q.select)

        def item(p: int) -> dict[str, Any]:
            return {"@odata.type": "#microsoft.graph.user", **render(org, people_[p], plan)}

    body: dict[str, Any] = {"@odata.context": context}
    if q.count and q.eventual:
        body["@odata.count"] = len(people)
    if start + top < len(people):
        body["@odata.nextLink"] = call.next_link(encode_token([kind, start + top, ids_[-1]]))
    frag = call.state.fragment
    return Reply(body, fragments=[frag(key, p, partial(item, p)) for p in ids_])


def list_members(call: Call) -> Reply:
    """GET /groups/{id}/members."""
    return _relation(call, owners=False, cast=False)


def list_member_users(call: Call) -> Reply:
    """GET /groups/{id}/members/microsoft.graph.user (and the short ``graph.user`` cast)."""
    return _relation(call, owners=False, cast=True)


def list_owners(call: Call) -> Reply:
    """GET /groups/{id}/owners."""
    return _relation(call, owners=True, cast=False)


def list_owner_users(call: Call) -> Reply:
    """GET /groups/{id}/owners/microsoft.graph.user."""
    return _relation(call, owners=True, cast=True)


ENDPOINTS: tuple[Endpoint, ...] = (
    # Specific paths before the {id} ones: Starlette takes the first route that matches.
    Endpoint("GET", "/users/$count", count_users, auth.USER_READ, cost=1),
    Endpoint("GET", "/users", list_users, auth.USER_READ, cost=2),
    Endpoint("GET", "/groups/$count", count_groups, auth.GROUP_READ),
    Endpoint("GET", "/groups", list_groups, auth.GROUP_READ),
    Endpoint(
        "GET",
        "/groups/{gid}/members/microsoft.graph.user",
        list_member_users,
        auth.GROUP_READ,
        cost=3,
    ),
    Endpoint("GET", "/groups/{gid}/members/graph.user", list_member_users, auth.GROUP_READ, cost=3),
    Endpoint("GET", "/groups/{gid}/members", list_members, auth.GROUP_READ, cost=3),
    Endpoint("GET", "/groups/{gid}/owners/microsoft.graph.user", list_owner_users, auth.GROUP_READ),
    Endpoint("GET", "/groups/{gid}/owners/graph.user", list_owner_users, auth.GROUP_READ),
    Endpoint("GET", "/groups/{gid}/owners", list_owners, auth.GROUP_READ),
)

LATE_ENDPOINTS: tuple[Endpoint, ...] = (
    # After delta and the other fixed paths that share the /users/... and /groups/... prefixes.
    Endpoint("GET", "/users/{uid}", get_user, auth.USER_READ),
    Endpoint("GET", "/groups/{gid}", get_group, auth.GROUP_READ),
)

"""``groups/delta`` and ``users/delta``, served from the organisation's change log.

A round starts without a token and lists the current state; its last page carries an
``@odata.deltaLink`` whose token is the change-log sequence number the round started at. The
next round lists what changed since: changed objects with their selected properties, deleted
ones as ``{"id", "@removed": {"reason": "changed"}}`` (soft-deleted, restorable, as Graph says),
and for groups ``members@delta`` / ``owners@delta`` with the references added, and the removed
ones marked ``"@removed": {"reason": "deleted"}`` (concepts/delta-query-groups.md). A group with
more references than fit a page continues on the next page with the same properties, as the
documentation describes for large groups. Query options are encoded in the tokens, so nextLinks
and deltaLinks carry only ``$skiptoken`` / ``$deltatoken``.

``$deltatoken=latest`` is "sync from now" (concepts/delta-query-overview.md): no objects, only a
deltaLink from which the next round reports what changes after this request.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from govern.sandbox.changelog import GroupDelta, UserDelta
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.directory import listing
from govern.sandbox.graph.errors import unsupported_filter
from govern.sandbox.graph.odata import decode_token, encode_token, parse_query
from govern.sandbox.graph.render import group_plan, render, user_plan

_RELATIONS = ("members", "owners")
LATEST = "latest"
"""The documented ``$deltatoken`` value that asks for a deltaLink without the current state."""
_CACHE_ROUNDS = 16  # incremental rounds whose netted changes stay cached


def _link(call: Call, person: int, removed: bool) -> dict[str, Any]:
    ref: dict[str, Any] = {"@odata.type": "#microsoft.graph.user", "id": call.state.user_id(person)}
    if removed:
        ref["@removed"] = {"reason": "deleted"}
    return ref


def _changes(call: Call, kind: str, since: int) -> tuple[int, dict[int, Any]]:
    """(sequence number reached, netted changes per record) since ``since``, cached per round."""
    cache: dict[tuple[str, int, int], tuple[int, dict[int, Any]]] = call.state.cache.setdefault(
        "delta-rounds", {}
    )
    log = call.org.log
    # Keyed by the log's end too: a deltaLink used again after more changes sees them.
    key = (kind, since, log.seq)
    hit = cache.get(key)
    if hit is None:
        found = log.group_changes(since) if kind == "groups" else log.user_changes(since)
        hit = cache[key] = (log.seq, found)
        while len(cache) > _CACHE_ROUNDS:
            cache.pop(next(iter(cache)))
    return hit


def _group_links(org: Any, gi: int, delta: GroupDelta | None, rel: str) -> list[tuple[int, bool]]:
    """(person, removed) references of one relation: current state, or the netted change."""
    g = org.groups[gi]
    if delta is None or delta.added:
        return [(p, False) for p in (g.members if rel == "members" else g.owners).ids]
    added = delta.members_added if rel == "members" else delta.owners_added
    removed = delta.members_removed if rel == "members" else delta.owners_removed
    # Removals first, as in the documented example.
    return [(p, True) for p in sorted(removed)] + [(p, False) for p in sorted(added)]


def _latest(call: Call, kind: str, select: tuple[str, ...] | None) -> Reply:
    """An empty page whose deltaLink starts the next round at the current state."""
    text = ",".join(select) if select else ""
    if kind == "groups":
        # Same validation as a first round: unknown properties are refused now, not later.
        group_plan(tuple(f for f in select if f not in _RELATIONS) if select else None)
    else:
        user_plan(select)
    token = encode_token([f"{kind}-round", call.org.log.seq, text])
    context = f"{call.root}/$metadata#{kind}" + (f"({text})" if text else "")
    return Reply(
        {
            "@odata.context": context,
            "@odata.deltaLink": f"{call.origin}{call.path}?$deltatoken={token}",
            "value": [],
        }
    )


def groups_delta(call: Call) -> Reply:
    """GET /groups/delta."""
    q = parse_query(call.query, call.headers, "Group")
    if q.filter:
        raise unsupported_filter(q.filter[0].prop, "Group")
    org = call.org
    settings = call.state.settings
    if q.deltatoken and q.deltatoken.lower() == LATEST:
        return _latest(call, "groups", q.select)
    if q.skiptoken:
        _, since, upto, select, cursor, offset = decode_token(q.skiptoken, "groups-delta")
    elif q.deltatoken:
        _, since, select = decode_token(q.deltatoken, "groups-round")
        upto, cursor, offset = None, -1, 0
    else:
        since, upto, cursor, offset = None, org.log.seq, -1, 0
        select = ",".join(q.select) if q.select else ""
    fields = [s for s in select.split(",") if s] if select else None
    rels = [
        r for r in _RELATIONS if (fields is None and r == "members") or (fields and r in fields)
    ]
    plan = group_plan(tuple(f for f in fields if f not in _RELATIONS) if fields else None)
    deltas: dict[int, GroupDelta] = {}
    if since is None:
        order: Sequence[int] = listing(call, "groups", parse_query({}, {}, "Group"))
    else:
        reached, deltas = _changes(call, "groups", since)
        upto = reached if upto is None else upto
        order = sorted(
            gi
            for gi, d in deltas.items()
            if d.added
            or d.removed
            or d.updated
            or ("members" in rels and (d.members_added or d.members_removed))
            or ("owners" in rels and (d.owners_added or d.owners_removed))
        )
    pos = bisect_left(order, cursor) if cursor >= 0 else 0
    value: list[dict[str, Any]] = []
    room = settings.delta_page_links
    while pos < len(order) and len(value) < settings.delta_page_objects and room > 0:
        gi = order[pos]
        d = deltas.get(gi)
        g = org.groups[gi]
        if d is not None and d.removed:
            if not d.added:
                value.append({"id": org.group_id(gi), "@removed": {"reason": "changed"}})
            pos, offset = pos + 1, 0
            continue
        obj = render(org, g, plan)
        links = [(rel, ref) for rel in rels for ref in _group_links(org, gi, d, rel)]
        chunk = links[offset : offset + room]
        for rel in rels:
            refs = [_link(call, p, gone) for r, (p, gone) in chunk if r == rel]
            if refs:
                obj[f"{rel}@delta"] = refs
        value.append(obj)
        room -= len(chunk)
        if offset + len(chunk) < len(links):
            offset += len(chunk)
            break
        pos, offset = pos + 1, 0
    context = f"{call.root}/$metadata#groups" + (f"({select})" if select else "")
    body: dict[str, Any] = {"@odata.context": context}
    base = f"{call.origin}{call.path}"
    start_seq = since if since is not None else upto
    if pos < len(order):
        token = encode_token(["groups-delta", since, upto, select, order[pos], offset])
        body["@odata.nextLink"] = f"{base}?$skiptoken={token}"
    else:
        # The next round reports what changed after this one started (or last reached).
        token = encode_token(["groups-round", upto if upto is not None else start_seq, select])
        body["@odata.deltaLink"] = f"{base}?$deltatoken={token}"
    body["value"] = value
    return Reply(body)


def users_delta(call: Call) -> Reply:
    """GET /users/delta."""
    q = parse_query(call.query, call.headers, "User")
    if q.filter:
        raise unsupported_filter(q.filter[0].prop, "User")
    org = call.org
    if q.deltatoken and q.deltatoken.lower() == LATEST:
        return _latest(call, "users", q.select)
    if q.skiptoken:
        _, since, upto, select, cursor = decode_token(q.skiptoken, "users-delta")
    elif q.deltatoken:
        _, since, select = decode_token(q.deltatoken, "users-round")
        upto, cursor = None, -1
    else:
        since, upto, cursor = None, org.log.seq, -1
        select = ",".join(q.select) if q.select else ""
    plan = user_plan(tuple(s for s in select.split(",") if s) or None)
    deltas: dict[int, UserDelta] = {}
    if since is None:
        order: Sequence[int] = listing(call, "users", parse_query({}, {}, "User"))
    else:
        reached, deltas = _changes(call, "users", since)
        upto = reached if upto is None else upto
        order = sorted(deltas)
    pos = bisect_left(order, cursor) if cursor >= 0 else 0
    page = order[pos : pos + call.state.settings.delta_page_objects]
    value = []
    for pi in page:
        d = deltas.get(pi)
        if d is not None and d.removed:
            if not d.added:
                value.append({"id": org.user_id(pi), "@removed": {"reason": "changed"}})
        else:
            value.append(render(org, org.people[pi], plan))
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#users"}
    base = f"{call.origin}{call.path}"
    if pos + len(page) < len(order):
        token = encode_token(["users-delta", since, upto, select, order[pos + len(page)]])
        body["@odata.nextLink"] = f"{base}?$skiptoken={token}"
    else:
        body["@odata.deltaLink"] = (
            f"{base}?$deltatoken={encode_token(['users-round', upto, select])}"
        )
    body["value"] = value
    return Reply(body)


ENDPOINTS: tuple[Endpoint, ...] = (
    # The SDK calls the function form ``delta()``; the documentation writes ``delta``.
    Endpoint("GET", "/groups/delta()", groups_delta, auth.GROUP_READ),
    Endpoint("GET", "/groups/delta", groups_delta, auth.GROUP_READ),
    Endpoint("GET", "/users/delta()", users_delta, auth.USER_READ),
    Endpoint("GET", "/users/delta", users_delta, auth.USER_READ),
)

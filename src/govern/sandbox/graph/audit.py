"""The Entra directory audit log: ``GET /auditLogs/directoryAudits`` from the change log.

Shapes follow directoryaudit-list.md (microsoft-graph-docs-contrib) and what group-membership
events carry in real tenants: the member (``type`` ``User``) comes first in ``targetResources``
with the group's id in its ``modifiedProperties`` (``Group.ObjectID``, a JSON-quoted string,
in ``newValue`` for adds and ``oldValue`` for removals), then the group itself (``type``
``Group``). ``initiatedBy`` names either a user or an app, the other one null.

Served events are the organisation's membership history:

* joins made before the sandbox started recording (generation) come from the member lists,
  which keep when and by whom each member was added; leaves before then are not known;
* every later change comes from the change log, which records the actor of each change.

Only events within the tenant's retention (``GraphSettings.audit_retention_days``: 7 days on
Entra ID Free, 30 on P1/P2) are served. ``$filter`` accepts the documented operators (``eq``,
``ge``, ``le``, ``startswith``) on ``activityDateTime``, ``activityDisplayName``, ``category``
and ``loggedByService``, joined by ``and``, with ``or`` between ``eq`` clauses of one property
in parentheses (``(activityDisplayName eq 'a' or activityDisplayName eq 'b')``), as audit tools
commonly send it. Newest first by default (``$orderby=activityDateTime asc`` reverses it);
at most 1,000 per page. Throttled as an identity and access report: 5 requests per 10 s per
app and tenant (throttling-limits.md).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from govern.sandbox import ids
from govern.sandbox.changelog import Op
from govern.sandbox.entities import ADDED_BY_SELF, NEVER, Group
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, GraphState, Reply
from govern.sandbox.graph.errors import GraphError, bad_request
from govern.sandbox.graph.odata import decode_token, encode_token

PAGE = 1000
"""Events per page (the largest ``$top`` accepted)."""

ACTIVITIES: dict[Op, str] = {
    Op.MEMBER_ADDED: "Add member to group",
    Op.MEMBER_REMOVED: "Remove member from group",
    Op.OWNER_ADDED: "Add owner to group",
    Op.OWNER_REMOVED: "Remove owner from group",
}

SYSTEM_APP = ("Microsoft Teams Services", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe")
"""The first-party app that initiates adds nobody made by hand (provisioning, team creation)."""


class Event(NamedTuple):
    """One membership event: when, what, which group, whom, and who did it."""

    ts: int
    op: Op
    group: int
    person: int
    actor: int
    key: int
    """Unique and stable: the log sequence number, or minus the backfill position."""


def _backfill(state: GraphState) -> list[Event]:
    """Joins made before recording began that the largest retention could still hold."""
    org = state.org
    start = getattr(org, "recorded_from", -1)
    if start < 0:
        return []
    oldest = start - 30 * ids.DAY
    # Writes made before the clock first moved carry the same time as generation's last
    # joins; those are in the log already and must not be served twice.
    logged = {
        (log_op, org.log.target[i], int(org.log.subject[i]))
        for i in range(org.log.seq_at(start))
        if (log_op := org.log.op[i]) in (Op.MEMBER_ADDED, Op.OWNER_ADDED)
    }
    out: list[tuple[int, int, int, int, int]] = []
    for g in org.groups:
        if g.deleted != NEVER or not g.is_community:
            continue
        for op, members in ((Op.MEMBER_ADDED, g.members), (Op.OWNER_ADDED, g.owners)):
            for who, ts, by in zip(members.ids, members.joined, members.added_by, strict=True):
                if oldest <= ts <= start and (ts < start or (op, g.idx, who) not in logged):
                    out.append((ts, int(op), g.idx, who, by))
    out.sort()
    return [Event(t, Op(o), g, p, a, -(i + 1)) for i, (t, o, g, p, a) in enumerate(out)]


def _events(state: GraphState, upto: int, cutoff: int) -> list[Event]:
    """Every event from ``cutoff`` on, up to log row ``upto``, oldest first."""
    backfill: list[Event] | None = state.cache.get("audit-backfill")
    if backfill is None:
        # Generation history never changes: built once per server.
        backfill = state.cache["audit-backfill"] = _backfill(state)
    first = bisect_left([e.ts for e in backfill], cutoff) if backfill else 0
    out = backfill[first:]
    org = state.org
    log = org.log
    for i in range(log.seq_at(cutoff - 1), min(upto, log.seq)):
        op = Op(log.op[i])
        if op in ACTIVITIES:
            who, group, ts = int(log.subject[i]), log.target[i], log.ts[i]
            if op in (Op.MEMBER_ADDED, Op.OWNER_ADDED):
                ts = _joined(org.groups[group], op, who, ts)
            out.append(Event(ts, op, group, who, log.actor[i], i + 1))
    # The log clamps times so they never go backwards; the joins' own times may, within a day.
    out.sort()
    return out


def _joined(group: Group, op: Op, person: int, logged: int) -> int:
    """When a member really joined: the log keeps a clamped time, the member list the true one."""
    members = group.members if op == Op.MEMBER_ADDED else group.owners
    try:
        joined = members.joined[members.ids.index(person)]
    except ValueError:
        return logged  # left since: the logged time is the best known
    return joined if logged - ids.DAY <= joined <= logged else logged


# --- $filter -----------------------------------------------------------------------------------

_PROPS = {
    "activitydatetime": "activityDateTime",
    "activitydisplayname": "activityDisplayName",
    "category": "category",
    "loggedbyservice": "loggedByService",
}
_CLAUSE = re.compile(
    r"^(\w+)\s+(eq|ge|le)\s+(?:'((?:[^']|'')*)'|(\d{4}-\d\d-\d\dT[\d:.]+Z?))$", re.IGNORECASE
)
_STARTS = re.compile(r"^startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)$", re.IGNORECASE)


@dataclass(frozen=True)
class _Test:
    prop: str
    op: str
    value: str


def _unsupported(prop: str) -> GraphError:
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' "
        f"of resource 'directoryAudit'.",
    )


def _clause(text: str) -> _Test:
    text = text.strip()
    if m := _STARTS.match(text):
        prop, op, value = m.group(1), "startswith", m.group(2).replace("''", "'")
    elif m := _CLAUSE.match(text):
        prop, op = m.group(1), m.group(2).lower()
        value = m.group(4) if m.group(3) is None else m.group(3).replace("''", "'")
    else:
        word = re.match(r"\W*(\w+)", text)
        raise _unsupported(word.group(1) if word else text)
    name = _PROPS.get(prop.lower())
    if name is None:
        raise _unsupported(prop)
    if name == "activityDateTime":
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
        except ValueError:
            raise bad_request(f"Invalid filter value '{value}' for 'activityDateTime'.") from None
        value = str(ids.from_datetime(stamp))
    elif op in ("ge", "le"):
        raise _unsupported(prop)
    return _Test(name, op, value)


def parse_filter(text: str) -> list[list[_Test]]:
    """The filter as a conjunction of disjunctions (each inner list: one property's ``or``)."""
    if not text.strip():
        return []
    out: list[list[_Test]] = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            alts = [_clause(a) for a in re.split(r"\s+or\s+", part[1:-1], flags=re.IGNORECASE)]
            if len({a.prop for a in alts}) != 1 or any(a.op != "eq" for a in alts):
                raise _unsupported(alts[0].prop)
            out.append(alts)
        else:
            out.append([_clause(part)])
    return out


def _value(e: Event, prop: str) -> str:
    if prop == "activityDisplayName":
        return ACTIVITIES[e.op]
    if prop == "category":
        return "GroupManagement"
    return "Core Directory"


def _keep(e: Event, tests: list[list[_Test]]) -> bool:
    for alts in tests:
        ok = False
        for t in alts:
            if t.prop == "activityDateTime":
                limit = int(t.value)
                ok = {"ge": e.ts >= limit, "le": e.ts <= limit}.get(t.op, e.ts == limit)
            elif t.op == "startswith":
                ok = _value(e, t.prop).lower().startswith(t.value.lower())
            else:
                ok = _value(e, t.prop).lower() == t.value.lower()
            if ok:
                break
        if not ok:
            return False
    return True


# --- rendering ---------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    return f'"{value}"'


def _initiator(state: GraphState, e: Event) -> dict[str, Any]:
    org = state.org
    who = e.person if e.actor == ADDED_BY_SELF else e.actor
    if who >= 0:
        p = org.people[who]
        return {
            "app": None,
            "user": {
                "id": state.user_id(who),
                "displayName": None,
                "userPrincipalName": p.upn,
                "ipAddress": "",
                "userType": None,
                "homeTenantId": None,
                "homeTenantName": None,
            },
        }
    app = org.groups[e.group].created_by_app
    if app >= 0:
        # The app IT provisioned the community with made the adds nobody made by hand.
        name, app_id, sp_id = org.apps[app].name, org.app_client_id(app), org.app_id(app)
    else:
        name, app_id = SYSTEM_APP
        sp_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org.tenant}/{app_id}"))
    return {
        "app": {
            "appId": app_id,
            "displayName": name,
            "servicePrincipalId": sp_id,
            "servicePrincipalName": None,
        },
        "user": None,
    }


def render(state: GraphState, e: Event) -> dict[str, Any]:
    """One directoryAudit object."""
    org = state.org
    gid = org.group_id(e.group)
    g = org.groups[e.group]
    adding = e.op in (Op.MEMBER_ADDED, Op.OWNER_ADDED)

    def prop(name: str, value: str) -> dict[str, Any]:
        quoted = _quoted(value) if value else ""
        return {
            "displayName": name,
            "oldValue": None if adding else quoted,
            "newValue": quoted if adding else None,
        }

    digest = hashlib.blake2b(f"{org.salt}|{e.key}".encode(), digest_size=16).digest()
    correlation = str(uuid.UUID(bytes=digest))
    return {
        "id": f"Directory_{correlation.split('-')[0].upper()}_{abs(e.key)}",
        "category": "GroupManagement",
        "correlationId": correlation,
        "result": "success",
        "resultReason": "",
        "activityDisplayName": ACTIVITIES[e.op],
        "activityDateTime": ids.iso(e.ts)[:-1] + ".0000000Z",
        "loggedByService": "Core Directory",
        "operationType": "Assign" if adding else "Unassign",
        "initiatedBy": _initiator(state, e),
        "targetResources": [
            {
                "id": state.user_id(e.person),
                "displayName": None,
                "type": "User",
                "userPrincipalName": org.people[e.person].upn,
                "groupType": None,
                "modifiedProperties": [
                    prop("Group.ObjectID", gid),
                    prop("Group.DisplayName", g.name),
                    prop("Group.WellKnownObjectName", ""),
                ],
            },
            {
                "id": gid,
                "displayName": None,
                "type": "Group",
                "userPrincipalName": None,
                "groupType": "unifiedGroups",
                "modifiedProperties": [],
            },
        ],
        "additionalDetails": [],
    }


# --- the endpoint ------------------------------------------------------------------------------


def _options(call: Call) -> dict[str, str]:
    return {k.lstrip("$").lower(): v for k, v in call.query.items()}


def list_audits(call: Call) -> Reply:
    """``GET /auditLogs/directoryAudits``: newest first, paged by ``$skiptoken``."""
    state, org = call.state, call.org
    opts = _options(call)
    top_text = opts.get("top")
    top = PAGE
    if top_text is not None:
        if not top_text.isdigit() or not 1 <= int(top_text) <= PAGE:
            raise bad_request(
                f"Invalid page size specified: '{top_text}'. Must be between 1 and {PAGE}."
            )
        top = int(top_text)
    order = (opts.get("orderby") or "activityDateTime desc").strip().lower().split()
    if order[0] != "activitydatetime" or order[-1] not in ("asc", "desc", "activitydatetime"):
        raise bad_request(f"Invalid $orderby '{opts.get('orderby')}'.")
    ascending = order[-1] == "asc"
    tests = parse_filter(opts.get("filter") or "")
    token = opts.get("skiptoken")
    if token:
        _, upto, cutoff, start = decode_token(token, "audit")
    else:
        upto, start = org.log.seq, 0
        cutoff = org.now + 1 - state.settings.audit_retention_days * ids.DAY

    def build() -> list[Event]:
        events = [e for e in _events(state, upto, cutoff) if _keep(e, tests)]
        return events if ascending else events[::-1]

    events: Sequence[Event] = state.cached(("audit", opts.get("filter"), ascending, upto), build)
    page = events[start : start + top]
    body: dict[str, Any] = {
        "@odata.context": f"{call.root}/$metadata#auditLogs/directoryAudits",
    }
    if start + top < len(events):
        body["@odata.nextLink"] = call.next_link(encode_token(["audit", upto, cutoff, start + top]))
    body["value"] = [render(state, e) for e in page]
    return Reply(body)


_handler: Callable[[Call], Reply] = list_audits

ENDPOINTS: tuple[Endpoint, ...] = tuple(
    Endpoint("GET", path, _handler, auth.AUDIT_READ, service="audit")
    for path in ("/auditLogs/directoryAudits", "/auditLogs/directoryaudits")
)

"""Who added whom to which group, and when: the Entra directory audit log.

Graph's member lists carry neither a join time nor an adder; the directory audit log does
(``GET /auditLogs/directoryAudits``, permission ``AuditLog.Read.All``). Each run reads the
events since the last one it stored, filtered on ``activityDateTime`` and the four membership
activities, and stamps the grants it writes in the same run with ``since`` and ``added_by``:

* ``initiatedBy.user`` is the adder: the member themselves for a self-join (a public team),
  a colleague or an owner otherwise;
* ``initiatedBy.app`` is a system add (provisioning, team creation): the app is written as a
  service principal, so the report counts its adds as system adds, not a person's.

The log keeps 7 days on Entra ID Free and 30 on P1/P2 (setting ``audit_retention_days``): when
the last read is older than that, the days in between are not covered; the run says how many
and marks the part incomplete, and joins in them stay without adder (unattributed). Requests
are paced at the identity and access reports limit (5 per 10 s per app and tenant) and counted
in the run's figures. An event that cannot be used (a missing field, an unknown activity, an
initiator that is neither user nor app, a group or member govern did not write in this run) is
counted and said, never fatal.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from govern.connector import DiscoverySink
from govern.model import Grant, Principal, PrincipalKind, Role, make_id, split_id, utcnow
from govern_m365.mapping import CONNECTOR, parse_time, user_id
from govern_m365.permissions import Feature
from govern_m365.run import Run
from govern_m365.session import Pacer

TOKEN = "audit_log"
"""Delta token: the time of the newest event read, and the ids of the events at that time."""

ACTIVITIES = {
    "Add member to group": ("member", True),
    "Remove member from group": ("member", False),
    "Add owner to group": ("owner", True),
    "Remove owner from group": ("owner", False),
}
"""The activities read: (which grant, added or removed)."""

_FILTER_ACTIVITIES = " or ".join(f"activityDisplayName eq '{a}'" for a in ACTIVITIES)


@dataclass(frozen=True)
class Join:
    """How one grant came in: when and by whom (a principal id)."""

    at: datetime
    by: str
    event: str


@dataclass
class AuditFacts:
    """What the log says about grants still standing, and what could not be used."""

    joins: dict[tuple[str, str, str], Join] = field(default_factory=dict)
    """(``member`` or ``owner``, native group id, principal id) -> the add still standing."""
    used: set[tuple[str, str, str]] = field(default_factory=set)
    events: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    """Reason -> events that could not be used."""
    apps: dict[str, str] = field(default_factory=dict)
    """Principal id -> display name of apps that initiated adds."""


class StampingSink:
    """The run's sink, with grants stamped by the audit log's join times and adders.

    The log is read alongside the rest of discovery (it has its own throttling limit, and at
    5 requests per 10 s a month of a large tenant's log takes minutes): grants written before
    it is read are passed on as they are and remembered by a hash of their key, and
    :meth:`settle` writes again, stamped, those the log knows the add of (the store keeps the
    last write of a key). A 64-bit hash keeps millions of grants in tens of MiB; a collision
    (odds ~1e-8 for 50,000 adds against 2,000,000 grants) could only stamp a grant's twin.
    """

    def __init__(self, inner: DiscoverySink, facts: AuditFacts, ready: bool = True) -> None:
        self.inner = inner
        self.facts = facts
        self.ready = ready
        self._written: set[int] = set()
        """Hashes of (community id, principal id, role) of group grants written unstamped."""
        self._groups: dict[str, str] = {}
        """Community id -> native group id of the grants written unstamped."""
        self.restamped = 0
        """Grants written again, stamped, by :meth:`settle`."""

    def grant(self, grant: Grant) -> None:
        """Stamp a group grant the log knows the add of, then pass it on."""
        if grant.since is None and grant.community_id.startswith(f"{CONNECTOR}:"):
            if not self.ready:
                self._written.add(hash(grant.key))
                if grant.community_id not in self._groups:
                    self._groups[grant.community_id] = split_id(grant.community_id)[2]
            else:
                kind = "owner" if grant.role is Role.OWNER else "member"
                key = (kind, split_id(grant.community_id)[2], grant.principal_id)
                join = self.facts.joins.get(key)
                if join is not None:
                    self.facts.used.add(key)
                    grant = grant.model_copy(update={"since": join.at, "added_by": join.by})
        self.inner.grant(grant)

    def grants(
        self, community_id: str, role: Role, principal_ids: Sequence[str], source: str | None
    ) -> None:
        """Stamp those of a page of grants the log knows the add of, pass all of them on."""
        if not principal_ids or not community_id.startswith(f"{CONNECTOR}:"):
            self.inner.grants(community_id, role, principal_ids, source)
            return
        value = role.value
        if not self.ready:
            written = self._written
            written.update(hash((community_id, pid, value)) for pid in principal_ids)
            if community_id not in self._groups:
                self._groups[community_id] = split_id(community_id)[2]
            self.inner.grants(community_id, role, principal_ids, source)
            return
        kind = "owner" if role is Role.OWNER else "member"
        gid = split_id(community_id)[2]
        joins = self.facts.joins
        plain = [pid for pid in principal_ids if (kind, gid, pid) not in joins]
        self.inner.grants(community_id, role, plain, source)
        if len(plain) < len(principal_ids):
            known = set(plain)
            for pid in principal_ids:
                if pid not in known:
                    self.grant(
                        Grant(
                            community_id=community_id,
                            principal_id=pid,
                            role=role,
                            source=source,
                        )
                    )

    def remove_grant(self, community_id: str, principal_id: str, role: str) -> None:
        """Pass a removal on; a grant removed is not written again by :meth:`settle`."""
        self._written.discard(hash((community_id, principal_id, role)))
        self.inner.remove_grant(community_id, principal_id, role)

    def settle(self) -> None:
        """The log is read: stamp the grants written before, from now on stamp as they come."""
        self.ready = True
        written, self._written = self._written, set()
        cids: dict[str, list[str]] = {}
        for cid, gid in self._groups.items():
            cids.setdefault(gid, []).append(cid)
        self._groups = {}
        for key, join in self.facts.joins.items():
            kind, gid, pid = key
            if key in self.facts.used:
                continue
            roles = (Role.OWNER,) if kind == "owner" else (Role.MEMBER, Role.GUEST)
            for cid, role in ((c, r) for c in cids.get(gid, ()) for r in roles):
                if hash((cid, pid, role.value)) in written:
                    self.facts.used.add(key)
                    self.restamped += 1
                    self.inner.grant(
                        Grant(
                            community_id=cid,
                            principal_id=pid,
                            role=role,
                            since=join.at,
                            added_by=join.by,
                            source="owners" if role is Role.OWNER else "members",
                        )
                    )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass(frozen=True)
class Mark:
    """Where the last read ended.

    The newest event's time and the ids at that time (read again, not used twice), and Graph's
    clock at the read: the log was complete up to then, events or not.
    """

    at: datetime
    ids: frozenset[str]
    read: datetime

    def dump(self) -> str:
        """The delta token's text."""
        return json.dumps(
            {"at": self.at.isoformat(), "ids": sorted(self.ids), "read": self.read.isoformat()}
        )

    @staticmethod
    def load(text: str | None) -> Mark | None:
        """A mark from a token; None for no token or one this version cannot read."""
        try:
            data = json.loads(text or "")
            at = datetime.fromisoformat(data["at"])
            read = datetime.fromisoformat(data["read"])
            return Mark(at, frozenset(data["ids"]), read)
        except (ValueError, KeyError, TypeError):
            return None


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(mark: Mark | None, now: datetime, retention_days: int) -> tuple[datetime, float]:
    """Where to start reading, and the days between the last read and what the log holds."""
    oldest = now - timedelta(days=retention_days)
    if mark is None:
        return oldest, 0.0
    gap = max(0.0, (oldest - mark.read).total_seconds() / 86400)
    return max(mark.at, oldest), gap


def _modified(target: Mapping[str, Any], name: str) -> str | None:
    for prop in target.get("modifiedProperties") or []:
        if isinstance(prop, Mapping) and prop.get("displayName") == name:
            raw = prop.get("newValue") or prop.get("oldValue")
            if not raw:
                return None
            try:
                value = json.loads(raw)  # Graph writes these values JSON-quoted
            except (TypeError, ValueError):
                value = raw
            return str(value) if value else None
    return None


_MEMBER_KINDS = {"user": "user", "serviceprincipal": "app", "group": "group", "device": "device"}


def _member(targets: list[Any], group_id: str) -> str | None:
    """The principal id of the member or owner target (the one that is not the group)."""
    for t in targets:
        if not isinstance(t, Mapping) or str(t.get("id") or "") in ("", group_id):
            continue
        kind = _MEMBER_KINDS.get(str(t.get("type") or "").lower())
        if kind == "user":
            return user_id(t["id"])
        if kind is not None:
            return make_id(CONNECTOR, kind, str(t["id"]))
    return None


def _group(targets: list[Any]) -> str | None:
    """The group's id: from a target's ``Group.ObjectID``, else the target of type Group."""
    for t in targets:
        if isinstance(t, Mapping) and (gid := _modified(t, "Group.ObjectID")):
            return gid
    for t in targets:
        if isinstance(t, Mapping) and str(t.get("type", "")).lower() == "group" and t.get("id"):
            return str(t["id"])
    return None


def _initiator(event: Mapping[str, Any], facts: AuditFacts) -> str | None:
    by = event.get("initiatedBy")
    if not isinstance(by, Mapping):
        return None
    user, app = by.get("user"), by.get("app")
    if isinstance(user, Mapping) and user.get("id"):
        return user_id(user["id"])
    if isinstance(app, Mapping) and (app.get("servicePrincipalId") or app.get("appId")):
        pid = make_id(CONNECTOR, "app", str(app.get("servicePrincipalId") or app["appId"]))
        facts.apps.setdefault(pid, str(app.get("displayName") or app.get("appId") or pid))
        return pid
    return None


def apply_event(event: Any, facts: AuditFacts) -> None:
    """Fold one event (oldest first) into the standing adds, or count why it is skipped."""
    facts.events += 1
    if not isinstance(event, Mapping):
        facts.skipped["not an object"] += 1
        return
    activity = event.get("activityDisplayName")
    if activity not in ACTIVITIES:
        facts.skipped["unknown activity"] += 1
        return
    at = event.get("activityDateTime")
    targets = event.get("targetResources")
    if not at or not isinstance(targets, list) or not targets:
        facts.skipped["missing activityDateTime or targetResources"] += 1
        return
    group = _group(targets)
    member = _member(targets, group) if group else None
    if group is None or member is None:
        facts.skipped["no group or member in targetResources"] += 1
        return
    adder = _initiator(event, facts)
    if adder is None:
        facts.skipped["initiator neither a user nor an app"] += 1
        return
    try:
        when = parse_time(at)
    except ValueError:
        when = None
    if when is None:
        facts.skipped["unreadable activityDateTime"] += 1
        return
    kind, added = ACTIVITIES[activity]
    key = (kind, group, member)
    if added:
        facts.joins[key] = Join(when, adder, str(event.get("id") or ""))
    else:
        facts.joins.pop(key, None)


async def read(run: Run, mark_text: str | None, facts: AuditFacts) -> Mark | None:
    """Read the events since the last mark into ``facts``; the new mark (None on a refusal)."""
    s = run.session
    settings = run.settings
    mark = Mark.load(mark_text)
    now = s.first_date or utcnow()
    start, uncovered = window(mark, now, settings.audit_retention_days)
    if uncovered >= 1 / 24:
        run.sink.incomplete(
            Feature.AUDIT.value,
            f"{uncovered:.1f} days between the last directory audit log read "
            f"({_iso(mark.read) if mark else '?'}) and {_iso(start)} are no longer in the log "
            f"(it keeps {settings.audit_retention_days} days): joins in them have no adder; "
            f"run discovery at least every {settings.audit_retention_days} days",
        )
    run.sink.stat("audit_log_uncovered_days", round(uncovered, 2))
    flt = f"activityDateTime ge {_iso(start)} and ({_FILTER_ACTIVITIES})"
    url = f"{s.base}/auditLogs/directoryAudits?$filter={quote(flt, safe='=()')}"
    # Paced at the log's own rate with one request of headroom: Graph's bucket holds 5, and
    # requests that reach it closer together than sent would otherwise be refused.
    limit = settings.audit_requests_per_10s
    pacer = Pacer(limit, burst=max(1, limit - 1))
    started = time.monotonic()
    requests = 0
    events: list[Any] = []
    while url:
        await pacer.take(1)
        page = await s.json(s.request_for_url(url), Feature.AUDIT, "directory audit log")
        requests += 1
        value = page.get("value")
        events.extend(value if isinstance(value, list) else [])
        url = str(page.get("@odata.nextLink") or "")
    fresh = [e for e in events if not (mark and isinstance(e, Mapping) and e.get("id") in mark.ids)]
    fresh.sort(key=lambda e: str(e.get("activityDateTime") or "") if isinstance(e, Mapping) else "")
    for event in fresh:
        apply_event(event, facts)
    run.sink.stat("audit_log_requests", requests)
    run.sink.stat("audit_log_events", len(fresh))
    run.sink.stat("audit_log_seconds", round(time.monotonic() - started, 2))
    return _next_mark(fresh, mark, start, now)


def write_apps(run: Run, facts: AuditFacts) -> None:
    """The apps that added members, as service principals: their adds are system adds.

    Written once the log is read and the run's people are written (the store keeps the order
    records arrive in, and people come first).
    """
    for pid, name in sorted(facts.apps.items()):
        run.sink.principal(Principal(id=pid, kind=PrincipalKind.SERVICE, display_name=name))


def _next_mark(events: list[Any], mark: Mark | None, start: datetime, now: datetime) -> Mark:
    stamped = [
        (t, str(e.get("id") or ""))
        for e in events
        if isinstance(e, Mapping) and (t := _time(e.get("activityDateTime"))) is not None
    ]
    if not stamped:
        if mark and mark.at >= start:
            return Mark(mark.at, mark.ids, now)
        return Mark(start, frozenset(), now)
    newest = max(t for t, _ in stamped)
    same = {i for t, i in stamped if t == newest}
    if mark and mark.at == newest:
        same |= mark.ids
    return Mark(newest, frozenset(same), now)


def _time(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


def report(run: Run, facts: AuditFacts) -> None:
    """Say what the log gave: grants stamped, events not used and why."""
    sink = run.sink
    unused = len(facts.joins) - len(facts.used)
    sink.stat("audit_log_grants_stamped", len(facts.used))
    sink.stat("audit_log_events_skipped", sum(facts.skipped.values()))
    sink.stat("audit_log_adds_unmatched", unused)
    if facts.skipped:
        why = ", ".join(f"{n} {reason}" for reason, n in facts.skipped.most_common())
        sink.log(
            f"m365: directory audit log: {sum(facts.skipped.values())} events not used ({why})"
        )
    if unused:
        sink.log(
            f"m365: directory audit log: {unused} adds match no grant written in this run "
            f"(a group or member govern does not read, e.g. a security group, or one already "
            f"recorded by an earlier run)"
        )

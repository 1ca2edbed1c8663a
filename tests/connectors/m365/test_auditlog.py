"""Join dates and adders from the directory audit log, through msgraph-sdk over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from govern.model import Grant, Role
from govern.sandbox import ids
from govern.sandbox.entities import ADDED_BY_SELF, ADDED_BY_SYSTEM, GroupKind
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, m365_settings


def _expected(org: Any, group: int, person: int, joined: int, by: int) -> tuple[datetime, str]:
    """What the grant of ``person`` should carry: the join time and the adder's principal id."""
    when = ids.to_datetime(joined).replace(tzinfo=UTC)
    if by == ADDED_BY_SYSTEM:
        return when, "m365:app:"
    who = person if by == ADDED_BY_SELF else by
    return when, f"m365:user:{org.user_id(who)}"


def _grants(store: Any) -> dict[tuple[str, str, str], Grant]:
    return {g.key: g for g in q.grants(store)}


def _cid(org: Any, group: int) -> str:
    kind = {GroupKind.TEAM: "team", GroupKind.UNIFIED: "group", GroupKind.ENGAGE: "engage"}
    return f"m365:{kind[org.groups[group].kind]}:{org.group_id(group)}"


def _check(org: Any, store: Any, since: int) -> int:
    """Every member who joined a community after ``since`` has the right join facts."""
    grants = _grants(store)
    checked = 0
    for g in org.groups:
        if g.deleted != -1 or not g.is_community:
            continue
        for person, joined, by in g.members.page(0, len(g.members)):
            if joined < since:
                continue
            role = Role.GUEST if org.people[person].guest else Role.MEMBER
            got = grants[(_cid(org, g.idx), f"m365:user:{org.user_id(person)}", role.value)]
            when, adder = _expected(org, g.idx, person, joined, by)
            assert got.since is not None and got.since.replace(tzinfo=UTC) == when, (
                got,
                g.name,
                g.kind,
                person,
                joined,
                by,
                org.people[person].guest,
            )
            assert got.added_by is not None and got.added_by.startswith(adder), (got, adder)
            checked += 1
    return checked


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_full_then_incremental_runs_stamp_joins(sandbox, discover: Discover) -> None:
    org = sandbox.org
    outcome, _ = discover(m365_settings(sandbox))
    store = discover.stores["inventory"]
    stats = outcome.snapshot.stats
    assert stats["audit_log_requests"] >= 1 and stats["audit_log_events"] > 0
    assert stats["audit_log_grants_stamped"] > 0
    assert _check(org, store, org.now + 1 - 30 * ids.DAY) > 20
    # Joins older than the log's 30 days stay unknown: never guessed.
    old = [g for g in _grants(store).values() if g.since is None and g.role is not Role.OWNER]
    assert old
    # System adds name the app, written as a service principal.
    services = {p.id for p in q.principals(store) if p.kind.value == "service"}
    assert services and all(s.startswith("m365:app:") for s in services)

    start = org.now + 1
    sandbox.advance(3)
    outcome, _ = discover(m365_settings(sandbox))
    assert outcome.snapshot.mode.value == "incremental"
    assert outcome.snapshot.complete, outcome.snapshot.incomplete
    assert outcome.snapshot.stats["audit_log_events"] > 0
    assert _check(org, store, start) > 0
    assert outcome.snapshot.stats["audit_log_uncovered_days"] == 0


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_join_facts_survive_a_full_run_after_the_log_forgot_them(
    sandbox, discover: Discover
) -> None:
    discover(m365_settings(sandbox))
    store = discover.stores["inventory"]
    before = {k: (g.since, g.added_by) for k, g in _grants(store).items() if g.since}
    sandbox.advance(31)
    outcome, _ = discover(m365_settings(sandbox), full=True)
    assert outcome.snapshot.mode.value == "full"
    after = {k: (g.since, g.added_by) for k, g in _grants(store).items()}
    kept = [k for k in before if k in after]
    assert kept and all(after[k] == before[k] for k in kept)


@pytest.mark.sandbox(size="tiny", seed=2, servers=("graph",))
def test_a_gap_longer_than_retention_is_said(sandbox, discover: Discover) -> None:
    discover(m365_settings(sandbox, audit_retention_days=7))
    sandbox.advance(10)
    outcome, _ = discover(m365_settings(sandbox, audit_retention_days=7))
    snap = outcome.snapshot
    assert not snap.complete
    gap = snap.stats["audit_log_uncovered_days"]
    assert 2.5 < gap < 3.5, gap
    assert any("no longer in the log" in why and "7 days" in why for why in snap.incomplete)


@pytest.mark.sandbox(size="tiny", seed=3, servers=("graph",))
def test_without_auditlog_read_all_discovery_goes_on(sandbox, discover: Discover) -> None:
    perms = (
        "User.Read.All,GroupMember.Read.All,Sites.Read.All,Community.Read.All,Reports.Read.All,"
        "DelegatedPermissionGrant.Read.All,Application.Read.All,TeamsAppInstallation.ReadForTeam.All"
    )
    outcome, _ = discover(m365_settings(sandbox, static_token=f"sandbox-scoped:{perms}"))
    snap = outcome.snapshot
    [reason] = snap.incomplete
    assert reason.startswith("audit-log: missing permission AuditLog.Read.All"), reason
    assert "adders" in reason and "grant AuditLog.Read.All to the app registration" in reason
    assert snap.stats["grants_seen"] > 0
    assert all(g.since is None for g in q.grants(discover.stores["inventory"]))


def test_bad_events_are_counted_never_fatal() -> None:
    from govern_m365.auditlog import AuditFacts, apply_event

    gid, uid = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
    good: dict[str, Any] = {
        "id": "e1",
        "activityDisplayName": "Add member to group",
        "activityDateTime": "2026-11-02T10:00:00Z",
        "initiatedBy": {"user": {"id": uid}, "app": None},
        "targetResources": [
            {"id": uid, "type": "User", "modifiedProperties": [
                {"displayName": "Group.ObjectID", "oldValue": None, "newValue": f'"{gid}"'}]},
            {"id": gid, "type": "Group", "modifiedProperties": []},
        ],
    }  # fmt: skip
    facts = AuditFacts()
    for event in (
        good,
        {**good, "activityDisplayName": "Update group"},
        {k: v for k, v in good.items() if k != "activityDateTime"},
        {**good, "initiatedBy": {"user": None, "app": None}},
        {**good, "targetResources": [{"id": uid, "type": "User", "modifiedProperties": []}]},
        {**good, "activityDateTime": "yesterday"},
        "not an event",
    ):
        apply_event(event, facts)
    assert facts.events == 7
    assert list(facts.joins) == [("member", gid, f"m365:user:{uid}")]
    assert dict(facts.skipped) == {
        "unknown activity": 1,
        "missing activityDateTime or targetResources": 1,
        "initiator neither a user nor an app": 1,
        "no group or member in targetResources": 1,
        "unreadable activityDateTime": 1,
        "not an object": 1,
    }
    apply_event({**good, "activityDisplayName": "Remove member from group"}, facts)
    assert not facts.joins, "a removal after the add leaves no standing add"


class _Recorder:
    """A sink that keeps the grants written, last write of a key winning (as the store does)."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str, str], Grant] = {}

    def grant(self, grant: Grant) -> None:
        self.kept[grant.key] = grant

    def grants(self, cid: str, role: Role, pids: list[str], source: str | None) -> None:
        for pid in pids:
            self.grant(Grant(community_id=cid, principal_id=pid, role=role, source=source))

    def remove_grant(self, community_id: str, principal_id: str, role: str) -> None:
        self.kept.pop((community_id, principal_id, role), None)


def test_grants_written_before_the_log_is_read_are_stamped_when_it_is() -> None:
    from govern_m365.auditlog import AuditFacts, Join, StampingSink
    from govern_m365.mapping import grant

    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    team, group = "m365:team:g1", "m365:group:g2"
    ann, bob, cat = "m365:user:a", "m365:user:b", "m365:user:c"
    facts = AuditFacts()
    recorder = _Recorder()
    sink = StampingSink(recorder, facts, ready=False)  # type: ignore[arg-type]
    sink.grant(grant(team, ann, Role.MEMBER))
    sink.grant(grant(team, bob, Role.GUEST))
    sink.grant(grant(team, ann, Role.OWNER))
    sink.grant(grant(group, cat, Role.MEMBER))
    sink.remove_grant(group, cat, Role.MEMBER.value)  # left again within the run
    # The log, read meanwhile: adds of ann (member), bob (guest), cat, and one of a group
    # whose grants this run never wrote (a security group).
    facts.joins[("member", "g1", ann)] = Join(at, bob, "e1")
    facts.joins[("member", "g1", bob)] = Join(at, ann, "e2")
    facts.joins[("member", "g2", cat)] = Join(at, ann, "e3")
    facts.joins[("member", "g9", ann)] = Join(at, ann, "e4")
    sink.settle()

    assert sink.restamped == 2
    got = recorder.kept
    assert (got[(team, ann, "member")].since, got[(team, ann, "member")].added_by) == (at, bob)
    assert got[(team, bob, "guest")].added_by == ann and got[(team, bob, "guest")].source
    assert got[(team, ann, "owner")].since is None, "no owner add in the log: unknown stays"
    assert (group, cat, "member") not in got, "a grant removed is not written again"
    assert all(g.community_id in (team, group) for g in got.values()), "nothing invented"
    # From now on grants are stamped as they are written.
    facts.joins[("owner", "g2", bob)] = Join(at, ann, "e5")
    sink.grant(grant(group, bob, Role.OWNER))
    assert got[(group, bob, "owner")].since == at


def test_a_page_of_grants_is_stamped_as_single_grants_are() -> None:
    """``grants`` (a members page at a time) stamps, before and after the log is read, as
    ``grant`` does one by one."""
    from govern_m365.auditlog import AuditFacts, Join, StampingSink

    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    team = "m365:team:g1"
    ann, bob, cat, dan = "m365:user:a", "m365:user:b", "m365:user:c", "m365:user:d"
    facts = AuditFacts()
    recorder = _Recorder()
    sink = StampingSink(recorder, facts, ready=False)  # type: ignore[arg-type]
    sink.grants(team, Role.MEMBER, [ann, bob], "members")
    facts.joins[("member", "g1", ann)] = Join(at, cat, "e1")
    facts.joins[("member", "g1", dan)] = Join(at, cat, "e2")
    sink.settle()
    got = recorder.kept
    assert sink.restamped == 1
    assert (got[(team, ann, "member")].since, got[(team, ann, "member")].added_by) == (at, cat)
    assert got[(team, bob, "member")].since is None, "no add in the log: unknown stays"
    # Once the log is read, a page is stamped as it is written; the others pass unstamped.
    sink.grants(team, Role.MEMBER, [cat, dan], "members")
    assert got[(team, dan, "member")].added_by == cat and got[(team, dan, "member")].source
    assert got[(team, cat, "member")].since is None
    assert ("member", "g1", dan) in facts.used

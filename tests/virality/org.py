"""A small hand-built organisation with one planted story per recommendation.

Every member's join time and adder is chosen here, and each snapshot contains exactly the
grants that had begun by its time, so the metrics can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from govern.model import (
    Activity,
    Community,
    Grant,
    Membership,
    Origin,
    Principal,
    PrincipalKind,
    Role,
    Visibility,
)
from govern.store import Store
from tests import factories

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DEPTS = ["Sales", "Finance", "Engineering", "Marketing", "HR", "Legal", "Operations", "Support"]


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


@dataclass
class Org:
    people: list[Principal] = field(default_factory=list)
    confluence_people: list[Principal] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    activity: list[Callable[[datetime], Activity | None]] = field(default_factory=list)


def person(n: int) -> Principal:
    return factories.person(
        str(n),
        display_name=f"Person {n}",
        email=f"p{n}@contoso.example",
        department=DEPTS[n % len(DEPTS)],
    )


def team(
    key: str,
    name: str,
    origin: Origin = Origin.SELF_SERVICE,
    created: float = -200,
    last_activity: float | None = 89,
    label: str | None = None,
    kind: str = "team",
    connector: str = "m365",
    attributes: dict[str, object] | None = None,
) -> Community:
    return factories.team(
        key,
        name,
        connector=connector,
        kind=kind,
        visibility=Visibility.PRIVATE,
        sensitivity_label=label,
        created_at=day(created),
        created_by="m365:user:0",
        origin=origin,
        last_activity_at=day(last_activity) if last_activity is not None else None,
        attributes=attributes or {},
    )


def grant(c: Community, p: str, at: float, by: str | None, role: Role = Role.MEMBER) -> Grant:
    return factories.grant(c, p, role, since=day(at), added_by=by)


def d30(c: Community, active: int, posts: int) -> Callable[[datetime], Activity]:
    return lambda when: Activity(
        community_id=c.id,
        period="D30",
        report_date=when.date(),
        active_users=active,
        posts=posts,
        last_activity_at=c.last_activity_at,
    )


def build() -> Org:
    """The planted stories (members are persons 1..600; person 0 is the IT steward)."""
    org = Org()
    org.people = [person(n) for n in range(0, 600)]
    org.people.append(
        Principal(id="m365:user:g1", kind=PrincipalKind.GUEST, email="ann@partner.example")
    )
    org.people.append(Principal(id="m365:app:sync", kind=PrincipalKind.SERVICE))
    org.people.append(
        Principal(id="m365:group:stewards", kind=PrincipalKind.GROUP, display_name="IT Stewards")
    )
    org.memberships.append(Membership(group_id="m365:group:stewards", member_id="m365:user:0"))

    # 1. Viral grassroots: 160 people from every department, each added by someone already in
    # (or themselves), a few a day over 80 days; 40% active.
    guild = team("guild", "Data Guild", created=-5)
    org.communities.append(guild)
    org.grants.append(grant(guild, "m365:user:1", -5, "m365:user:1", Role.OWNER))
    org.grants.append(grant(guild, "m365:user:1", -5, "m365:user:1"))
    for i in range(2, 161):
        adder = f"m365:user:{max(1, i // 3)}" if i % 4 else f"m365:user:{i}"
        org.grants.append(grant(guild, f"m365:user:{i}", -4 + (i - 2) * 0.59, adder))
    org.activity.append(d30(guild, 64, 900))

    # 2. The control: 150 people of every department bulk-added by the owner in one afternoon.
    allhands = team("allhands", "All Hands Q1", created=-2)
    org.communities.append(allhands)
    org.grants.append(grant(allhands, "m365:user:200", -2, "m365:user:200", Role.OWNER))
    for i in range(201, 351):
        org.grants.append(grant(allhands, f"m365:user:{i}", -1 + (i - 201) / 1000, "m365:user:200"))
    org.activity.append(d30(allhands, 40, 60))

    # 3. Inactive and ownerless: archive.
    old = team("old", "Old Project", created=-400, last_activity=-150)
    org.communities.append(old)
    for i in range(400, 412):
        org.grants.append(grant(old, f"m365:user:{i}", -390, "m365:user:400"))
    org.activity.append(d30(old, 0, 0))

    # 4. A non-home Viva Engage network with 40 people.
    ext = team("net-fabrikam", "Fabrikam Friends", origin=Origin.EXTERNAL_NETWORK, kind="network")
    org.communities.append(ext)
    for i in range(420, 460):
        org.grants.append(grant(ext, f"m365:user:{i}", -100 + i - 420, f"m365:user:{i}"))
    org.activity.append(d30(ext, 25, 140))

    # 5. A personal Confluence space that 9 colleagues work in.
    org.confluence_people = [
        Principal(
            id=f"confluence:user:{n}",
            kind=PrincipalKind.EMPLOYEE,
            display_name=f"Person {n}",
            email=f"p{n}@contoso.example",
        )
        for n in [0, *range(470, 480)]
    ]
    space = team(
        "~p470", "Person 470", kind="space", connector="confluence", attributes={"type": "personal"}
    )
    org.communities.append(space)
    org.grants.append(grant(space, "confluence:user:470", -150, None, Role.OWNER))
    for i in range(471, 480):
        org.grants.append(
            grant(space, f"confluence:user:{i}", -60 + i - 471, "confluence:user:470")
        )
    org.activity.append(
        lambda when: Activity(
            community_id=space.id,
            period="D30",
            active_users=8,
            page_edits=120,
            last_activity_at=day(89),
        )
    )

    # 6. An unsanctioned app spreading by consents: 30 people over 60 days.
    app = team("whiteboardz", "Whiteboardz", origin=Origin.UNSANCTIONED_APP, kind="app")
    org.communities.append(app)
    for i in range(500, 530):
        org.grants.append(grant(app, f"m365:user:{i}", 30 + (i - 500) * 2, f"m365:user:{i}"))

    # 7. Small but growing fast: 14 people, 10 of them in the last 30 days: monitor.
    small = team("rust", "Rust Circle", created=-100)
    org.communities.append(small)
    org.grants.append(grant(small, "m365:user:540", -100, "m365:user:540", Role.OWNER))
    for i in range(541, 544):
        org.grants.append(grant(small, f"m365:user:{i}", -90, "m365:user:540"))
    for i in range(544, 554):
        org.grants.append(grant(small, f"m365:user:{i}", 62 + (i - 544) * 2, f"m365:user:{i}"))
    org.activity.append(d30(small, 10, 50))

    # 8. IT provisioned, labelled, big: counted in the picture, not shadow IT.
    hr = team("hr", "HR Portal", origin=Origin.IT_PROVISIONED, label="General", created=-300)
    org.communities.append(hr)
    org.grants.append(grant(hr, "m365:user:0", -300, "m365:app:sync", Role.OWNER))
    for i in range(1, 300):
        org.grants.append(grant(hr, f"m365:user:{i}", -300, "m365:app:sync"))
    org.grants.append(grant(hr, "m365:user:g1", -200, "m365:user:0", Role.GUEST))
    org.activity.append(d30(hr, 100, 200))
    return org


def write(store: Store, org: Org, at: Iterable[float], *, with_since: bool = True) -> None:
    """One full snapshot per connector at each day in ``at``, holding what existed then."""
    for when in at:
        t = day(when)
        for connector, people in (("m365", org.people), ("confluence", org.confluence_people)):
            with store.snapshot(connector, "contoso") as w:
                w.observed_at(t)
                for p in people:
                    w.principal(p)
                for m in org.memberships if connector == "m365" else []:
                    w.membership(m)
                for c in org.communities:
                    if c.connector == connector and c.created_at and c.created_at <= t:
                        w.community(c)
                for g in org.grants:
                    if g.community_id.startswith(connector + ":") and g.since and g.since <= t:
                        w.grant(
                            g
                            if with_since
                            else g.model_copy(update={"since": None, "added_by": None})
                        )
                for make in org.activity:
                    a = make(t)
                    if a is not None and a.community_id.startswith(connector + ":"):
                        w.activity(a)


REPORT_DAY = 90
SNAPSHOT_DAYS = (0, 60, REPORT_DAY)
REPORT_DATE = date(2026, 4, 5)

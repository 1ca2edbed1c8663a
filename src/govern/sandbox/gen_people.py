"""Generate the people: employees with departments, guests, leavers, IT staff; and the apps.

Every draw comes from the ``random.Random`` passed in, in a fixed order, so the same seed gives
the same organisation in every process.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from itertools import accumulate

from govern.sandbox import ids
from govern.sandbox.entities import App, Person, TeamsApp
from govern.sandbox.names import (
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    GIVEN,
    JOB_TITLES,
    SURNAMES,
    TEAMS_APPS,
    THIRD_PARTY_APPS,
)
from govern.sandbox.offices import offices_for
from govern.sandbox.orgdata import OrgData

GUEST_SHARE = 0.03  # guests per employee (partners, contractors invited into teams)
LEAVER_SHARE = 0.06  # accounts of people who left before today (soft-deleted)
IT_STAFF_SHARE = 0.4  # share of the IT department in the IT staff security group
GUEST_DOMAINS = ("fabrikam.com", "northwind.example", "adatum.net", "tailspin.io", "gmail.com")


def history_ts(rng: random.Random, start_day: int = 0, end_day: int = ids.START_DAY) -> int:
    """A random moment between two day numbers (office hours get no special treatment)."""
    return int((start_day + (end_day - start_day) * rng.random()) * ids.DAY)


class DepartmentPicker:
    """Draws a department index with the weights of ``names.DEPARTMENT_WEIGHTS``."""

    def __init__(self, count: int) -> None:
        self.cumulative = list(accumulate(DEPARTMENT_WEIGHTS[:count]))

    def __call__(self, rng: random.Random) -> int:
        """One department index."""
        return bisect(self.cumulative, rng.random() * self.cumulative[-1])


def make_person(
    org: OrgData, rng: random.Random, department: int, created: int, taken: dict[str, int]
) -> Person:
    """A new employee with a unique UPN (``given.surname[N]@domain``)."""
    given = GIVEN[int(rng.random() * len(GIVEN))]
    surname = SURNAMES[int(rng.random() * len(SURNAMES))]
    base = f"{given}.{surname}".lower()
    n = taken.get(base, 0)
    taken[base] = n + 1
    local = base if n == 0 else f"{base}{n + 1}"
    mail = f"{local}@{org.domain}"
    title = JOB_TITLES[int(rng.random() * len(JOB_TITLES))]
    return Person(len(org.people), given, surname, mail, mail, department, title, created)


def generate_people(org: OrgData, rng: random.Random) -> dict[str, int]:
    """Employees (some already gone), then guests. Returns the UPN counter for later hires."""
    size = org.size
    org.departments = list(DEPARTMENTS[: size.departments])
    org.offices = offices_for(size.departments)
    pick = DepartmentPicker(size.departments)
    it_dept = org.departments.index("IT")
    taken: dict[str, int] = {}
    total = int(size.people * (1 + LEAVER_SHARE))
    for _ in range(total):
        # 60% were there when the tenant was set up; the others were hired since.
        created = history_ts(rng, 0, 30) if rng.random() < 0.6 else history_ts(rng, 30)
        person = org.add_person(make_person(org, rng, pick(rng), created, taken))
        if person.department == it_dept and rng.random() < IT_STAFF_SHARE:
            person.it_staff = True
    # Leavers: accounts deleted before today, at a random time after they were created.
    for person in org.people:
        if rng.random() < LEAVER_SHARE / (1 + LEAVER_SHARE) and not person.it_staff:
            span = ids.START_DAY * ids.DAY - person.created
            person.deleted = person.created + int(span * (0.2 + 0.8 * rng.random()))
            person.enabled = False
    # Small organisations may draw too few IT staff: IT must be able to own and provision.
    staff = [p for p in org.people if p.it_staff]
    for person in org.people:
        if len(staff) >= 3:
            break
        if person.deleted == -1 and not person.it_staff:
            person.department, person.it_staff = it_dept, True
            staff.append(person)
    guests = int(size.people * GUEST_SHARE)
    for _ in range(guests):
        given = GIVEN[int(rng.random() * len(GIVEN))]
        surname = SURNAMES[int(rng.random() * len(SURNAMES))]
        domain = GUEST_DOMAINS[int(rng.random() * len(GUEST_DOMAINS))]
        mail = f"{given}.{surname}{len(org.people)}@{domain}".lower()
        upn = f"{mail.replace('@', '_')}#EXT#@{org.tenant}.onmicrosoft.com"
        person = Person(
            len(org.people), given, surname, mail, upn, -1, "", history_ts(rng, 200), guest=True
        )
        org.add_person(person)
    return taken


def generate_apps(org: OrgData, rng: random.Random) -> None:
    """Service principals (Graph, the provisioning app, third-party apps), Teams app catalog."""
    org.directory.graph_app = len(org.apps)
    org.apps.append(App(len(org.apps), "Microsoft Graph", "Microsoft", True, "", 0))
    org.directory.provisioning_app = len(org.apps)
    org.apps.append(
        App(len(org.apps), "Contoso Provisioning", "Contoso", True, "Group.ReadWrite.All", 0)
    )
    for name, publisher, verified, scopes in THIRD_PARTY_APPS:
        created = history_ts(rng, 100)
        org.apps.append(App(len(org.apps), name, publisher, verified, scopes, created))
    for name, distribution in TEAMS_APPS:
        external = ids.encode(org.salt, ids.IdKind.TEAMS_APP, len(org.teams_apps))
        org.teams_apps.append(TeamsApp(len(org.teams_apps), name, distribution, external))


def generate_consents(org: OrgData, rng: random.Random) -> None:
    """Per-user OAuth2 consents with a heavy tail: a few apps are consented by hundreds.

    App popularity follows Zipf's law over the third-party apps; each employee consents to a
    Poisson-ish number of apps, each consent at a moment after both the app and the person exist.
    Two verified apps also get an admin consent (AllPrincipals).
    """
    third_party = list(range(2, len(org.apps)))
    weights = list(accumulate(1.0 / (rank + 1) for rank in range(len(third_party))))
    mean = org.size.consents_per_person
    end = ids.START_DAY * ids.DAY
    for person in org.people:
        if person.guest or person.deleted != -1:
            continue
        # Draw a count with the right mean cheaply: floor(mean) plus one with the remainder.
        count = int(mean * 2 * rng.random() + 0.5)
        chosen: set[int] = set()
        for _ in range(count):
            app = third_party[bisect(weights, rng.random() * weights[-1])]
            if app in chosen:
                continue
            chosen.add(app)
            start = max(person.created, org.apps[app].created)
            org.consents.add(app, person.idx, start + int((end - start) * rng.random()))
    admin_consented = [a for a in third_party if org.apps[a].verified][:2]
    for app in admin_consented:
        org.consents.add(app, -1, org.apps[app].created + ids.DAY)


def lognormal_size(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    """A heavy-tailed community size, at least 2 and at most ``cap``."""
    value = int(rng.lognormvariate(math.log(median), sigma))
    return max(2, min(cap, value))

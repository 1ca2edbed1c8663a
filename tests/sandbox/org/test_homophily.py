"""People cluster as in a real firm: departments per community, by size band.

Ordinary communities draw most members from their owner's department and a neighbour; only the
spreading stories cross many departments, and they cross more as they grow. A department
counts when it holds at least 5% of the members (``department_min_share``), as the report does.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter

from govern.sandbox.entities import NEVER, Group
from govern.sandbox.org import Organisation

BANDS = ((2, 9), (10, 49), (50, 199), (200, 10**9))
VIRAL = ("viral-ai-builders", "viral-sustainability", "viral-python-guild",
         "viral-working-parents")  # fmt: skip


def _mix(org: Organisation, people: list[int]) -> Counter[int]:
    return Counter(d for d in (org.people[p].department for p in people) if d >= 0)


def _meaningful(mix: Counter[int], share: float = 0.05) -> int:
    n = sum(mix.values())
    return sum(1 for k in mix.values() if k >= share * n)


def _entropy(mix: Counter[int], departments: int) -> float:
    n = sum(mix.values())
    return -sum(k / n * math.log(k / n) for k in mix.values()) / math.log(departments)


def _ordinary(org: Organisation) -> list[Group]:
    stories = {r.index for r in org.stories.values() if r.kind == "group"}
    return [
        g
        for g in org.groups
        if g.deleted == NEVER and g.is_community and g.idx not in stories and len(g.members) >= 2
    ]


def test_departments_per_community_by_size_band(demo: Organisation) -> None:
    bands: dict[tuple[int, int], list[tuple[int, int]]] = {b: [] for b in BANDS}
    broad = big = 0
    for g in _ordinary(demo):
        mix = _mix(demo, list(g.members.ids))
        n = sum(mix.values())
        band = next((b for b in BANDS if b[0] <= n <= b[1]), None)
        if band is None:
            continue
        bands[band].append((_meaningful(mix), len(mix)))
        if n >= 50:
            big += 1
            broad += _meaningful(mix) >= 3 and _entropy(mix, len(demo.departments)) >= 0.3
    print("\nmembers   communities  departments >=5% (median, max)  any member (median)")
    for (lo, hi), rows in bands.items():
        if rows:
            print(
                f"{lo}-{hi if hi < 10**9 else ''}".ljust(10),
                str(len(rows)).ljust(12),
                f"{statistics.median(m for m, _ in rows):.0f}, {max(m for m, _ in rows)}".ljust(32),
                f"{statistics.median(a for _, a in rows):.0f}",
            )
    print(f"ordinary communities of 50+ passing the breadth test: {broad} of {big}")
    mid = bands[(50, 199)]
    assert mid and statistics.median(m for m, _ in mid) <= 3
    assert max(m for m, _ in mid) <= 4, "an ordinary community never spans most departments"
    # Counting every department that holds one member is what saturated breadth before.
    assert statistics.median(a for _, a in mid) > statistics.median(m for m, _ in mid)
    assert broad <= big // 2
    small = bands[(10, 49)]
    assert statistics.median(m for m, _ in small) <= 2


def test_spreading_stories_cross_departments_as_they_grow(demo: Organisation) -> None:
    for name in VIRAL:
        g = demo.groups[demo.story(name).index]
        members = list(g.members.ids)  # join order
        whole = _mix(demo, members)
        early = _mix(demo, members[: len(members) // 10])
        assert _meaningful(whole) >= 6, name
        assert _entropy(whole, len(demo.departments)) > 0.8, name
        # The first tenth came mostly through the founders' own department.
        assert whole.most_common(1)[0][1] / sum(whole.values()) < (
            early.most_common(1)[0][1] / sum(early.values())
        ), name


def test_ordinary_communities_cluster_by_the_owners_office(demo: Organisation) -> None:
    """Most members of an ordinary community sit in its owner's office; the firm as a whole
    does not (so the clustering comes from how communities form, not from one big office)."""
    people = [p for p in demo.people if not p.guest and p.alive]
    assert all(p.office >= 0 for p in people), "every employee has an office"
    firm = Counter(p.office for p in people)
    largest_office = firm.most_common(1)[0][1] / len(people)
    shares = []
    for g in _ordinary(demo):
        owner = g.created_by
        members = [p for p in g.members.ids if p != owner and not demo.people[p].guest]
        if owner < 0 or len(members) < 10:
            continue
        office = demo.people[owner].office
        shares.append(sum(demo.people[p].office == office for p in members) / len(members))
    median = statistics.median(shares)
    print(
        f"\n{len(demo.offices)} offices; largest holds {largest_office:.0%} of the firm; "
        f"median share of an ordinary community (10+) in its owner's office: {median:.0%}"
    )
    assert len(demo.offices) >= 2
    assert median >= 0.6
    assert median > largest_office + 0.2


def test_graph_serves_the_office_location(demo: Organisation) -> None:
    """``officeLocation`` is a default property of a Graph user: the sandbox fills it in."""
    from govern.sandbox.graph.render import render, user_plan

    person = next(p for p in demo.people if not p.guest)
    assert render(demo, person, user_plan(None))["officeLocation"] == demo.offices[person.office]
    guest = next(p for p in demo.people if p.guest)
    assert render(demo, guest, user_plan(("officeLocation",)))["officeLocation"] is None

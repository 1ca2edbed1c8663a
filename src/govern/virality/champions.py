"""Champions: the people who carried the grassroots networks, and the evidence for each.

Four kinds of evidence, each its own list so that none hides in an opaque score:

* adder: added people one by one to grassroots communities (bulk adds earn nothing), and how
  many of those people still post (where the tool reports per-person activity);
* poster: posts most in grassroots communities (Slack's history; unknown elsewhere);
* bridge: the only member of their department in communities, or brought in people from
  other departments;
* starter: started a network that went viral or that IT adopted.

A person (matched across tools by email) is listed when they are in the top ``limit`` of any
kind; people in more kinds rank first. IT uses the list to pick champions, reverse mentors and
the second owner of an adopted network.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Iterable

from govern.model import Lifecycle, Origin
from govern.privacy.pseudonyms import Namer
from govern.virality.champion_details import Detail, carried_by, details
from govern.virality.champion_index import Index
from govern.virality.history import ReportInventory
from govern.virality.people_section import Champion, DepartmentFigures
from govern.virality.report import Entry, Recommendation
from govern.virality.spread import ACTIVE_DAYS

LIMIT = 25
"""People per kind of evidence."""
MIN_ADDS, MIN_POSTS, MIN_BRIDGES = 3, 5, 2
"""Below these a person is not listed for that kind, however few others there are."""


def notable(inv: ReportInventory, entries: Iterable[Entry]) -> dict[str, str]:
    """Networks that went viral or that IT adopted, with which: the networks champions carried."""
    out: dict[str, str] = {}
    for e in entries:
        if e.viral:
            out[e.id] = "viral"
        elif e.recommendation in (Recommendation.ADOPT, Recommendation.MIGRATE):
            out[e.id] = e.recommendation.value
    for cid, f in inv.facts.items():
        c = f.community
        if c.origin is not Origin.IT_PROVISIONED and c.lifecycle in (
            Lifecycle.ADOPTED,
            Lifecycle.SANCTIONED,
            Lifecycle.MIGRATING,
        ):
            out[cid] = c.lifecycle.value
    return out


def _top(counts: Iterable[tuple[int, int]], idx: Index, minimum: int, limit: int) -> set[int]:
    """The ``limit`` people with the most (at least ``minimum``), ties by identity."""
    ranked = heapq.nsmallest(
        limit,
        ((-n, idx.idents[c], c) for c, n in counts if n >= minimum and not idx.erased(c)),
    )
    return {c for _, _, c in ranked}


def rank(
    inv: ReportInventory,
    idx: Index,
    nets: dict[str, str],
    namer: Namer | None,
    limit: int = LIMIT,
) -> list[Champion]:
    """The champions list: people in the top ``limit`` of any kind, most kinds first."""
    bridges = array("i", idx.brought)
    for c, n in idx.lone.items():
        bridges[c] += n
    kinds = {
        "adder": _top(enumerate(idx.added), idx, MIN_ADDS, limit),
        "poster": _top(idx.posts.items(), idx, MIN_POSTS, limit),
        "bridge": _top(enumerate(bridges), idx, MIN_BRIDGES, limit),
        "starter": _top(((c, len(s)) for c, s in idx.started.items()), idx, 1, limit),
    }
    listed = sorted(
        set().union(*kinds.values()),
        key=lambda c: (
            -sum(c in s for s in kinds.values()),
            -idx.added[c],
            -idx.posts.get(c, 0),
            -bridges[c],
            idx.idents[c],
        ),
    )
    shown = details(idx, set(listed))
    out = []
    for n, c in enumerate(listed, 1):
        d = shown[c]
        carried = sorted(d.weight, key=lambda cid: (cid not in nets, -d.weight[cid], cid))
        paths = [inv.facts[cid].community.path for cid in carried[:5]]
        started = idx.started.get(c, [])
        out.append(
            Champion(
                rank=n,
                person=namer.show(idx.idents[c]) if namer else "",
                department=idx.department(c),
                kinds=[k for k, s in kinds.items() if c in s],
                adds=idx.added[c],
                adds_active=len(d.active) if d.activity_known else None,
                bulk_adds=d.bulk,
                posts=idx.posts.get(c),
                lone_links=idx.lone[c],
                departments_brought=idx.brought[c],
                started=[inv.facts[cid].community.path for cid in started],
                communities=paths,
                owner_of=[inv.facts[cid].community.path for cid in carried if cid in d.owns][:5],
                evidence=_evidence(inv, idx, c, d, nets, carried),
            )
        )
    return out


def _evidence(
    inv: ReportInventory, idx: Index, c: int, d: Detail, nets: dict[str, str], carried: list[str]
) -> list[str]:
    def name(cid: str) -> str:
        label = nets.get(cid)
        n = inv.facts[cid].community.name
        return f"{n} ({label})" if label else n

    lines = []
    if idx.added[c]:
        active = (
            f", {len(d.active)} of them still posting in the last {ACTIVE_DAYS} days"
            if d.activity_known
            else " (whether they stayed active is unknown: the tool reports no per-person activity)"
        )
        lines.append(f"added {idx.added[c]} people one by one{active}")
    if d.bulk:
        lines.append(f"added {d.bulk} people in bulk (a broadcast: not counted as spread)")
    if idx.posts.get(c):
        lines.append(f"posted {idx.posts[c]} messages in 90 days")
    if idx.brought[c]:
        lines.append(f"brought in people from {idx.brought[c]} other departments")
    if idx.lone[c]:
        lines.append(f"the only member of their department in {idx.lone[c]} communities")
    for cid in idx.started.get(c, []):
        lines.append(f"started {name(cid)}")
    if carried:
        lines.append("carried " + ", ".join(name(cid) for cid in carried[:3]))
    owned = [cid for cid in carried if cid in d.owns]
    if owned:
        lines.append("already an owner of " + ", ".join(name(cid) for cid in owned[:3]))
    return lines


def departments(
    inv: ReportInventory, idx: Index, champions: list[Champion]
) -> list[DepartmentFigures]:
    """Per department: people, champions, adds one by one and posts (no one named)."""
    listed = Counter(c.department for c in champions if c.department)
    names, dept = idx.dept_names, idx.dept
    adds: Counter[str] = Counter()
    for c, n in enumerate(idx.added):
        if n and dept[c]:
            adds[names[dept[c]]] += n
    posts: Counter[str] = Counter()
    posts_known = False
    for c, n in idx.posts.items():
        if dept[c]:
            posts_known = True
            posts[names[dept[c]]] += n
    return [
        DepartmentFigures(
            department=d,
            people=n,
            champions=listed.get(d, 0),
            adds=adds.get(d, 0),
            posts=posts.get(d, 0) if posts_known else None,
        )
        for d, n in inv.people.departments.most_common()
    ]


SECOND_OWNERS = 3
"""Candidates named per network for its second owner."""


def second_owners(
    inv: ReportInventory, idx: Index, adopt: set[str], namer: Namer | None
) -> dict[str, list[str]]:
    """Per network to adopt (or adopted): the people who carried it most and do not own it yet.

    The adopt plan asks for a second owner; these are the candidates, shown as the champions
    list shows people.
    """
    if namer is None:
        return {}
    out: dict[str, list[str]] = {}
    for cid in sorted(adopt & inv.facts.keys()):
        weight, owners = carried_by(idx, cid)
        rows = sorted(
            (-n, idx.idents[c]) for c, n in weight.items() if c not in owners and not idx.erased(c)
        )
        if rows:
            out[inv.facts[cid].community.path] = [namer.show(i) for _, i in rows[:SECOND_OWNERS]]
    return out

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

from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from govern.model import Lifecycle, Origin
from govern.privacy.pseudonyms import Namer
from govern.virality.history import ReportInventory
from govern.virality.people_section import Champion, DepartmentFigures
from govern.virality.report import Entry, Recommendation
from govern.virality.spread import ACTIVE_DAYS, DAY, CommunitySpread, grassroots

LIMIT = 25
"""People per kind of evidence."""
MIN_ADDS, MIN_POSTS, MIN_BRIDGES = 3, 5, 2
"""Below these a person is not listed for that kind, however few others there are."""
ERASED = "erased-"
"""Native-id prefix of principals whose person was forgotten (``govern inventory forget``)."""


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


_NONE: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Person:
    """Evidence gathered for one person (one identity across tools)."""

    # Two hundred thousand people at the xl size, most with no evidence of some kinds: the
    # collections start as shared empty frozensets and become sets on their first write.
    identity: str
    department: str | None
    added: AbstractSet[str] = _NONE
    active: AbstractSet[str] = _NONE
    activity_known: bool = False
    bulk: int = 0
    posts: int | None = None
    lone: int = 0
    brought: AbstractSet[str] = _NONE
    started: list[str] = field(default_factory=list)
    weight: dict[str, int] = field(default_factory=dict)
    """Community id -> how much this person did there (adds, posts, lone links)."""
    owns: AbstractSet[str] = _NONE


class _Index:
    """Principal ids to people: one identity per email, departments from the directory."""

    def __init__(self, inv: ReportInventory) -> None:
        self.inv = inv
        self.people: dict[str, _Person] = {}
        self._identity: dict[str, str | None] = {}
        self.by_pid: dict[str, _Person | None] = {}
        """Principal id -> person, once looked up (read inline by the hot loops)."""

    def identity(self, pid: str) -> str | None:
        found = self._identity.get(pid, "")
        if found != "":
            return found
        p = self.inv.people.get(pid)
        ident: str | None
        native = pid.split(":", 2)[-1]
        if p is None:
            ident = None  # unknown to the inventory
        elif native.startswith(ERASED):
            # A forgotten person still counts in department figures, never by name: their
            # accounts in every tool share one erasure token.
            ident = ERASED + native.removeprefix(ERASED).split(".")[0]
        elif p.kind != "employee" or p.external:
            ident = None  # guests, services and groups are not the organisation's champions
        else:
            ident = p.email or pid
        self._identity[pid] = ident
        return ident

    def person(self, pid: str) -> _Person | None:
        if pid in self.by_pid:
            return self.by_pid[pid]
        found = self.by_pid[pid] = self._person(pid)
        return found

    def _person(self, pid: str) -> _Person | None:
        ident = self.identity(pid)
        if ident is None:
            return None
        found = self.people.get(ident)
        if found is None:
            dept = self.inv.people.department_of.get(pid)
            found = self.people[ident] = _Person(ident, dept)
        elif found.department is None:
            found.department = self.inv.people.department_of.get(pid)
        return found


class _Who(dict[str, str]):
    """Principal id -> the identity an add counts for (the principal id when it has none).

    A dict whose ``__missing__`` asks the index once per principal, so that the adds of one
    adder are mapped in C (``map(who.__getitem__, pids)``).
    """

    def __init__(self, idx: _Index) -> None:
        super().__init__()
        self.idx = idx

    def __missing__(self, pid: str) -> str:
        found = self[pid] = self.idx.identity(pid) or pid
        return found


def gather(
    inv: ReportInventory, spreads: dict[str, CommunitySpread], nets: dict[str, str]
) -> _Index:
    """Every person's evidence, from every grassroots community's spread."""
    idx = _Index(inv)
    active_since = inv.now - ACTIVE_DAYS * DAY
    dept_get = inv.people.department_of.get
    who = _Who(idx)
    by_pid = idx.by_pid
    for cid, sp in spreads.items():
        f = inv.facts[cid]
        if not grassroots(f):
            continue
        if sp.burst is not None and (p := idx.person(sp.burst.adder)) is not None:
            p.bulk += len(sp.burst.people)
        posts = sp.posts
        for adder, added in sp.organic.items():
            p = by_pid[adder] if adder in by_pid else idx.person(adder)
            if p is None:
                continue
            weight = p.weight
            weight[cid] = weight.get(cid, 0) + len(added)
            if len(added) == 1:
                # Most adders add one person per community (600,000 times at the xl size):
                # the same steps as below, without building a map and a set for one.
                one = added[0]
                if isinstance(p.added, set):
                    p.added.add(who[one])
                else:
                    p.added = {who[one]}
                d = dept_get(one)
                if d is not None and d != p.department:
                    if isinstance(p.brought, set):
                        p.brought.add(d)
                    else:
                        p.brought = {d}
            else:
                # Many adds at once: each step runs over the whole list in C (map,
                # set.update), not a Python loop per added person.
                p.added = _grown(p.added, map(who.__getitem__, added))
                brought = set(map(dept_get, added))
                brought.discard(None)
                brought.discard(p.department)
                if brought:
                    p.brought = _grown(p.brought, brought)  # type: ignore[arg-type]  # no None
            if posts is not None:
                p.activity_known = True
                p.active = _grown(
                    p.active,
                    (who[pid] for pid in added if (s := posts.get(pid)) and s[1] >= active_since),
                )
        if sp.posts is not None:
            for pid, (n, _last) in sp.posts.items():
                p = idx.person(pid)
                if p is not None:
                    p.posts = (p.posts or 0) + n
                    p.weight[cid] = p.weight.get(cid, 0) + n
        for pid in sp.lone:
            p = idx.person(pid)
            if p is not None:
                p.lone += 1
                p.weight[cid] = p.weight.get(cid, 0) + 1
        creator = f.community.created_by
        if cid in nets and creator and (p := idx.person(creator)) is not None:
            p.started.append(cid)
            p.weight[cid] = p.weight.get(cid, 0) + 1
        for owner in f.owners:
            p = idx.person(owner)
            if p is not None:
                if isinstance(p.owns, set):
                    p.owns.add(cid)  # inline: one per owner and community (a million at xl)
                else:
                    p.owns = {cid}
    return idx


def _grown(found: AbstractSet[str], more: Iterable[str]) -> set[str]:
    """``found`` (a set, or the shared empty one) with ``more`` added, updated in place."""
    if isinstance(found, set):
        found.update(more)
        return found
    return set(more)


def _top(
    people: list[_Person], key: Callable[[_Person], int], minimum: int, limit: int
) -> set[str]:
    ranked = sorted((p for p in people if key(p) >= minimum), key=lambda p: (-key(p), p.identity))
    return {p.identity for p in ranked[:limit]}


def rank(
    inv: ReportInventory,
    idx: _Index,
    nets: dict[str, str],
    namer: Namer | None,
    limit: int = LIMIT,
) -> list[Champion]:
    """The champions list: people in the top ``limit`` of any kind, most kinds first."""
    people = [p for p in idx.people.values() if not p.identity.startswith(ERASED)]
    kinds = {
        "adder": _top(people, lambda p: len(p.added), MIN_ADDS, limit),
        "poster": _top(people, lambda p: p.posts or 0, MIN_POSTS, limit),
        "bridge": _top(people, lambda p: p.lone + len(p.brought), MIN_BRIDGES, limit),
        "starter": _top(people, lambda p: len(p.started), 1, limit),
    }
    listed = [p for p in people if any(p.identity in s for s in kinds.values())]
    listed.sort(
        key=lambda p: (
            -sum(p.identity in s for s in kinds.values()),
            -len(p.added),
            -(p.posts or 0),
            -(p.lone + len(p.brought)),
            p.identity,
        )
    )
    out = []
    for n, p in enumerate(listed, 1):
        carried = sorted(p.weight, key=lambda c: (c not in nets, -p.weight[c], c))
        paths = [inv.facts[c].community.path for c in carried[:5]]
        out.append(
            Champion(
                rank=n,
                person=namer.show(p.identity) if namer else "",
                department=p.department,
                kinds=[k for k, s in kinds.items() if p.identity in s],
                adds=len(p.added),
                adds_active=len(p.active) if p.activity_known else None,
                bulk_adds=p.bulk,
                posts=p.posts,
                lone_links=p.lone,
                departments_brought=len(p.brought),
                started=[inv.facts[c].community.path for c in p.started],
                communities=paths,
                owner_of=[inv.facts[c].community.path for c in carried if c in p.owns][:5],
                evidence=_evidence(inv, p, nets, carried),
            )
        )
    return out


def _evidence(
    inv: ReportInventory, p: _Person, nets: dict[str, str], carried: list[str]
) -> list[str]:
    def name(cid: str) -> str:
        label = nets.get(cid)
        n = inv.facts[cid].community.name
        return f"{n} ({label})" if label else n

    lines = []
    if p.added:
        active = (
            f", {len(p.active)} of them still posting in the last {ACTIVE_DAYS} days"
            if p.activity_known
            else " (whether they stayed active is unknown: the tool reports no per-person activity)"
        )
        lines.append(f"added {len(p.added)} people one by one{active}")
    if p.bulk:
        lines.append(f"added {p.bulk} people in bulk (a broadcast: not counted as spread)")
    if p.posts:
        lines.append(f"posted {p.posts} messages in 90 days")
    if p.brought:
        lines.append(f"brought in people from {len(p.brought)} other departments")
    if p.lone:
        lines.append(f"the only member of their department in {p.lone} communities")
    for cid in p.started:
        lines.append(f"started {name(cid)}")
    if carried:
        lines.append("carried " + ", ".join(name(c) for c in carried[:3]))
    owned = [c for c in carried if c in p.owns]
    if owned:
        lines.append("already an owner of " + ", ".join(name(c) for c in owned[:3]))
    return lines


def departments(
    inv: ReportInventory, idx: _Index, champions: list[Champion]
) -> list[DepartmentFigures]:
    """Per department: people, champions, adds one by one and posts (no one named)."""
    listed = Counter(c.department for c in champions if c.department)
    adds: Counter[str] = Counter()
    posts: Counter[str] = Counter()
    posts_known = False
    for p in idx.people.values():
        if p.department is None:
            continue
        adds[p.department] += len(p.added)
        if p.posts is not None:
            posts_known = True
            posts[p.department] += p.posts
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
    inv: ReportInventory, idx: _Index, adopt: set[str], namer: Namer | None
) -> dict[str, list[str]]:
    """Per network to adopt (or adopted): the people who carried it most and do not own it yet.

    The adopt plan asks for a second owner; these are the candidates, shown as the champions
    list shows people.
    """
    if namer is None:
        return {}
    wanted = adopt & inv.facts.keys()
    found: dict[str, list[tuple[int, str]]] = {}
    for p in idx.people.values():
        if p.identity.startswith(ERASED):
            continue
        # Iterate the person's few communities, not the set of networks (200,000 people).
        for cid in p.weight:
            if cid in wanted and cid not in p.owns:
                found.setdefault(cid, []).append((-p.weight[cid], p.identity))
    return {
        inv.facts[cid].community.path: [namer.show(i) for _, i in sorted(rows)[:SECOND_OWNERS]]
        for cid, rows in sorted(found.items())
    }

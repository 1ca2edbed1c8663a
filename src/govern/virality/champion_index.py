"""The champions' evidence counted for everyone, as integers: one pass, no object per person.

Two hundred thousand people and a million adds one by one at the xl size: a set of added
people, a set of departments and a dict of communities per person held the people phase's
peak (190 MiB over its end). The section prints counts for everyone (departments' adds, the
rankings) and details (communities carried, owned, active people) for a few hundred at most, so:

* every principal gets an integer code once (its person's, matched by email, or its own for
  principals that are not the organisation's people), and its department a small code; the
  store's principal keys index the codes, so the adds are read from the members' key columns;
* an add is the pair ``adder << 32 | added`` (the low half mixed with the adder) in an array
  per quarter of the adders; distinct pairs counted per adder at the end (a set per quarter,
  in C) give the people each person added;
* the departments they brought in are a byte per person and department, set in C;
* posts, lone links and networks started are counters per code;
* the details of the people the section shows are read in a second pass over the communities,
  looking only for those people (:mod:`govern.virality.champion_details`).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress, count, repeat
from operator import (
    add,
    and_,
    contains,
    eq,
    lshift,
    lt,
    mul,
    ne,
    or_,
    rshift,
    setitem,
    xor,
)

from govern.store.person import ERASED
from govern.virality.history import ReportInventory
from govern.virality.people import DIRECTORY as DIRECTORY_CONNECTOR
from govern.virality.people import erased_person
from govern.virality.spread import AddColumns, CommunitySpread, grassroots

DIRECTORY = f"{DIRECTORY_CONNECTOR}:"
"""Principal-id prefix of the directory, whose department wins for a forgotten person."""

_DEPT_BITS = 32
"""A principal's value is ``code << 32 | department code``: room for as many departments as
principals (departments are free text in some tools), so two never share a code."""
_DEPT_MASK = (1 << _DEPT_BITS) - 1
_PAIR = 32
"""An add is ``adder << _PAIR | added``: codes stay below 2**32."""
_LOW = (1 << _PAIR) - 1
_CHUNK = 1 << 17
"""Adds worked out at once (a million at xl: their columns and pairs are 8 bytes each, or
more)."""
_MIX = 0x9E3779B1
"""Fibonacci hashing's multiplier (2**32 over the golden ratio)."""
_GRID_LIMIT = 64 << 20
"""Largest people x departments grid of bytes for the departments brought (64 MiB): beyond
it (thousands of free-text departments), the cells set are kept as a set instead."""
_NO_KEY = (1 << 64) - 1
"""The code of a key no principal has (0, "no adder"): past every person's, never credited."""
_NOT_PERSON = 1 << 31
"""Codes from here on are principals that are not the organisation's people (counted when
added, by their own id; never credited)."""


def identity(pid: str, inv: ReportInventory) -> str | None:
    """The person a principal is (email, or the erasure token), or None if not a champion."""
    p = inv.people.get(pid)
    if p is None:
        return None  # unknown to the inventory
    if (token := erased_person(pid)) is not None:
        # A forgotten person still counts in department figures, never by name: their
        # accounts in every tool share one erasure token.
        return ERASED + token
    if p.kind != "employee" or p.external:
        return None  # guests, services and groups are not the organisation's champions
    return p.email or pid


class _Codes(dict[str, int]):
    """Principal id -> ``code << 32 | department code``, for every principal of the inventory.

    A principal the inventory does not list (an adder or member the tool named but the
    directory did not return) gets a code of its own on first lookup, as no person.
    """

    def __init__(self) -> None:
        super().__init__()
        # The codes of principals that are no person. Kept here, not read from the index: a
        # reference back to it would make a cycle that keeps the whole inventory alive until a
        # cycle collection (1.5 s at xl, as the report pauses the collector).
        self.others = count(_NOT_PERSON)

    def __missing__(self, pid: str) -> int:
        """A principal the inventory does not list: its own id is what was added."""
        found = self[pid] = next(self.others) << _DEPT_BITS
        return found


@dataclass
class Index:
    """Every person's evidence as counts per code, and how to name the people shown."""

    inv: ReportInventory
    spreads: dict[str, CommunitySpread]
    """The spreads counted (the second pass reads them again for the people shown)."""
    nets: dict[str, str]
    """Notable networks: their creators started them."""
    idents: list[str] = field(default_factory=list)
    """Person code -> identity (email, the principal id without one, or the erasure token)."""
    dept: list[int] = field(default_factory=list)
    """Person code -> department code (0: unknown)."""
    dept_names: list[str] = field(default_factory=lambda: [""])
    added: array[int] = field(default_factory=lambda: array("i"))
    """Person code -> distinct people added one by one in grassroots communities."""
    brought: array[int] = field(default_factory=lambda: array("i"))
    """Person code -> distinct other departments of the people they added."""
    posts: dict[int, int] = field(default_factory=dict)
    """Person code -> posts in 90 days, for the people some tool reports posts of."""
    lone: Counter[int] = field(default_factory=Counter)
    started: dict[int, list[str]] = field(default_factory=dict)
    """Person code -> notable networks they created, in community order."""
    codes: _Codes = field(init=False)
    by_key: array[int] = field(init=False)
    """Principal key -> its :attr:`codes` value (:data:`_NO_KEY` where no principal has it)."""

    def __post_init__(self) -> None:
        self.codes = _Codes()
        self._code_people()
        # Every principal a grant names, its members' keys looked up as list positions.
        codes = self.codes
        self.by_key = array("Q", [_NO_KEY if pid is None else codes[pid] for pid in self.inv.ids])

    def _code_people(self) -> None:
        """A code for every principal, and each person's department (columns, mostly in C)."""
        people = self.inv.people
        pids = list(people.by_id)
        # Who each principal is: an employee's email (the common case, inline: 200,000 at xl),
        # a forgotten person's token, or None for principals that are no champion.
        who: list[str | None] = [
            (p.email or pid) if p.kind == "employee" and not p.external else None
            for pid, p in people.by_id.items()
        ]
        if any(map(contains, pids, repeat(ERASED))):
            who = [
                identity(pid, self.inv) if ERASED in pid else w
                for pid, w in zip(pids, who, strict=True)
            ]
        # One code per person, in order of their first principal (one dict: identity -> code).
        coded: dict[str | None, int | None] = dict.fromkeys(filter(None, who))
        self.idents = list(coded)  # type: ignore[arg-type]  # None filtered out
        coded.update(zip(self.idents, count()))
        found = list(map(coded.get, who))
        del coded
        accounts = len(who) - who.count(None)
        del who
        person: list[int]
        if None in found:
            # Principals that are no person get codes of their own (counted when added).
            others = self.codes.others
            person = [next(others) if c is None else c for c in found]
        else:
            person = found  # type: ignore[assignment]  # no None in it
        del found
        names = sorted(set(people.department_of.values()))
        self.dept_names += names
        dept_code: dict[str | None, int] = dict(zip(names, count(1)))
        depts: list[int] = list(map(dept_code.get, map(people.department_of.get, pids), repeat(0)))
        values = map(or_, map(lshift, person, repeat(_DEPT_BITS)), depts)
        self.codes.update(zip(pids, values, strict=True))
        if accounts == len(self.idents):
            # One principal per person (the common case): its department is theirs.
            self.dept = list(compress(depts, map(lt, person, repeat(_NOT_PERSON))))
            return
        # A person's department: their first principal's that has one; a forgotten person's
        # accounts may disagree, and then the directory's wins (as the erasure resolved it).
        known = list(compress(zip(person, depts, strict=True), depts))
        first = dict(reversed(known))  # reversed: the first of each person is written last
        directory = map(str.startswith, compress(pids, depts), repeat(DIRECTORY))
        first.update(reversed(list(compress(known, directory))))
        self.dept = [0] * len(self.idents)
        for c, d in first.items():
            if c < _NOT_PERSON:
                self.dept[c] = d

    def code(self, pid: str) -> int:
        """The code of a principal: its person's, or its own when it is no person."""
        return self.codes[pid] >> _DEPT_BITS

    def person(self, pid: str) -> int | None:
        """The person code of a principal, or None when it is no person."""
        code = self.codes[pid] >> _DEPT_BITS
        return code if code < _NOT_PERSON else None

    def department(self, code: int) -> str | None:
        """A person's department."""
        return self.dept_names[self.dept[code]] or None

    def erased(self, code: int) -> bool:
        """Whether the person was forgotten (counted in figures, never named)."""
        return self.idents[code].startswith(ERASED)

    def pids_of(self, people: set[int]) -> set[str]:
        """Every principal id of these people."""
        return {pid for pid, v in self.codes.items() if v >> _DEPT_BITS in people}


def gather(
    inv: ReportInventory, spreads: dict[str, CommunitySpread], nets: dict[str, str]
) -> Index:
    """Every person's evidence, from every grassroots community's spread."""
    idx = Index(inv, spreads, nets)
    code_of = idx.codes.__getitem__
    lones: list[dict[str, str]] = []
    posts, started = idx.posts, idx.started
    # One byte per person and department: 1 where they added someone of that department (a
    # set of the cells instead when the grid would be too large).
    width = len(idx.dept_names)
    cells = len(idx.idents) * width
    brought: bytearray | set[int] = bytearray(cells) if cells <= _GRID_LIMIT else set()
    # The pairs by quarter of the adders (their codes' top two bits): counted one at a time.
    quarters = [array("q") for _ in range(4)]
    adders, added = array("i"), array("i")
    unattributed = False
    for cid, sp in spreads.items():
        f = inv.facts[cid]
        if not grassroots(f):
            continue
        columns = sp.organic_pairs()
        adders.extend(columns.adders)
        added.extend(columns.members)
        unattributed = unattributed or columns.unattributed
        if len(added) >= _CHUNK:
            _adds(idx, AddColumns(adders, added, unattributed), quarters, brought)
            adders, added, unattributed = array("i"), array("i"), False
        if sp.lone:
            lones.append(sp.lone)
        if sp.posts is not None:
            for pid, (n, _last) in sp.posts.items():
                if (c := idx.person(pid)) is not None:
                    posts[c] = posts.get(c, 0) + n
        creator = f.community.created_by
        if cid in nets and creator and (c := idx.person(creator)) is not None:
            started.setdefault(c, []).append(cid)
    _adds(idx, AddColumns(adders, added, unattributed), quarters, brought)
    del adders, added
    idx.lone = Counter(map(rshift, map(code_of, chain.from_iterable(lones)), repeat(_DEPT_BITS)))
    for code in [c for c in idx.lone if c >= _NOT_PERSON]:
        del idx.lone[code]  # principals that are no person are not credited
    idx.added = _added(quarters, len(idx.idents))
    del quarters
    idx.brought = _brought(brought, idx.dept, width)
    return idx


def _adds(
    idx: Index, columns: AddColumns, quarters: list[array[int]], brought: bytearray | set[int]
) -> None:
    """Adds one by one as pairs ``adder << 32 | added``; ``brought`` set per department.

    Many communities' columns at once in C (map, compress), no Python step per community,
    adder or add. Each add's two principals are looked up once (a million adds at xl): the
    rest is arithmetic.
    """
    code_of = idx.by_key.__getitem__
    adders_of, members = columns.adders, columns.members
    picked: Iterable[bool] = map(ne, members, adders_of)
    if columns.unattributed:
        picked = map(and_, picked, map(bool, adders_of))  # key 0: no adder
    keep = bytes(picked)
    values = list(map(code_of, compress(adders_of, keep)))
    added = list(map(code_of, compress(members, keep)))
    del keep
    limit = _NOT_PERSON << _DEPT_BITS
    if values and max(values) >= limit:
        # Principals that are no person are not credited (rare: guests, services).
        credited = bytes(map(lt, values, repeat(limit)))
        values, added = list(compress(values, credited)), list(compress(added, credited))
    people = list(map(rshift, values, repeat(_DEPT_BITS)))
    del values
    # The low half mixes the adder in (a xor with a multiple of it), so that the set's slots,
    # chosen by the low bits, do not pile up the adds of one person by everyone who added them.
    mixed = map(and_, map(mul, people, repeat(_MIX)), repeat(_LOW))
    heads = map(or_, map(lshift, people, repeat(_PAIR)), mixed)
    pairs = list(map(xor, heads, map(rshift, added, repeat(_DEPT_BITS))))
    quarter = bytes(map(rshift, pairs, repeat(_quarter_shift(len(idx.idents)))))  # 0 to 3
    for q, into in enumerate(quarters):
        into.extend(compress(pairs, map(eq, quarter, repeat(q))))
    del pairs, quarter
    rows = map(mul, people, repeat(len(idx.dept_names)))
    cells = map(add, rows, map(and_, added, repeat(_DEPT_MASK)))
    if isinstance(brought, set):
        brought.update(cells)
    else:
        any(map(setitem, repeat(brought), cells, repeat(1)))  # setitem returns None: runs all


def _quarter_shift(people: int) -> int:
    """How far to shift a pair right for its adder's quarter (0 to 3) of the person codes."""
    return _PAIR + max(0, (people - 1).bit_length() - 2)


def _added(quarters: list[array[int]], people: int) -> array[int]:
    """Distinct people added, per adder: the distinct pairs of a quarter of the adders at once.

    A set of a million ints is 60 MiB: four sets of a quarter of that, one after the other,
    and counts of a quarter of the people each.
    """
    out = array("i", [0]) * people
    for pairs in quarters:
        found = set(pairs)
        counts = Counter(map(rshift, found, repeat(_PAIR)))
        del found
        any(map(setitem, repeat(out), counts.keys(), counts.values()))  # each adder in one
    return out


def _brought(cells: bytearray | set[int], own: list[int], width: int) -> array[int]:
    """Per person, the departments of the people they added: known ones other than their own."""
    if isinstance(cells, set):
        out = array("i", [0]) * len(own)
        for cell in cells:
            person, dept = divmod(cell, width)
            if dept and dept != own[person]:
                out[person] += 1
        return out
    rows = range(0, len(cells), width)
    any(map(setitem, repeat(cells), rows, repeat(0)))  # department code 0: unknown
    any(map(setitem, repeat(cells), map(add, rows, own), repeat(0)))
    return array("i", map(cells.count, repeat(1), rows, map(add, rows, repeat(width))))

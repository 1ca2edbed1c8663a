"""The champions' evidence counted for everyone, as integers: one pass, no object per person.

Two hundred thousand people and a million adds one by one at the xl size: a set of added
people, a set of departments and a dict of communities per person held the people phase's
peak (190 MiB over its end). The section prints counts for everyone (departments' adds, the
rankings) and details (communities carried, owned, active people) for a few hundred at most, so:

* every principal gets an integer code once (its person's, matched by email, or its own for
  principals that are not the organisation's people), and its department a small code; the
  store's principal keys index the codes, so the adds are read from the members' key columns;
* the adds of every grassroots community are two columns of keys, counted at the end in
  numpy: an add is the pair ``adder << 32 | added``, a department brought the cell ``adder *
  departments + department``; distinct pairs and cells (sorted) counted per adder give the
  people each person added and the departments they brought in (1.6 million adds at xl: 0.1 s,
  against 1.9 s for the same arithmetic on Python integers in C loops);
* posts, lone links and networks started are counters per code;
* the details of the people the section shows are read in a second pass over the communities,
  looking only for those people (:mod:`govern.virality.champion_details`).
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain, compress, count, repeat
from operator import contains, lshift, lt, or_, rshift

import numpy as np
import numpy.typing as npt

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
    # Every organic add of every grassroots community as two columns of keys (4 bytes each),
    # counted at once at the end.
    adders, added = array("i"), array("i")
    for cid, sp in spreads.items():
        f = inv.facts[cid]
        if not grassroots(f):
            continue
        columns = sp.organic_pairs()
        adders.extend(columns.adders)
        added.extend(columns.members)
        if sp.lone:
            lones.append(sp.lone)
        if sp.posts is not None:
            for pid, (n, _last) in sp.posts.items():
                if (c := idx.person(pid)) is not None:
                    posts[c] = posts.get(c, 0) + n
        creator = f.community.created_by
        if cid in nets and creator and (c := idx.person(creator)) is not None:
            started.setdefault(c, []).append(cid)
    idx.added, idx.brought = _counts(idx, AddColumns(adders, added))
    del adders, added
    idx.lone = Counter(map(rshift, map(code_of, chain.from_iterable(lones)), repeat(_DEPT_BITS)))
    for code in [c for c in idx.lone if c >= _NOT_PERSON]:
        del idx.lone[code]  # principals that are no person are not credited
    return idx


def _counts(idx: Index, columns: AddColumns) -> tuple[array[int], array[int]]:
    """Per person code: distinct people added, and distinct other departments brought in.

    An add is a position where the adder is someone else and a person; what was added is a
    person or, for principals that are no person, their own code. A department brought is the
    added person's, known and not the adder's own. Whole columns at once in numpy (1.6 million
    adds at xl): each key looked up in ``by_key`` by indexing, each add a 64-bit pair
    ``adder << 32 | added`` and a cell ``adder * width + department``, sorted in place to count
    the distinct ones per adder. Worked in place: about 12 MiB per column of 1.6 million adds.
    """
    by_key = np.asarray(idx.by_key, dtype=np.uint64)
    # The keys' own memory where the columns are 32-bit arrays (the members' key columns).
    adders = np.asarray(columns.adders, dtype=np.int32)
    members = np.asarray(columns.members, dtype=np.int32)
    keep = adders != members
    values = by_key[adders[keep]]
    # Key 0 (no adder) looks up _NO_KEY: like principals that are no person, never credited.
    credited = values < np.uint64(_NOT_PERSON << _DEPT_BITS)
    people = values[credited]
    del values
    added = by_key[members[keep][credited]]
    del keep, credited
    people >>= np.uint64(_DEPT_BITS)  # a person's code: below 2**31
    n_people = len(idx.idents)
    pairs = people << np.uint64(_PAIR)
    pairs |= added >> np.uint64(_DEPT_BITS)
    out_added = _per_head(pairs, _PAIR, n_people)
    del pairs
    width = np.uint64(len(idx.dept_names))
    added &= np.uint64(_DEPT_MASK)  # the added person's department code
    people *= width
    people += added
    del added
    cells = people  # adder * width + department
    cells.sort()
    cells = cells[_first(cells)]
    person, dept = np.divmod(cells, width)
    own = np.asarray(idx.dept, dtype=np.uint64)
    other = (dept != 0) & (dept != own[person])  # department code 0: unknown
    out_brought = np.bincount(person[other].astype(np.intp), minlength=n_people)
    return _column(out_added), _column(out_brought)


def _per_head(values: npt.NDArray[np.uint64], shift: int, size: int) -> npt.NDArray[np.intp]:
    """How many distinct values share each head (``value >> shift``); sorts ``values``.

    Sorted in place and compared with their neighbours, not ``np.unique``: numpy 2.4 finds
    distinct values with a hash table, 50 times slower here (1.8 s against 0.03 s for 1.6
    million 64-bit integers).
    """
    values.sort()
    heads = values[_first(values)] >> np.uint64(shift)
    return np.bincount(heads.astype(np.intp), minlength=size)


def _first(ordered: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    """Where each distinct value of a sorted column first appears."""
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def _column(counts: npt.NDArray[np.intp]) -> array[int]:
    """A numpy column of counts as the 32-bit ``array`` the section reads."""
    out = array("i")
    out.frombytes(counts.astype(np.int32).tobytes())
    return out

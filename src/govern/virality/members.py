"""One community's members as columns: who, when they joined, who added them.

The report holds every member of every community at once (two million at the xl size). A dict of
``pid -> (when, adder, own)`` tuples costs a dict entry, a tuple, a float and a string per member
(about 200 bytes); these columns cost about 25: a list of principal ids shared across
communities (each id is one string object for the whole report), an array of join times, a list
of adders (shared the same way) and a byte per member for where the time came from.

:class:`Members` is still a read-only mapping ``pid -> Join`` for the few places that look one
member up; the measures read the columns.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import ItemsView, Iterator, Mapping, Sequence, ValuesView
from itertools import repeat

Join = tuple[float | None, str | None, bool]
"""How a member came in: (when, epoch seconds or None if unknown; added by; from the tool's
own ``since`` (True) or from the snapshot that first saw the grant (False))."""

UNKNOWN = math.nan
"""A join time nobody knows, in :attr:`Members.times`."""


class Members(Mapping[str, Join]):
    """Members in order of first appearance, with their joins, as parallel columns."""

    __slots__ = (
        "_index",
        "adder_keys",
        "adders",
        "dept_codes",
        "dept_names",
        "depts",
        "member_keys",
        "own",
        "pids",
        "times",
        "unknown",
    )

    def __init__(self) -> None:
        self.pids: list[str] = []
        self.times: array[float] = array("d")
        """Join time in epoch seconds; NaN (:data:`UNKNOWN`) when unknown."""
        self.adders: list[str | None] = []
        self.own = bytearray()
        """1 where the time is the tool's own ``since``, 0 where a snapshot first saw it."""
        self.unknown = 0
        """How many join times are unknown."""
        self.depts: bytearray | None = None
        """Per member, its department's code in :attr:`dept_names` (0: unknown); None when
        not coded (see :meth:`code_departments`)."""
        self.dept_names: Sequence[str] = ()
        """Code -> department name, shared by every community of a report (code 0 unused)."""
        self.dept_codes: Mapping[str, int] = {}
        """Department name -> code (the inverse of :attr:`dept_names`, shared the same way)."""
        self.member_keys: array[int] | None = array("i")
        """Per member, its principal's key in the store (``principal_keys``): compared and
        looked up as machine integers, where the ids are strings scattered in memory. None
        once members are appended without (made from a mapping)."""
        self.adder_keys: array[int] | None = array("i")
        """Per member, its adder's key (0: no adder); None as :attr:`member_keys`."""
        self._index: dict[str, int] | None = None

    @classmethod
    def of(cls, joins: Mapping[str, Join]) -> Members:
        """The columns of a ``pid -> Join`` mapping (kept as is if it already is one)."""
        if isinstance(joins, Members):
            return joins
        out = cls()
        for pid, (ts, adder, own) in joins.items():
            out.append(pid, ts, adder, own)
        return out

    def append(self, pid: str, ts: float | None, adder: str | None, own: bool) -> None:
        """Add a member (the caller makes sure ``pid`` is not in yet)."""
        self.pids.append(pid)
        if ts is None:
            self.times.append(UNKNOWN)
            self.unknown += 1
        else:
            self.times.append(ts)
        self.adders.append(adder)
        self.own.append(own)
        self.depts = self.member_keys = self.adder_keys = None  # out of step with the members now
        self._index = None

    def keep(self, positions: list[int]) -> None:
        """Keep only the members at ``positions`` (ascending), in their order."""
        times = self.times
        self.pids = [self.pids[i] for i in positions]
        self.times = array("d", [times[i] for i in positions])
        self.adders = [self.adders[i] for i in positions]
        self.own = bytearray(self.own[i] for i in positions)
        if self.depts is not None:
            self.depts = bytearray(self.depts[i] for i in positions)
        if self.member_keys is not None and self.adder_keys is not None:
            keys, adder_keys = self.member_keys, self.adder_keys
            self.member_keys = array("i", [keys[i] for i in positions])
            self.adder_keys = array("i", [adder_keys[i] for i in positions])
        self.unknown = sum(1 for t in self.times if t != t)
        self._index = None

    def without(self, excluded: set[str]) -> Members:
        """A copy leaving out the principals in ``excluded`` (groups, service accounts)."""
        out = Members()
        for i, pid in enumerate(self.pids):
            if pid not in excluded:
                t = self.times[i]
                out.append(pid, None if t != t else t, self.adders[i], bool(self.own[i]))
        if self.depts is not None:
            out.depts = bytearray(
                d for p, d in zip(self.pids, self.depts, strict=True) if p not in excluded
            )
            out.dept_names, out.dept_codes = self.dept_names, self.dept_codes
        return out

    def code_departments(
        self, code_of: Mapping[str, int], names: Sequence[str], codes: Mapping[str, int]
    ) -> None:
        """Keep each member's department as a one-byte code (``code_of``: pid -> code).

        ``names`` (code -> name) and ``codes`` (name -> code) are shared by every community.

        The report counts departments per community in several passes (breadth, lone links);
        codes made once replace a dict lookup per member and pass. Callers code only when the
        organisation has at most 255 departments; members without one get 0.
        """
        self.depts = bytearray(map(code_of.get, self.pids, repeat(0)))
        self.dept_names, self.dept_codes = names, codes

    def departments(self) -> Counter[str] | None:
        """Members per known department, in order of first appearance (None if not coded).

        The same counts, in the same order, as ``Counter`` over the members' departments,
        counted over the bytes in one pass in C (a ``Counter`` keeps first appearance).
        """
        b = self.depts
        if b is None:
            return None
        names = self.dept_names
        out: Counter[str] = Counter()
        dict.update(out, {names[c]: k for c, k in Counter(b).items() if c})  # no Mapping check
        return out

    def department_counts(self, department_of: Mapping[str, str]) -> Counter[str]:
        """:meth:`departments`, or where not coded the same counts looked up per member."""
        coded = self.departments()
        if coded is not None:
            return coded
        # Counted in C (map, filter, Counter): members with no known department map to None.
        return Counter(filter(None, map(department_of.get, self.pids)))

    def member_of(self, department: str) -> str:
        """The first member of ``department`` (coded members only; it must have one)."""
        assert self.depts is not None
        return self.pids[self.depts.index(self.dept_codes[department])]

    def time_of(self) -> dict[str, float]:
        """Principal id -> join time (NaN when unknown), for the measures that look many up."""
        return dict(zip(self.pids, self.times, strict=True))

    def __getitem__(self, pid: str) -> Join:
        if self._index is None:
            # Looked up one by one only off the measures' paths (drafts, tests): built on demand.
            self._index = {p: i for i, p in enumerate(self.pids)}
        i = self._index[pid]
        t = self.times[i]
        return (None if t != t else t, self.adders[i], bool(self.own[i]))

    def __iter__(self) -> Iterator[str]:
        return iter(self.pids)

    def __len__(self) -> int:
        return len(self.pids)

    def joins(self) -> Iterator[Join]:
        """Every member's join, in member order."""
        for t, adder, own in zip(self.times, self.adders, self.own, strict=True):
            yield (None if t != t else t, adder, bool(own))

    def items(self) -> ItemsView[str, Join]:
        """``(pid, Join)`` pairs read from the columns (no lookup per member)."""
        return _Items(self)

    def values(self) -> ValuesView[Join]:
        """Every member's join, read from the columns."""
        return _Values(self)


class _Items(ItemsView[str, Join]):
    _mapping: Members

    def __iter__(self) -> Iterator[tuple[str, Join]]:
        return zip(self._mapping.pids, self._mapping.joins(), strict=True)


class _Values(ValuesView[Join]):
    _mapping: Members

    def __iter__(self) -> Iterator[Join]:
        return self._mapping.joins()

"""Joining Casbin's decisions onto millions of grants without Python code per grant.

A grant is three ids (community, principal, role). Its decision depends only on the key parts
the matcher reads (:mod:`govern.policy.fastkey`), coded as small integers per request token:
``o`` for the community's resource, ``s`` for the principal's subject, ``a`` for the role.
The join is three levels of dictionaries, each lookup run by ``map`` in C::

    community id --rows--> row of o --role--> leaf of (o, a) --s--> decision code

so a grant costs four dictionary lookups and no tuple (building and hashing a key tuple per
grant cost as much as the lookups), and grants go through in chunks, one column at a time.
Each dictionary's ``__missing__`` does the Python work once: the first sight of an id projects
its request value, the first sight of a key asks Casbin about its representative request. A
*decision code* indexes :attr:`Join.table`, the distinct decisions seen so far; a column of
codes is one byte per grant when the policy has at most 127 lines, so ten million decisions
take 10 MB and are counted with ``bytes.count``.

The structures below the id level (rows, leaves, the table) are keyed by codes, which are
fixed for the life of an engine, so they are kept by the section and shared by every call.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from operator import getitem
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from govern.policy.engine import RuleDecision, _Section

CHUNK = 1 << 15
"""Grants per pass of the join: big enough that the per-chunk Python is nothing, small enough
that a chunk's intermediate lists stay in the CPU's cache."""


class _Leaf(dict[int, int]):
    """Subject code -> decision code, for one (resource code, role code)."""

    __slots__ = ("a", "join", "o")

    def __init__(self, join: Join, o: int, a: int) -> None:
        super().__init__()
        self.join, self.o, self.a = join, o, a

    def __missing__(self, s: int) -> int:
        found = self[s] = self.join.code_of(self.join.decide(s, self.o, self.a))
        return found


class _Row(dict[str, _Leaf]):
    """Role -> leaf, for one resource code."""

    __slots__ = ("join", "o")

    def __init__(self, join: Join, o: int) -> None:
        super().__init__()
        self.join, self.o = join, o

    def __missing__(self, role: str) -> _Leaf:
        join = self.join
        a = join.section.code(join.act, role)
        leaf = join.leaves.get((self.o, a))
        if leaf is None:
            leaf = join.leaves[(self.o, a)] = _Leaf(join, self.o, a)
        self[role] = leaf
        return leaf


class _Rows(dict[str, _Row]):
    """Community id -> the row of its resource code (one call's ids)."""

    def __init__(self, join: Join, resource: Callable[[str], Any]) -> None:
        super().__init__()
        self.join = join
        self.resource = resource

    def __missing__(self, cid: str) -> _Row:
        found = self[cid] = self.join.row(self.join.section.code(self.join.obj, self.resource(cid)))
        return found


class _Subjects(dict[str, int]):
    """Principal id -> its subject code (one call's ids)."""

    def __init__(self, join: Join, subject: Callable[[str], Any]) -> None:
        super().__init__()
        self.code = join.section.code
        self.index = join.sub
        self.subject = subject

    def __missing__(self, pid: str) -> int:
        found = self[pid] = self.code(self.index, self.subject(pid))
        return found


class Join:
    """The code-keyed half of the join for one section (``r = sub, obj, act``)."""

    def __init__(self, section: _Section, decide: Callable[[Any, Any, Any], RuleDecision]) -> None:
        self.section = section
        self.sub, self.obj, self.act = (section.tokens.index(t) for t in ("sub", "obj", "act"))
        self._decide = decide
        self.rows: list[_Row] = []
        """Resource code -> its row."""
        self.leaves: dict[tuple[int, int], _Leaf] = {}
        self.table: list[RuleDecision] = []
        """Decision code -> decision: the distinct decisions seen so far."""
        self._codes: dict[RuleDecision, int] = {}
        # One byte per grant while no policy could yield more than 256 distinct decisions
        # (allowed or not, times each line's rule id or none).
        self.typecode = "B" if 2 * (len(section.lines) + 1) <= 256 else "I"
        self.chunk = CHUNK
        """Grants per pass (tests make it small to cross chunk boundaries)."""

    def row(self, o: int) -> _Row:
        """The row of resource code ``o``."""
        while len(self.rows) <= o:
            self.rows.append(_Row(self, len(self.rows)))
        return self.rows[o]

    def decide(self, s: int, o: int, a: int) -> RuleDecision:
        """Casbin's decision for the key, asked once per key about its representative."""
        cache = self.section.cache
        found = cache.get((s, o, a))
        if found is None:
            reps = self.section.reps
            sub, obj, act = reps[self.sub][s], reps[self.obj][o], reps[self.act][a]
            found = cache[(s, o, a)] = self._decide(sub, obj, act)
        return found

    def code_of(self, decision: RuleDecision) -> int:
        """The decision code of ``decision``."""
        found = self._codes.get(decision)
        if found is None:
            found = self._codes[decision] = len(self.table)
            self.table.append(decision)
        return found

    def chunks(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Any],
        resource: Callable[[str], Any],
    ) -> Iterator[Sequence[int]]:
        """The grants' decision codes, in order, :attr:`chunk` grants at a time.

        Columns shorter than the others end the grants (as ``zip`` would).
        """
        size = self.chunk
        rows = _Rows(self, resource).__getitem__
        subjects = _Subjects(self, subject).__getitem__
        cids, pids, acts = iter(community_ids), iter(principal_ids), iter(roles)
        pack: Callable[[Iterable[int]], Sequence[int]] = (
            bytes if self.typecode == "B" else partial(array, "I")
        )
        while True:
            # Communities first, then principals: each pass touches one big id table (200,000
            # principals take megabytes), so the tables do not evict each other from the CPU
            # caches (the leaves are a few small dicts). On ten million grants this is a third
            # less time than the columns interleaved.
            leaves = list(map(getitem, map(rows, islice(cids, size)), islice(acts, size)))
            # map stops at the end of leaves without taking another principal id.
            codes = pack(map(getitem, leaves, map(subjects, islice(pids, size))))
            if codes:
                yield codes
            if len(codes) < size:
                return

    def decisions(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Any],
        resource: Callable[[str], Any],
    ) -> Iterator[RuleDecision]:
        """Each grant's decision, lazily, in order."""
        table = self.table  # grows while the chunks are made: read it per chunk
        found = self.chunks(community_ids, principal_ids, roles, subject, resource)
        return chain.from_iterable(map(table.__getitem__, codes) for codes in found)

    def column(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Any],
        resource: Callable[[str], Any],
    ) -> DecisionColumn:
        """Every grant's decision code, in one compact column."""
        # The join makes no reference cycles, but the per-id objects it makes and drops set
        # off collections that rescan the caller's whole inventory (millions of objects).
        paused = gc.isenabled()
        gc.disable()
        try:
            found = list(self.chunks(community_ids, principal_ids, roles, subject, resource))
        finally:
            if paused:
                gc.enable()
        if self.typecode == "B":
            return DecisionColumn(b"".join(cast(list[bytes], found)), tuple(self.table))
        wide = array("I")
        for part in found:
            wide.extend(part)
        return DecisionColumn(wide, tuple(self.table))


@dataclass(frozen=True)
class DecisionColumn:
    """One decision per grant, in the grants' order, as a code into :attr:`table`."""

    codes: Sequence[int]
    """``bytes`` (one byte per grant) or ``array('I')`` for policies of more than 127 lines."""
    table: tuple[RuleDecision, ...]
    """Decision code -> decision."""

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[RuleDecision]:
        return map(self.table.__getitem__, self.codes)

    def counts(self) -> dict[RuleDecision, int]:
        """How many grants got each decision (scans the column once per distinct decision)."""
        count = self.codes.count
        return {decision: count(code) for code, decision in enumerate(self.table)}

    def count(self, *, allowed: bool) -> int:
        """How many grants were allowed (``allowed=True``) or denied."""
        return sum(n for d, n in self.counts().items() if d.allowed is allowed)

"""Joining Casbin's decisions onto millions of grants without Python code per grant.

A grant is three ids (community, principal, role). Its decision depends only on the key parts
the matcher reads (:mod:`govern.policy.fastkey`), coded as small integers per request token:
``o`` for the community's resource, ``s`` for the principal's subject, ``a`` for the role.
The join is three levels of dictionaries, each lookup run by ``map`` in C::

    community id --rows--> row of o --role--> leaf of (o, a) --s--> decision code

so a grant costs four dictionary lookups and no tuple (building and hashing a key tuple per
grant cost as much as the lookups). Each dictionary's ``__missing__`` does the Python work
once: the first sight of an id projects its request value, the first sight of a key asks
Casbin about its representative request. A *decision code* indexes :attr:`Join.table`, the
distinct decisions seen so far; a column of codes is one byte per grant when the policy has
at most 127 lines, so ten million decisions take 10 MB and are counted with ``bytes.count``.

The structures below the id level (rows, leaves, the table) are keyed by codes, which are
fixed for the life of an engine, so they are kept by the section and shared by every call.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import getitem
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govern.policy.engine import RuleDecision, _Section


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

    def codes(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Any],
        resource: Callable[[str], Any],
    ) -> Iterator[int]:
        """The decision code of each grant, lazily, in order (the four lookups per grant)."""
        rows = _Rows(self, resource)
        subjects = _Subjects(self, subject)
        leaves = map(getitem, map(rows.__getitem__, community_ids), roles)
        return map(getitem, leaves, map(subjects.__getitem__, principal_ids))

    def column(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Any],
        resource: Callable[[str], Any],
    ) -> DecisionColumn:
        """Every grant's decision code, gathered in C into one compact column."""
        found = self.codes(community_ids, principal_ids, roles, subject, resource)
        # bytes() takes the codes straight from the iterator; array's own constructor would
        # convert each item through the slower generic argument parser.
        codes: Sequence[int] = bytes(found) if self.typecode == "B" else array("I", found)
        return DecisionColumn(codes, tuple(self.table))


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

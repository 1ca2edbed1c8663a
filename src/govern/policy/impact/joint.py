"""Deciding grants under two engines in one pass: the engine's fast path, keyed for both.

:meth:`Engine.decide_columns` joins decisions onto grants with a few dict lookups per grant
in C. Running it once per revision doubles that cost; this module runs it once for both. A
grant's *joint* key is the pair of its keys under each engine (:meth:`_Section.code` of the
same request values, so exactly what each engine would compute), interned as one small integer
per principal, community and role. The joint key refines both engines' keys, so the decisions
of its representative request are the decisions of every grant with that key: Casbin is asked
once per distinct joint key and engine, and the answers are each engine's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from govern.policy.attributes import Resource, Subject
from govern.policy.engine import Engine, RuleDecision, _Section


@dataclass(frozen=True, slots=True)
class Outcome:
    """A grant's decisions under the base and the head engine."""

    before: RuleDecision
    after: RuleDecision
    flipped: bool
    """Allowed under one revision and denied under the other."""
    marked: bool = False
    """The grant is one the caller asked to see (:func:`decide_both`'s marks)."""
    selected: bool = False
    """Flipped or marked (a field, not a property: it is read once per grant)."""


class _Joint(dict[str, int]):
    """Id -> joint code; the first sight of an id computes both engines' codes for it."""

    def __init__(
        self,
        sections: tuple[_Section, _Section],
        token: str,
        make: tuple[Callable[[str], Any], Callable[[str], Any]],
        mark: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__()
        self.sections = sections
        self.indexes = (sections[0].tokens.index(token), sections[1].tokens.index(token))
        self.make = make
        self.mark = mark
        self.pairs: dict[tuple[int, int, bool], int] = {}
        self.reps: dict[int, tuple[Any, Any, bool]] = {}
        """Joint code -> the first (base, head) request values seen with it, and its mark."""

    def __missing__(self, key: str) -> int:
        (sb, sh), (ib, ih) = self.sections, self.indexes
        vb, vh = self.make[0](key), self.make[1](key)
        marked = self.mark is not None and self.mark(key)
        pair = (sb.code(ib, vb), sh.code(ih, vh), marked)
        found = self.pairs.get(pair)
        if found is None:
            found = self.pairs[pair] = len(self.pairs)
            self.reps[found] = (vb, vh, marked)
        self[key] = found
        return found


class _Outcomes(dict[tuple[int, int, int], Outcome]):
    def __init__(self, decide: Callable[[tuple[int, int, int]], Outcome]) -> None:
        super().__init__()
        self.decide = decide

    def __missing__(self, key: tuple[int, int, int]) -> Outcome:
        found = self[key] = self.decide(key)
        return found


def decide_both(
    base: Engine,
    head: Engine,
    community_ids: Iterable[str],
    principal_ids: Iterable[str],
    roles: Iterable[str],
    subject: Callable[[str], Subject],
    base_resource: Callable[[str], Resource],
    head_resource: Callable[[str], Resource],
    *,
    mark_community: Callable[[str], bool] | None = None,
    mark_principal: Callable[[str], bool] | None = None,
    mark_roles: frozenset[str] = frozenset(),
) -> Iterator[Outcome]:
    """The :class:`Outcome` of each grant given as three parallel columns, in order.

    A grant is *marked* when ``mark_community`` holds for its community and either its role is
    in ``mark_roles`` or ``mark_principal`` holds for its principal. The marks are part of the
    joint key, so telling marked grants apart costs nothing per grant.
    """
    sections = (base.section(""), head.section(""))
    subs = _Joint(sections, "sub", (subject, subject), mark_principal)
    objs = _Joint(sections, "obj", (base_resource, head_resource), mark_community)
    acts = _Joint(sections, "act", (str, str), mark_roles.__contains__)

    def decide(key: tuple[int, int, int]) -> Outcome:
        (sub_b, sub_h, sub_m), (obj_b, obj_h, obj_m), (act_b, act_h, act_m) = (
            subs.reps[key[0]],
            objs.reps[key[1]],
            acts.reps[key[2]],
        )
        before, after = base.decide(sub_b, obj_b, act_b), head.decide(sub_h, obj_h, act_h)
        flipped, marked = before.allowed != after.allowed, obj_m and (act_m or sub_m)
        return Outcome(before, after, flipped, marked, flipped or marked)

    outcomes = _Outcomes(decide)
    keys = zip(
        map(subs.__getitem__, principal_ids),
        map(objs.__getitem__, community_ids),
        map(acts.__getitem__, roles),
        strict=False,
    )
    return map(outcomes.__getitem__, keys)

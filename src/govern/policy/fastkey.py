"""The fast path's key: the part of a request that a matcher can see, derived from the matcher.

A decision is a function of the request values the matcher reads, so two requests that agree
on everything read get the same decision *and* the same matched line. Reading happens in a few
shapes (see :mod:`govern.policy.matcher`); each shape has an exact projection:

==========================================  ==============================================
matcher reads                               the projection keeps
==========================================  ==============================================
``r.sub.kind == p.kind`` / ``!=`` / ``in``  the value if some line or literal names it,
                                            else one "other" marker
``globMatch(r.obj.path, p.path)`` (any      which of the column's patterns it matches
match function)
``g(r.sub.id, p.group)``                    which of the named roles it holds in ``g``
anything else (``<``, arithmetic, custom    the whole value
functions, ``eval``)
==========================================  ==============================================

The projections of one attribute are combined, so an attribute read in two shapes keeps both.
Projections are exact, not heuristics: a test compares the fast path with plain ``enforce()``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from operator import attrgetter, call
from typing import Any

from govern.policy.matcher import Access, MatcherInfo
from govern.policy.patterns import compiled_glob

OTHER = ("~other~",)
"""Stands for every value no policy line or literal names (a tuple, so it equals no string)."""


@dataclass
class _Feature:
    attr: str | None
    raw: bool = False
    eq: set[Any] = field(default_factory=set)
    matches: list[Callable[[Any], Hashable]] = field(default_factory=list)
    roles: list[tuple[Callable[[Any, Any], bool], tuple[Any, ...], frozenset[Any]]] = field(
        default_factory=list
    )

    def parts(self) -> list[Callable[[Any], Hashable]]:
        """Functions ``attribute value -> key part``, built once.

        They run once per distinct principal and community (hundreds of thousands of times),
        so each is a plain closure chosen here rather than branches taken on every call.
        """
        if self.raw:
            return [_raw]
        return [*self._eq_part(), *self.matches, *map(_role_part, self.roles)]

    def _eq_part(self) -> list[Callable[[Any], Hashable]]:
        if not self.eq:
            return []
        eq = self.eq
        return [lambda x: x if _hashable_in(x, eq) else OTHER]


def _raw(x: Any) -> Hashable:
    return ("raw", x)


def _role_part(
    role: tuple[Callable[[Any, Any], bool], tuple[Any, ...], frozenset[Any]],
) -> Callable[[Any], Hashable]:
    """Which of the named roles ``x`` holds in one role definition."""
    has_link, universe, linked = role
    names = frozenset(universe)
    # Most principals appear in no role line and are no role's name: one shared answer.
    nobody = tuple(False for _ in universe)

    def part(x: Any) -> Hashable:
        if x in linked:
            return tuple(bool(has_link(x, name)) for name in universe)
        if _hashable_in(x, names):
            # Not named in any role line: g(x, y) holds only for y == x (Casbin's rule).
            return tuple(x == name for name in universe)
        return nobody

    return part


def _matcher(name: str, fn: Callable[[Any, Any], Any], pattern: Any) -> Callable[[Any], Hashable]:
    """The function ``x -> fn(x, pattern)``, or a marker when it raises.

    A matcher often guards a pattern (``p.pat == "*" || regexMatch(..., p.pat)``) so Casbin
    never calls the function with it, while the projection tries every value of the column:
    '*' is no regular expression. The marker keeps the key exact either way: if Casbin does
    reach the call, the representative request raises there just as every other would.

    Casbin's globMatch is compiled once per pattern (it recompiles on every call).
    """
    if name == "globMatch" and isinstance(pattern, str):
        compiled = compiled_glob(pattern)

        def glob(x: Any) -> Hashable:
            try:
                return compiled(x)
            except Exception as exc:  # e.g. a value that is no string
                return _error(exc)

        return glob

    def match(x: Any) -> Hashable:
        try:
            return bool(fn(x, pattern))
        except Exception as exc:  # any error of a user-supplied pattern
            return _error(exc)

    return match


def _error(exc: Exception) -> Hashable:
    return ("error", type(exc).__name__)


def _hashable_in(x: Any, values: AbstractSet[Any]) -> bool:
    try:
        return x in values
    except TypeError:  # an unhashable value equals no policy string
        return False


@dataclass
class Projection:
    """For one request token: value -> the hashable part the matcher reads."""

    token: str
    features: list[_Feature]
    _parts: list[Callable[[Any], Hashable]] = field(init=False, repr=False)
    _values: Callable[[Any], tuple[Any, ...]] = field(init=False, repr=False)
    """Request value -> the attribute each part reads, in the order of ``_parts``."""

    def __post_init__(self) -> None:
        attrs: list[str | None] = []
        self._parts = []
        for feature in self.features:
            parts = feature.parts()
            self._parts += parts
            attrs += [feature.attr] * len(parts)
        # The key is flat (one tuple of parts in a fixed order) and the attributes are read
        # by one attrgetter: this runs once per distinct id, hundreds of thousands of times.
        names = [a for a in attrs if a is not None]
        if len(names) == len(attrs) > 1:
            self._values = attrgetter(*names)
        elif len(names) == len(attrs) == 1:
            get = attrgetter(names[0])
            self._values = lambda value: (get(value),)
        elif not names:
            n = len(attrs)
            self._values = lambda value: (value,) * n
        else:
            self._values = lambda value: tuple(
                [value if a is None else getattr(value, a) for a in attrs]
            )

    def __call__(self, value: Any) -> Hashable:
        """The key part of one request value."""
        # map(call, ...) applies each part to its attribute in C (half the cost of a listcomp).
        return tuple(map(call, self._parts, self._values(value)))


def projections(
    info: MatcherInfo,
    tokens: list[str],
    column_values: Callable[[str], list[str]],
    functions: dict[str, Callable[..., Any]],
    role_links: dict[str, tuple[Callable[[Any, Any], bool], frozenset[Any]]],
) -> list[Projection]:
    """One projection per request token, in request order.

    ``column_values(col)`` gives every value of a policy column over the section's lines;
    ``functions`` maps Casbin's function names to the callables Casbin uses;
    ``role_links[g]`` is (has_link, every name in g's role lines).
    """
    by_token: dict[str, list[Access]] = {t: [] for t in tokens}
    for access in info.accesses:
        by_token.setdefault(access.token, []).append(access)
    out = []
    for token in tokens:
        features: dict[str | None, _Feature] = {}
        for a in by_token.get(token, []):
            feature = features.setdefault(a.attr, _Feature(a.attr))
            _add(feature, a, info, column_values, functions, role_links)
        if info.has_eval:
            # eval(p.rule) may read anything of any token.
            features = {None: _Feature(None, raw=True)}
        if None in features and features[None].raw:
            features = {None: features[None]}
        out.append(Projection(token, list(features.values())))
    return out


def _comparands(a: Access, column_values: Callable[[str], list[str]]) -> Iterable[Any]:
    c = a.usage.comparand
    assert c is not None
    if c.column is not None:
        return column_values(c.column)
    if a.usage.function == "in" and isinstance(c.literal, tuple):
        return c.literal
    return (c.literal,)


def _add(
    feature: _Feature,
    a: Access,
    info: MatcherInfo,
    column_values: Callable[[str], list[str]],
    functions: dict[str, Callable[..., Any]],
    role_links: dict[str, tuple[Callable[[Any, Any], bool], frozenset[Any]]],
) -> None:
    usage = a.usage
    if usage.kind == "raw" or a.depth > 2:
        feature.raw = True
    elif usage.kind == "eq":
        feature.eq.update(_comparands(a, column_values))
    elif usage.kind == "match":
        fn = functions[usage.function]
        for pattern in sorted(set(_comparands(a, column_values)), key=repr):
            feature.matches.append(_matcher(usage.function, fn, pattern))
    elif usage.kind == "role":
        has_link, linked = role_links[usage.function]
        universe = tuple(sorted(set(_comparands(a, column_values)), key=repr))
        feature.roles.append((has_link, universe, linked))

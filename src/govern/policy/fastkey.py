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
from dataclasses import dataclass, field
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

    def project(self, value: Any) -> Hashable:
        x = value if self.attr is None else getattr(value, self.attr)
        if self.raw:
            return ("raw", x)
        parts: list[Hashable] = []
        if self.eq:
            parts.append(x if _hashable_in(x, self.eq) else OTHER)
        for match in self.matches:
            parts.append(match(x))
        for has_link, universe, linked in self.roles:
            if x in linked:
                parts.append(tuple(bool(has_link(x, role)) for role in universe))
            else:
                # Not named in any role line: g(x, y) holds only for y == x (Casbin's rule).
                parts.append(tuple(x == role for role in universe))
        return tuple(parts)


def _matcher(name: str, fn: Callable[[Any, Any], Any], pattern: Any) -> Callable[[Any], Hashable]:
    """The function ``x -> fn(x, pattern)``, with Casbin's globMatch compiled once per pattern."""
    if name == "globMatch" and isinstance(pattern, str):
        compiled = compiled_glob(pattern)
        return lambda x: _safe_match(lambda v, _p: compiled(v), x, pattern)
    return lambda x: _safe_match(fn, x, pattern)


def _safe_match(fn: Callable[[Any, Any], Any], x: Any, pattern: Any) -> Hashable:
    """fn(x, pattern), or a marker when it raises.

    A matcher often guards a pattern (``p.pat == "*" || regexMatch(..., p.pat)``) so Casbin
    never calls the function with it, while the projection tries every value of the column:
    '*' is no regular expression. The marker keeps the key exact either way: if Casbin does
    reach the call, the representative request raises there just as every other would.
    """
    try:
        return bool(fn(x, pattern))
    except Exception as exc:  # any error of a user-supplied pattern
        return ("error", type(exc).__name__)


def _hashable_in(x: Any, values: set[Any]) -> bool:
    try:
        return x in values
    except TypeError:  # an unhashable value equals no policy string
        return False


@dataclass
class Projection:
    """For one request token: value -> the hashable part the matcher reads."""

    token: str
    features: list[_Feature]

    def __call__(self, value: Any) -> Hashable:
        """The key part of one request value."""
        return tuple(f.project(value) for f in self.features)


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

"""Reading a Casbin matcher: which request attributes it reads, and how.

Two consumers need the same reading. The validator checks that every ``r.sub.X`` names an
attribute govern fills and every ``p.Y`` a policy column. The fast path needs to know exactly
what a decision depends on: an attribute compared for equality with a policy column depends only
on *which* of the column's values it equals; one passed to ``globMatch`` depends only on which of
the column's patterns it matches; one passed first to ``g()`` only on which of the named roles it
holds. Anything else (ordering, arithmetic, custom functions, ``eval``) is read "raw": the whole
value matters.

The matcher is translated to Python (``&&`` -> ``and``, ``||`` -> ``or``, ``!`` -> ``not``, as
Casbin itself does) keeping a map back to the original columns, and parsed with :mod:`ast`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

MATCH_FUNCTIONS: frozenset[str] = frozenset(
    {
        "keyMatch",
        "keyMatch2",
        "keyMatch3",
        "keyMatch4",
        "keyMatch5",
        "regexMatch",
        "globMatch",
        "ipMatch",
    }
)
"""Casbin's pure two-argument predicates ``f(request value, pattern)``."""

OTHER_FUNCTIONS: frozenset[str] = frozenset({"keyGet", "keyGet2", "keyGet3", "timeMatch", "eval"})
"""Casbin built-ins that are not simple predicates of one request value."""

_ROOT = re.compile(r"^(r|p)(\d*)$")


@dataclass(frozen=True)
class Comparand:
    """The other side of a comparison: a policy column or a literal."""

    column: str | None = None
    literal: object = None


@dataclass(frozen=True)
class Usage:
    """How one request attribute is read at one place in the matcher."""

    kind: str
    """``eq`` (== or != or ``in``), ``match`` (first argument of a match function), ``role``
    (first argument of a two-argument role function) or ``raw`` (anything else)."""
    comparand: Comparand | None = None
    function: str = ""


@dataclass(frozen=True)
class Access:
    """One read of ``r.<token>`` or ``r.<token>.<attr>`` in the matcher."""

    token: str
    attr: str | None
    offset: int
    """0-based column in the original matcher text."""
    usage: Usage
    depth: int = 1
    """How many attribute names follow the token (2 or more is never valid for govern)."""


@dataclass
class MatcherInfo:
    """What a matcher reads and calls."""

    text: str
    request_root: str = "r"
    policy_root: str = "p"
    accesses: list[Access] = field(default_factory=list)
    columns: list[tuple[str, int]] = field(default_factory=list)
    """Policy columns read, with their offsets."""
    calls: list[tuple[str, int]] = field(default_factory=list)
    roots: list[tuple[str, int]] = field(default_factory=list)
    """Every ``r``/``p`` root name used (r2, p2, ...), with offsets: each must fit the section."""
    names: list[tuple[str, int]] = field(default_factory=list)
    """Bare names that are neither roots nor functions (always a mistake)."""
    column_functions: dict[str, set[str]] = field(default_factory=dict)
    """Policy column -> the match functions its values are passed to as patterns."""
    has_eval: bool = False
    eval_columns: list[tuple[str | None, int]] = field(default_factory=list)
    """Each ``eval(...)`` call: the policy column it evaluates (None: not a column), offset."""
    value_attributes: list[tuple[str, int]] = field(default_factory=list)
    """Attribute reads on values (``p.path.upper``, ``"x".lower``): never part of a policy."""


class MatcherSyntaxError(ValueError):
    """The matcher is not a valid expression; ``offset`` is the 0-based original column."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def to_python(expr: str) -> tuple[str, list[int]]:
    """Casbin's operators as Python's, with each output character's original column."""
    out: list[str] = []
    index: list[int] = []

    def emit(text: str, at: int) -> None:
        out.append(text)
        index.extend([at] * len(text))

    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch in "\"'":
            j = i + 1
            while j < n and expr[j] != ch:
                j += 2 if expr[j] == "\\" else 1
            j = min(j, n - 1)
            for k in range(i, j + 1):
                emit(expr[k], k)
            i = j + 1
        elif expr.startswith("&&", i):
            emit(" and ", i)
            i += 2
        elif expr.startswith("||", i):
            emit(" or ", i)
            i += 2
        elif ch == "!" and not expr.startswith("!=", i):
            emit(" not ", i)
            i += 1
        else:
            emit(ch, i)
            i += 1
    index.append(n)
    return "".join(out), index


def analyse(expr: str, role_functions: frozenset[str] = frozenset({"g"})) -> MatcherInfo:
    """Read a matcher; raises :class:`MatcherSyntaxError` when it does not parse."""
    python, index = to_python(expr)
    # `!x` becomes ` not x`: Python rejects the leading space, so drop it and its columns.
    lead = len(python) - len(python.lstrip())
    python, index = python[lead:], index[lead:]
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError as exc:
        col = max(0, min((exc.offset or 1) - 1, len(index) - 1))
        raise MatcherSyntaxError(exc.msg or "invalid syntax", index[col]) from None
    info = MatcherInfo(text=expr)
    _Walker(info, index, role_functions).visit(tree)
    return info


def _root_of(node: ast.AST) -> tuple[str, list[str]] | None:
    """For ``r.sub.kind`` return ("r", ["sub", "kind"]); None if not rooted at a Name."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and _ROOT.match(node.id):
        return node.id, list(reversed(names))
    return None


class _Walker(ast.NodeVisitor):
    def __init__(self, info: MatcherInfo, index: list[int], roles: frozenset[str]) -> None:
        self.info = info
        self.index = index
        self.roles = roles
        self.parents: dict[int, ast.AST] = {}

    def off(self, node: ast.AST) -> int:
        col = getattr(node, "col_offset", 0)
        return self.index[min(col, len(self.index) - 1)]

    def generic_visit(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.parents[id(child)] = node
        super().generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name):
            self.info.calls.append((node.func.id, self.off(node)))
            if node.func.id == "eval":
                self.info.has_eval = True
                arg = node.args[0] if len(node.args) == 1 else None
                rooted = _root_of(arg) if arg is not None else None
                column = (
                    rooted[1][0]
                    if rooted and rooted[0].startswith("p") and len(rooted[1]) == 1
                    else None
                )
                self.info.eval_columns.append((column, self.off(node)))
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            for arg in node.args:
                self.visit(arg)
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if _ROOT.match(node.id):
            self.info.roots.append((node.id, self.off(node)))
        else:
            self.info.names.append((node.id, self.off(node)))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        rooted = _root_of(node)
        if rooted is None:
            # An attribute of a literal or a call result (``"x".upper``): Casbin's evaluator
            # refuses or misreads these at request time, so they are reported here.
            self.info.value_attributes.append((node.attr, self.off(node)))
            self.generic_visit(node)
            return
        root, names = rooted
        self.info.roots.append((root, self.off(node)))
        if root.startswith("p"):
            self.info.policy_root = root
            self.info.columns.append((names[0], self.off(node)))
            if len(names) > 1:
                self.info.value_attributes.append((".".join(names[1:]), self.off(node)))
            return
        self.info.request_root = root
        usage = self.usage(node)
        attr = names[1] if len(names) > 1 else None
        self.info.accesses.append(Access(names[0], attr, self.off(node), usage, len(names)))
        if usage.kind == "match" and usage.comparand and usage.comparand.column:
            funcs = self.info.column_functions.setdefault(usage.comparand.column, set())
            funcs.add(usage.function)

    def comparand(self, node: ast.AST) -> Comparand | None:
        rooted = _root_of(node)
        if rooted is not None and rooted[0].startswith("p") and len(rooted[1]) == 1:
            return Comparand(column=rooted[1][0])
        if isinstance(node, ast.Constant):
            return Comparand(literal=node.value)
        return None

    def usage(self, node: ast.AST) -> Usage:
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Compare) and len(parent.ops) == 1:
            other = parent.comparators[0] if parent.left is node else parent.left
            op = parent.ops[0]
            if isinstance(op, ast.Eq | ast.NotEq):
                c = self.comparand(other)
                if c is not None:
                    return Usage("eq", c)
            if isinstance(op, ast.In | ast.NotIn) and parent.left is node:
                items = getattr(other, "elts", None)
                if items is not None and all(isinstance(e, ast.Constant) for e in items):
                    values = tuple(e.value for e in items if isinstance(e, ast.Constant))
                    return Usage("eq", Comparand(literal=values), function="in")
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Name)
            and len(parent.args) == 2
            and parent.args[0] is node
            and not parent.keywords
        ):
            c = self.comparand(parent.args[1])
            if c is not None and parent.func.id in MATCH_FUNCTIONS:
                return Usage("match", c, parent.func.id)
            if c is not None and parent.func.id in self.roles:
                return Usage("role", c, parent.func.id)
        return Usage("raw")

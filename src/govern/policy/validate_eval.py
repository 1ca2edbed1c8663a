"""What audit would refuse in a matcher, found at validate time.

Casbin's evaluator refuses attribute reads on values (``p.path.upper()``) and a pattern RE2
cannot run fails at the first request; both are reported here with their position.

Rules evaluated with ``eval(p.column)``: each policy line's text is a matcher expression.
Casbin pastes the column's text into the matcher at request time, so a rule that does not parse,
reads an attribute govern does not fill, or calls something unknown passes ``validate`` as
plain data and then stops ``audit``. Here each such value is checked as the matcher itself is,
with the position of the value in ``policy.csv``: validate evaluates what audit evaluates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from govern.policy.diagnostics import Diagnostic
from govern.policy.files import CsvLine, Pos
from govern.policy.matcher import MatcherInfo
from govern.policy.patterns import pattern_problem

if TYPE_CHECKING:
    from govern.policy.validate_model import ModelShape


def refused_by_audit(info: MatcherInfo, pkey: str, at: Callable[[int], Pos]) -> list[Diagnostic]:
    """Literal patterns RE2 refuses, attribute reads on values, ``eval()`` of a non-column."""
    out: list[Diagnostic] = []
    for a in info.accesses:
        # A pattern written in the matcher itself is checked as a column's patterns are.
        c = a.usage.comparand
        if a.usage.kind == "match" and c is not None and isinstance(c.literal, str):
            problem = pattern_problem(c.literal, {a.usage.function})
            if problem:
                out.append(at(a.offset).at(problem, "bad-pattern"))
    for attr, offset in info.value_attributes:
        out.append(
            at(offset).at(
                f"'.{attr}' reads an attribute of a value, which audit cannot evaluate; "
                f"compare the value or pass it to a match function",
                "unknown-attribute",
            )
        )
    for evaluated, offset in info.eval_columns:
        if evaluated is None:
            out.append(
                at(offset).at(
                    f"eval() takes one policy column (eval({pkey}.rule)); it evaluates the "
                    f"rule written in that column of each policy line",
                    "syntax",
                )
            )
    return out


def check_eval_rules(lines: list[CsvLine], shape: ModelShape) -> list[Diagnostic]:
    """Every value of every column a matcher passes to ``eval()``, checked as an expression."""
    out: list[Diagnostic] = []
    for key, info in shape.matchers.items():
        pkey = f"p{key[1:]}"
        columns = shape.policies.get(pkey, [])
        for column, _ in info.eval_columns:
            if column is None or column not in columns:
                continue  # the matcher's own check reports it
            index = columns.index(column)
            for line in lines:
                if line.ptype == pkey and len(line.values) == len(columns):
                    out += _check_rule(shape, key, column, line, index)
    return out


def _check_rule(
    shape: ModelShape, key: str, column: str, line: CsvLine, index: int
) -> list[Diagnostic]:
    from govern.policy.validate_model import _matcher  # the matcher's own checks

    value = line.values[index]
    start = line.pos(index)

    def at(offset: int) -> Pos:
        return Pos(start.file, start.line, start.col + offset)

    # A scratch shape: the rule must not replace the matcher's own reading.
    scratch = replace(shape, matchers={}, bad_requests=set(shape.bad_requests))
    where = f"the {column} rule evaluated by eval() in matcher '{key}'"
    found = _matcher(scratch, key, value, start, at)
    info = scratch.matchers.get(key)
    if info is not None and info.eval_columns:
        found.append(start.at("eval() inside an eval'd rule", "syntax"))
    own = f"matcher '{key}': "
    out = []
    for d in found:
        message = f"{where}: {d.message.removeprefix(own)}"
        out.append(Diagnostic(d.file, d.line, d.col, message, d.code, d.level))
    return out

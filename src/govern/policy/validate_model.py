"""Checking model.conf and policy.csv: the things Casbin loads silently and gets wrong later.

Casbin accepts a policy line with a missing column (``enforce`` fails later with "invalid policy
size" and no line), a typo in a value (the rule never matches) and a typo in a matcher attribute
(fails at request time). Each of those is caught here with its file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from govern.policy import vocabulary as v
from govern.policy.diagnostics import Diagnostic, suggest
from govern.policy.files import ConfSection, CsvLine, Pos
from govern.policy.matcher import (
    MATCH_FUNCTIONS,
    OTHER_FUNCTIONS,
    MatcherInfo,
    MatcherSyntaxError,
    analyse,
)
from govern.policy.patterns import pattern_problem
from govern.policy.validate_eval import refused_by_audit

SECTIONS = {
    "request_definition": "r",
    "policy_definition": "p",
    "role_definition": "g",
    "policy_effect": "e",
    "matchers": "m",
}
REQUIRED_SECTIONS = ("request_definition", "policy_definition", "policy_effect", "matchers")
_KEY = re.compile(r"^([rpgem])(\d*)$")
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class ModelShape:
    """What a valid model declares: request tokens, policy columns, role functions, matchers."""

    requests: dict[str, list[str]] = field(default_factory=dict)
    policies: dict[str, list[str]] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    matchers: dict[str, MatcherInfo] = field(default_factory=dict)
    effects: dict[str, str] = field(default_factory=dict)
    text_ok: bool = True
    """False when a problem means Casbin itself should not be asked to load the model."""
    bad_requests: set[str] = field(default_factory=set)
    """Request definitions with a wrong token: matcher reads of them would only echo that."""


def check_model(sections: dict[str, ConfSection], file: Pos) -> tuple[ModelShape, list[Diagnostic]]:
    """Check model.conf and return its shape for the policy-line checks."""
    out: list[Diagnostic] = []
    shape = ModelShape()
    for name, section in sections.items():
        if name not in SECTIONS:
            out.append(
                section.pos.at(
                    f"unknown section [{name}]{_bracket(suggest(name, SECTIONS))}",
                    "unknown-name",
                )
            )
            shape.text_ok = False
    misspelt = {suggest(n, SECTIONS) for n in sections if n not in SECTIONS}
    for name in REQUIRED_SECTIONS:
        if name not in sections:
            shape.text_ok = False
            if f"; did you mean '{name}'?" not in misspelt:
                out.append(
                    file.at(f"missing section [{name}]; add it (see `govern init`)", "missing")
                )
    for name, letter in SECTIONS.items():
        for key, (value, pos) in sections.get(name, ConfSection(name, file)).keys.items():
            m = _KEY.match(key)
            if not m or m.group(1) != letter:
                out.append(
                    pos.at(f"key '{key}' does not belong in [{name}]; use {letter}, {letter}2, ...")
                )
                shape.text_ok = False
                continue
            if letter in "rpg":
                out += _tokens(shape, letter, key, value, pos)
            elif letter == "e":
                shape.effects[key] = value
    out += _effects(shape, sections)
    if "r" not in shape.requests and "request_definition" in sections:
        out.append(sections["request_definition"].pos.at("missing 'r = sub, obj, act'", "missing"))
        shape.text_ok = False
    matchers = sections.get("matchers", ConfSection("", file))
    for key, (value, pos) in matchers.keys.items():
        if _KEY.match(key):
            out += _matcher(shape, key, value, pos, partial(matchers.at, key))
    return shape, out


def _bracket(hint: str) -> str:
    """'; did you mean 'matchers'?' as '; did you mean [matchers]?' for section names."""
    return hint.replace("'", "[", 1).replace("'", "]", 1)


def _tokens(shape: ModelShape, letter: str, key: str, value: str, pos: Pos) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    tokens = [t.strip() for t in value.split(",")]
    if letter == "g":
        if tokens not in (["_", "_"], ["_", "_", "_"]):
            out.append(pos.at(f"role definition '{key}' must be '_, _' or '_, _, _'"))
            shape.text_ok = False
        shape.roles[key] = len(tokens)
        return out
    bad = [t for t in tokens if not _TOKEN.match(t)]
    if bad:
        out.append(pos.at(f"'{bad[0]}' is not a valid name in '{key}'; use letters, digits, _"))
        shape.text_ok = False
        return out
    dup = sorted({t for t in tokens if tokens.count(t) > 1})
    if dup:
        out.append(pos.at(f"'{dup[0]}' appears twice in '{key}'; names must be unique"))
        shape.text_ok = False
    if letter == "r":
        wanted = v.REQUEST_SHAPES.get(key)
        if wanted is None:
            out.append(pos.at(f"govern fills requests 'r' and 'r2' only, not '{key}'; remove it"))
        else:
            for t in tokens:
                if t not in wanted:
                    out.append(
                        pos.at(
                            f"'{key}' token '{t}' is not one govern fills{suggest(t, wanted)}",
                            "unknown-name",
                        )
                    )
            missing = [t for t in wanted if t not in tokens]
            if missing and not any(t not in wanted for t in tokens):
                out.append(
                    pos.at(f"'{key}' lacks {', '.join(missing)}; write {key} = {', '.join(wanted)}")
                )
            if any(t not in wanted for t in tokens) or missing:
                shape.bad_requests.add(key)
        shape.requests[key] = tokens
    else:
        if "id" not in tokens:
            out.append(pos.at(f"'{key}' has no 'id' column; add one so every decision names it"))
        shape.policies[key] = tokens
    return out


def _effects(shape: ModelShape, sections: dict[str, ConfSection]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for key, value in shape.effects.items():
        pos = sections["policy_effect"].keys[key][1]
        suffix = key[1:]
        normal = value.replace(f"p{suffix}.", "p.").replace(f"p{suffix}_", "p.")
        if normal not in v.EFFECT_EXPRESSIONS:
            shown = {e.replace("p.", f"p{suffix}.") for e in v.EFFECT_EXPRESSIONS}
            out.append(pos.at(f"unknown effect '{value}'{suggest(value, shown)}", "unknown-value"))
            shape.text_ok = False
    main = shape.effects.get("e", "")
    for key, value in shape.effects.items():
        if key != "e" and value.replace(key[1:], "") != main:
            pos = sections["policy_effect"].keys[key][1]
            out.append(
                pos.at(
                    f"'{key}' differs from 'e'; pycasbin applies the effect of 'e' to every "
                    f"section, so write the same effect",
                    "effect",
                    "warning",
                )
            )
    if "e" not in shape.effects and "policy_effect" in sections:
        out.append(sections["policy_effect"].pos.at("missing 'e = priority(p.eft) || deny'"))
        shape.text_ok = False
    return out


def _matcher(
    shape: ModelShape, key: str, value: str, pos: Pos, at: Callable[[int], Pos]
) -> list[Diagnostic]:
    suffix = key[1:]
    rkey, pkey = f"r{suffix}", f"p{suffix}"
    out: list[Diagnostic] = []
    try:
        info = analyse(value, frozenset(shape.roles))
    except MatcherSyntaxError as exc:
        shape.text_ok = False
        return [at(exc.offset).at(f"matcher '{key}': {exc}", "syntax")]
    shape.matchers[key] = info
    if rkey not in shape.requests:
        out.append(pos.at(f"matcher '{key}' has no request '{rkey}'; define it or remove '{key}'"))
    if pkey not in shape.policies:
        out.append(pos.at(f"matcher '{key}' has no policy '{pkey}'; define it or remove '{key}'"))
    for root, offset in info.roots:
        if root not in (rkey, pkey):
            out.append(
                at(offset).at(
                    f"matcher '{key}' reads '{root}'; it may only read {rkey} and {pkey}",
                    "unknown-name",
                )
            )
    tokens = shape.requests.get(rkey, [])
    for a in info.accesses:
        p = at(a.offset)
        if rkey in shape.bad_requests:
            continue
        if a.token not in tokens:
            out.append(
                p.at(f"'{rkey}' has no token '{a.token}'{suggest(a.token, tokens)}", "unknown-name")
            )
            continue
        offered = _offered(a.token)
        if a.attr is None:
            continue
        if offered is None:
            out.append(p.at(f"'{rkey}.{a.token}' is a plain value; it has no attribute '{a.attr}'"))
        elif a.attr not in offered or a.depth > 2:
            out.append(
                p.at(
                    f"'{rkey}.{a.token}' has no attribute '{a.attr}'{suggest(a.attr, offered)}",
                    "unknown-attribute",
                )
            )
    columns = shape.policies.get(pkey, [])
    for column, offset in info.columns:
        if column not in columns:
            out.append(
                at(offset).at(
                    f"'{pkey}' has no column '{column}'{suggest(column, columns)}", "unknown-name"
                )
            )
    known = MATCH_FUNCTIONS | OTHER_FUNCTIONS | set(shape.roles)
    for name, offset in info.calls:
        if name not in known:
            hint = suggest(name, known)
            out.append(at(offset).at(f"unknown function '{name}'{hint}", "unknown-name"))
    for name, offset in info.names:
        out.append(at(offset).at(f"unknown name '{name}'; quote text as \"{name}\""))
    out += refused_by_audit(info, pkey, at)
    if out:
        shape.text_ok = False
    return out


def _offered(token: str) -> frozenset[str] | None:
    from govern.policy.attributes import REQUEST_TOKENS

    return REQUEST_TOKENS.get(token)


@dataclass(frozen=True)
class Names:
    """Names defined in the YAML files that policy lines may refer to."""

    classes: frozenset[str] | None
    """None when classification.yaml is itself broken: its error is the one to report."""
    groups: frozenset[str] | None
    steward_pools: frozenset[str]


def check_lines(
    lines: list[CsvLine], shape: ModelShape, names: Names
) -> tuple[dict[str, CsvLine], list[Diagnostic]]:
    """Check every policy line; return the valid rule lines by id."""
    out: list[Diagnostic] = []
    ids: dict[str, CsvLine] = {}
    declared = {**shape.policies, **{g: ["_"] * n for g, n in shape.roles.items()}}
    if not declared:
        return ids, out  # no usable model: its own error says why
    for line in lines:
        columns = declared.get(line.ptype)
        if columns is None:
            out.append(
                line.pos().at(
                    f"unknown policy type '{line.ptype}'{suggest(line.ptype, declared)}",
                    "unknown-name",
                )
            )
            continue
        if len(line.values) != len(columns):
            short = len(line.values) < len(columns)
            what = "add the missing value" if short else "remove the extra value"
            out.append(
                line.pos(min(len(line.values), len(columns))).at(
                    f"'{line.ptype}' line has {len(line.values)} values but '{line.ptype}' "
                    f"declares {len(columns)} ({', '.join(columns)}); {what}",
                    "column-count",
                )
            )
            continue
        if line.ptype in shape.roles:
            continue
        out += _values(line, columns, shape, names)
        rule_id = dict(zip(columns, line.values, strict=True)).get("id")
        if rule_id:
            first = ids.get(rule_id)
            if first is not None:
                col = line.pos(columns.index("id"))
                out.append(
                    col.at(
                        f"rule id '{rule_id}' is already used on line {first.line}; "
                        f"give each rule its own id",
                        "duplicate",
                    )
                )
            else:
                ids[rule_id] = line
    return ids, out


def _values(line: CsvLine, columns: list[str], shape: ModelShape, names: Names) -> list[Diagnostic]:
    row = dict(zip(columns, line.values, strict=True))
    funcs: set[str] = set()
    m = shape.matchers.get("m" + line.ptype[1:])
    out: list[Diagnostic] = []
    for i, (column, value) in enumerate(row.items()):
        pos = line.pos(i)
        if value == "":
            out.append(pos.at(f"column '{column}' is empty; use '*' to match anything", "empty"))
            continue
        if m is not None:
            funcs = m.column_functions.get(column, set())
        problem = _value_problem(column, value, row, names, funcs)
        if problem:
            out.append(pos.at(f"column '{column}': {problem}", "unknown-value"))
    return out


def _value_problem(
    column: str, value: str, row: dict[str, str], names: Names, funcs: set[str]
) -> str | None:
    choices: frozenset[str] | None = {
        "kind": v.KINDS,
        "act": v.ROLES,
        "lifecycle": v.LIFECYCLES,
        "cls": names.classes,
        "group": names.groups,
    }.get(column)
    if column in ("kind", "act", "lifecycle", "cls", "group"):
        if choices is None or value == v.ANY or value in choices:
            return None
        what = {
            "cls": "a class",
            "group": "a group in groups.yaml",
            "act": "a role",
            "kind": "a principal kind",
            "lifecycle": "a lifecycle state",
        }[column]
        return f"'{value}' is not {what}{suggest(value, choices)}"
    if column == "priority":
        return None if value.isdigit() else f"'{value}' is not a whole number (lower wins)"
    if column == "id":
        if re.match(v.RULE_ID_PATTERN, value):
            return None
        return f"'{value}' is not a valid rule id; use letters, digits, '-', '_' and '.'"
    if column == "eft":
        if value in v.EFFECTS:
            return None
        return f"'{value}' is not allow or deny{suggest(value, v.EFFECTS)}"
    if column == "severity":
        if value == v.NONE:
            needs = row.get("eft") == "deny" and "req" not in row
            return "a deny rule needs a severity" if needs else None
        if value not in v.SEVERITIES:
            return f"'{value}' is not a severity{suggest(value, v.SEVERITIES)}"
        return None
    if column == "req":
        if value not in v.REQUIREMENTS:
            return f"'{value}' is not a requirement{suggest(value, v.REQUIREMENTS)}"
        return None
    if column == "param":
        return _param_problem(row.get("req", ""), value, row.get("eft", "allow"), names)
    if funcs and value != v.ANY:
        return pattern_problem(value, funcs)
    return None


def _param_problem(req: str, value: str, eft: str, names: Names) -> str | None:
    kind = v.REQUIREMENTS.get(req)
    if kind is None or (eft == "deny" and value == v.NONE):
        return None
    if kind == "count":
        ok = value.isdigit() and int(value) >= 1
        return None if ok else f"{req} needs a whole number of at least 1, not '{value}'"
    if kind == "group":
        if names.groups is None:
            return None
        if value in names.groups:
            if value not in names.steward_pools:
                return f"group '{value}' is not a steward pool; set steward_pool: true for it"
            return None
        return f"'{value}' is not a group in groups.yaml{suggest(value, names.groups)}"
    return None if value == v.NONE else f"{req} takes no parameter; write '-'"

"""Checking the YAML files: their JSON Schema first, then what a schema cannot say.

Schema errors are turned into one line each at the exact key or value: an unknown key gets a
did-you-mean from the keys the schema allows, a wrong enum value one from the allowed values.
Then the cross references: a rule's class exists, a lifecycle decision names one community, a
test expects a rule that exists.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from govern.policy.diagnostics import Diagnostic, suggest
from govern.policy.files import YamlDoc
from govern.policy.patterns import glob_problem
from govern.policy.regex import regex_problem

SCHEMAS = {
    "classification.yaml": "classification",
    "lifecycle.yaml": "lifecycle",
    "groups.yaml": "groups",
    "thresholds.yaml": "thresholds",
}
CONDITIONS = ("label", "name", "name_regex", "path", "connector", "kind", "visibility", "origin")
_ID = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:.+$")


@cache
def schema(name: str) -> dict[str, Any]:
    """One of the JSON Schemas shipped with the package (``classification``, ``tests``, ...)."""
    text = resources.files("govern.policy").joinpath(f"schemas/{name}.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def check_schema(doc: YamlDoc, name: str) -> list[Diagnostic]:
    """Validate a document against a shipped schema, one diagnostic per error."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    validator = Draft202012Validator(schema(name))
    out = []
    for error in validator.iter_errors(doc.data):
        out.append(_describe(doc, error, validator))
    return sorted(set(out))


def _describe(doc: YamlDoc, error: Any, validator: Any) -> Diagnostic:
    path = tuple(error.absolute_path)
    where = ".".join(str(p) for p in path) or "the file"
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        key = extra[0] if extra else "?"
        pos = doc.pos((*path, key), key=True)
        hint = suggest(key, allowed)
        return pos.at(f"unknown key '{key}' in {where}{hint}", "schema")
    pos = doc.pos(path)
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return pos.at(f"{where} lacks the key '{missing}'; add it", "schema")
    if kind == "enum":
        allowed = [str(x) for x in error.validator_value]
        value = str(error.instance)
        return pos.at(f"{where}: '{value}' is not allowed{suggest(value, allowed)}", "schema")
    if kind == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        example = {"array": ", e.g. [value]", "object": ", i.e. 'key: value' lines"}.get(
            str(wanted), ""
        )
        got = type(error.instance).__name__
        got = {"str": "text", "int": "a number", "dict": "a mapping", "list": "a list"}.get(
            got, got
        )
        return pos.at(f"{where}: expected {_article(str(wanted))}{example}, got {got}", "schema")
    if kind == "pattern":
        return pos.at(f"{where}: '{error.instance}' is not a valid name", "schema")
    if kind in ("minItems", "minProperties"):
        return pos.at(f"{where} is empty; give at least one entry or remove it", "schema")
    return pos.at(f"{where}: {error.message}", "schema")


def _article(word: str) -> str:
    names = {
        "array": "a list",
        "object": "a mapping",
        "string": "text",
        "integer": "a whole number",
    }
    return names.get(word, f"a {word}")


def check_classification(doc: YamlDoc, rule_ids: set[str]) -> list[Diagnostic]:
    """Classes referenced exist, rules have a condition, patterns compile, ids are unique."""
    data = doc.data if isinstance(doc.data, dict) else {}
    classes = set(data.get("classes") or {})
    out: list[Diagnostic] = []
    default = data.get("default")
    if isinstance(default, str) and classes and default not in classes:
        out.append(doc.pos(("default",)).at(_not_class(default, classes), "unknown-value"))
    seen: dict[str, str] = {}
    for i, item in enumerate(data.get("explicit") or []):
        klass = item.get("class")
        if isinstance(klass, str) and classes and klass not in classes:
            out.append(doc.pos(("explicit", i, "class")).at(_not_class(klass, classes)))
        for j, ref in enumerate(item.get("communities") or []):
            if ref in seen and seen[ref] != klass:
                out.append(
                    doc.pos(("explicit", i, "communities", j)).at(
                        f"'{ref}' is listed as both {seen[ref]} and {klass}; keep one", "duplicate"
                    )
                )
            seen[ref] = str(klass)
    for i, rule in enumerate(data.get("rules") or []):
        out += _class_rule(doc, i, rule, classes, rule_ids)
    return out


def _class_rule(
    doc: YamlDoc, i: int, rule: dict[str, Any], classes: set[str], rule_ids: set[str]
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    base = ("rules", i)
    klass = rule.get("class")
    if isinstance(klass, str) and classes and klass not in classes:
        out.append(doc.pos((*base, "class")).at(_not_class(klass, classes), "unknown-value"))
    rid = rule.get("id")
    if isinstance(rid, str):
        if rid in rule_ids:
            out.append(
                doc.pos((*base, "id")).at(
                    f"rule id '{rid}' is already used; give each rule its own id", "duplicate"
                )
            )
        rule_ids.add(rid)
    if not any(k in rule for k in CONDITIONS):
        out.append(
            doc.pos(base).at(
                f"classification rule '{rid}' has no condition; add one of {', '.join(CONDITIONS)}"
            )
        )
    for j, pattern in enumerate(rule.get("name_regex") or []):
        problem = regex_problem(str(pattern))
        if problem:
            out.append(doc.pos((*base, "name_regex", j)).at(problem, "bad-pattern"))
    for j, pattern in enumerate(rule.get("path") or []):
        problem = glob_problem(str(pattern))
        if problem:
            out.append(doc.pos((*base, "path", j)).at(problem, "bad-pattern"))
    return out


def _not_class(value: str, classes: set[str]) -> str:
    return f"'{value}' is not a class in classification.yaml{suggest(value, classes)}"


def check_lifecycle(doc: YamlDoc) -> list[Diagnostic]:
    """Each decision names one community (by id or path), and no id is decided twice."""
    out: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for i, item in enumerate((doc.data or {}).get("decisions") or []):
        pos = doc.pos(("decisions", i))
        has_id, has_path = "id" in item, "path" in item
        if has_id == has_path:
            out.append(pos.at("a decision names one community: give 'id' or 'path', not both"))
            continue
        if has_id:
            cid = str(item["id"])
            if not _ID.match(cid):
                out.append(
                    doc.pos(("decisions", i, "id")).at(
                        f"'{cid}' is not a community id ('<connector>:<kind>:<id>'); "
                        f"use 'path' for paths"
                    )
                )
            elif cid in seen:
                out.append(
                    doc.pos(("decisions", i, "id")).at(
                        f"'{cid}' is decided twice (also decision {seen[cid] + 1}); keep one",
                        "duplicate",
                    )
                )
            seen[cid] = i
        else:
            problem = glob_problem(str(item["path"]))
            if problem:
                out.append(doc.pos(("decisions", i, "path")).at(problem, "bad-pattern"))
    return out


def check_groups(doc: YamlDoc) -> list[Diagnostic]:
    """Each member source says exactly one thing; roles go with a community."""
    out: list[Diagnostic] = []
    kinds = ("directory_group", "community", "principals", "department")
    for name, group in ((doc.data or {}).get("groups") or {}).items():
        for i, member in enumerate(group.get("members") or []):
            pos = doc.pos(("groups", name, "members", i))
            given = [k for k in kinds if k in member]
            if len(given) != 1:
                out.append(pos.at(f"group '{name}': give exactly one of {', '.join(kinds)}"))
            elif "roles" in member and given != ["community"]:
                out.append(pos.at(f"group '{name}': 'roles' applies to a community source only"))
    return out


def check_tests(
    doc: YamlDoc, known: dict[str, str], classes: set[str], groups: set[str]
) -> list[Diagnostic]:
    """Tests refer to rules, classes and groups that exist, and give what they need."""
    out: list[Diagnostic] = []
    for i, test in enumerate((doc.data or {}).get("tests") or []):
        base = ("tests", i)
        expect = test.get("expect") or {}
        name = test.get("name", f"#{i + 1}")
        if ("decision" in expect or "rule" in expect) and "role" not in test:
            out.append(doc.pos(base).at(f"test '{name}' expects a decision; give it a 'role'"))
        rule = expect.get("rule")
        if isinstance(rule, str) and known.get(rule) not in (None, "p"):
            out.append(doc.pos((*base, "expect", "rule")).at(f"'{rule}' is not an access rule"))
        elif isinstance(rule, str) and rule not in known:
            out.append(doc.pos((*base, "expect", "rule")).at(_unknown_rule(rule, known)))
        for j, rid in enumerate(expect.get("requirements") or []):
            if known.get(rid) != "p2":
                msg = (
                    _unknown_rule(rid, known)
                    if rid not in known
                    else f"'{rid}' is not a requirement"
                )
                out.append(doc.pos((*base, "expect", "requirements", j)).at(msg))
        klass = expect.get("class")
        if isinstance(klass, str) and classes and klass not in classes:
            out.append(doc.pos((*base, "expect", "class")).at(_not_class(klass, classes)))
        for j, g in enumerate((test.get("principal") or {}).get("groups") or []):
            if g not in groups:
                out.append(
                    doc.pos((*base, "principal", "groups", j)).at(
                        f"'{g}' is not a group in groups.yaml{suggest(g, groups)}"
                    )
                )
    return out


def _unknown_rule(rule: str, known: dict[str, str]) -> str:
    return f"no rule has the id '{rule}'{suggest(rule, known)}"

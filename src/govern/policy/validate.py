"""Validating a whole policy repository, and loading it for use.

:func:`validate` returns every problem found (for ``govern policy validate``, people or SARIF);
:func:`load_policies` raises on the first error and returns the typed :class:`PolicySet` (for
``govern audit``, the planner, policy impact). Both read the files the same way, so what
validates is exactly what loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from govern.policy import repo as r
from govern.policy.diagnostics import Diagnostic, errors, raise_first
from govern.policy.files import Pos
from govern.policy.policyset import PolicySet, build
from govern.policy.validate_eval import check_eval_rules
from govern.policy.validate_model import ModelShape, Names, check_lines, check_model
from govern.policy.validate_yaml import (
    SCHEMAS,
    check_classification,
    check_groups,
    check_lifecycle,
    check_schema,
    check_tests,
)


@dataclass
class Validation:
    """The outcome of validating a repository."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    policies: PolicySet | None = None
    shape: ModelShape | None = None

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not errors(self.diagnostics)


def validate(root: Path, *, with_tests: bool = True) -> Validation:
    """Check every file of a policy repository; build the policy set if nothing is wrong."""
    raw = r.read_repo(root, with_tests=with_tests)
    out = list(raw.problems)
    for name in r.REQUIRED:
        if not raw.path(name).exists():
            out.append(
                Pos(raw.path(name), 1, 1).at(
                    f"missing {name}; every policy repository has one (`govern init` writes one)",
                    "missing",
                )
            )
    usable: dict[str, bool] = {}
    for name, doc in raw.docs.items():
        found = check_schema(doc, SCHEMAS[name])
        out += found
        usable[name] = not found
    classes: set[str] | None = None
    groups: dict[str, bool] | None = None
    if usable.get(r.CLASSIFICATION):
        classes = set(raw.docs[r.CLASSIFICATION].data.get("classes") or {})
    if r.GROUPS not in raw.docs and not raw.path(r.GROUPS).exists():
        groups = {}
    if usable.get(r.GROUPS):
        groups = {}
        for name, g in (raw.docs[r.GROUPS].data.get("groups") or {}).items():
            groups[name] = bool(g.get("steward_pool", False))
        out += check_groups(raw.docs[r.GROUPS])
    if usable.get(r.LIFECYCLE):
        out += check_lifecycle(raw.docs[r.LIFECYCLE])
    shape, problems = check_model(raw.model, Pos(raw.path(r.MODEL), 1, 1))
    if raw.path(r.MODEL).exists():
        out += problems
    names = Names(
        classes=frozenset(classes) if classes is not None else None,
        groups=frozenset(groups) if groups is not None else None,
        steward_pools=frozenset(n for n, steward in (groups or {}).items() if steward),
    )
    ids, problems = check_lines(raw.lines, shape, names)
    out += problems
    out += check_eval_rules(raw.lines, shape)
    known = {rid: line.ptype for rid, line in ids.items()}
    if usable.get(r.CLASSIFICATION):
        rule_ids = set(ids)
        out += check_classification(raw.docs[r.CLASSIFICATION], rule_ids)
        known.update({rid: "cls" for rid in rule_ids - set(ids)})
    for doc in raw.tests:
        found = check_schema(doc, "tests")
        out += found or check_tests(doc, known, classes or set(), set(groups or {}))
    if not errors(out) and shape.text_ok:
        out += _casbin_loads(raw)
    result = Validation(sorted(set(out)), shape=shape)
    if result.ok:
        result.policies = build(raw, shape.policies, set(shape.roles))
    return result


def _casbin_loads(raw: r.RawRepo) -> list[Diagnostic]:
    """Last line of defence: Casbin itself accepts the model."""
    from casbin.model import Model

    path = raw.path(r.MODEL)
    try:
        Model().load_model_from_text(path.read_text(encoding="utf-8"))
    except Exception as exc:  # Casbin raises bare exceptions of many kinds
        return [Pos(path, 1, 1).at(f"Casbin cannot load the model: {exc}", "casbin")]
    return []


def load_policies(root: Path) -> PolicySet:
    """Read and check a policy repository; raise PolicyError on the first error."""
    result = validate(root, with_tests=False)
    raise_first(result.diagnostics)
    assert result.policies is not None  # no errors means it was built
    return result.policies

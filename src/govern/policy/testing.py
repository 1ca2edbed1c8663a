"""Policy tests as data (``tests/*.yaml``), and which rules no test reaches.

A test gives a community (and optionally a principal and a role) and what the policies must
conclude: the decision and the rule that makes it, the class and the rule that classifies, the
lifecycle, and exactly which requirement rules apply. A rule is *reached* when it decides
something in some test (a classification, a grant, a requirement or an exemption); a rule no
test reaches is untested policy, reported so that reviews see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern.model import Community, Origin, Visibility
from govern.policy.attributes import ANONYMOUS_ATTRIBUTE, Resource, Subject
from govern.policy.classify import Classifier
from govern.policy.engine import Engine
from govern.policy.files import Pos, YamlDoc
from govern.policy.policyset import PolicySet
from govern.policy.requirements import requirement_kinds


@dataclass
class Outcome:
    """One test's result."""

    name: str
    pos: Pos
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures


@dataclass
class TestReport:
    """Every test's result and the coverage of rules."""

    outcomes: list[Outcome] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    unreached: list[str] = field(default_factory=list)
    """Rule ids (access, requirement, classification) no test reaches, in file order."""

    @property
    def failed(self) -> list[Outcome]:
        """The tests that failed."""
        return [o for o in self.outcomes if not o.passed]


@dataclass
class _Case:
    name: str
    pos: Pos
    test: dict[str, Any]
    subject: Subject | None
    groups: list[str]


def run_tests(policies: PolicySet, docs: list[YamlDoc]) -> TestReport:
    """Run every test of every test document against a policy set."""
    cases: list[_Case] = []
    for doc in docs:
        for i, test in enumerate((doc.data or {}).get("tests") or []):
            principal = test.get("principal")
            subject = None
            if principal is not None or "role" in test:
                subject = _subject(principal or {}, f"test:user:{doc.file.stem}-{i}")
            groups = list((principal or {}).get("groups") or [])
            cases.append(
                _Case(test.get("name", f"#{i + 1}"), doc.pos(("tests", i)), test, subject, groups)
            )
    links = [(c.subject.id, g) for c in cases if c.subject for g in c.groups]
    engine = Engine(policies, links)
    classifier = Classifier(policies)
    report = TestReport()
    kinds = requirement_kinds(engine) if "m2" in policies.matchers else []
    for n, case in enumerate(cases):
        report.outcomes.append(_run(case, n, engine, classifier, kinds, report.reached))
    every = [*policies.rules, *(r.id for r in policies.class_rules)]
    report.unreached = [rid for rid in every if rid not in report.reached]
    return report


def _subject(p: dict[str, Any], default_id: str) -> Subject:
    email = str(p.get("email", "")).lower()
    pid = str(p.get("id", default_id))
    return Subject(
        id=pid,
        kind=str(p.get("kind", "employee")),
        department=str(p.get("department", "")),
        email=email,
        domain=email.rpartition("@")[2] if "@" in email else "",
        enabled=bool(p.get("enabled", True)),
        connector=pid.partition(":")[0],
    )


def _community(c: dict[str, Any], n: int) -> Community:
    path = str(c["path"])
    parts = path.split("/")
    return Community(
        id=str(c.get("id", f"test:community:{n}")),
        path=path,
        kind=str(c.get("kind", parts[2] if len(parts) > 3 else "team")),
        name=str(c.get("name", parts[-1])),
        sensitivity_label=c.get("label"),
        visibility=Visibility(c.get("visibility", "private")),
        origin=Origin(c.get("origin", "unknown")),
        attributes={ANONYMOUS_ATTRIBUTE: bool(c.get("anonymous", False))},
    )


def _run(
    case: _Case,
    n: int,
    engine: Engine,
    classifier: Classifier,
    kinds: list[str],
    reached: set[str],
) -> Outcome:
    out = Outcome(case.name, case.pos)
    spec = case.test["community"]
    expect = case.test["expect"]
    community = _community(spec, n)
    klass, by = classifier.classify(community)
    reached.add(by)
    state = spec.get("lifecycle") or classifier.lifecycle(community)[0]
    res = Resource.of(community, klass, state)
    _compare(out, "class", expect.get("class"), klass)
    _compare(out, "classified_by", expect.get("classified_by"), by)
    _compare(out, "lifecycle", expect.get("lifecycle"), state)
    if case.subject is not None and "role" in case.test:
        decision = engine.decide(case.subject, res, case.test["role"])
        if decision.rule_id:
            reached.add(decision.rule_id)
        got = "allow" if decision.allowed else "deny"
        _compare(out, "decision", expect.get("decision"), got, by_rule=decision.rule_id)
        if "rule" in expect:
            _compare(out, "rule", expect["rule"], decision.rule_id)
    applied = []
    for kind in kinds:
        d = engine.applies(res, kind)
        if d.rule_id:
            reached.add(d.rule_id)
            if d.allowed:
                applied.append(d.rule_id)
    if "requirements" in expect:
        want, got_set = set(expect["requirements"]), set(applied)
        if want != got_set:
            missing = ", ".join(sorted(want - got_set)) or "none"
            extra = ", ".join(sorted(got_set - want)) or "none"
            out.failures.append(f"requirements: missing {missing}; unexpected {extra}")
    return out


def _compare(out: Outcome, what: str, want: Any, got: Any, by_rule: str | None = None) -> None:
    if want is None and what != "rule":
        return
    if want != got:
        tail = f" (by {by_rule or 'no rule'})" if what == "decision" else ""
        out.failures.append(f"{what}: expected {want!r}, got {got!r}{tail}")

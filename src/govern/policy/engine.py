"""Casbin evaluation: one grant at a time, or millions through the fast path.

The engine knows the model and the policy lines, nothing of any tool. It builds one Casbin
enforcer from the policy set plus the role links of the named groups the caller resolved from
the inventory (never the whole directory), and answers two questions:

* :meth:`Engine.decide` - may this subject hold this role in this community, and which rule
  says so (section ``m``);
* :meth:`Engine.applies` - does this requirement apply to this community, and which rule says
  so (section ``m2``).

:meth:`Engine.decide_grants` runs :meth:`decide` once per distinct combination of what the
matcher reads (:mod:`govern.policy.fastkey`) and joins the decision back onto every grant
(:mod:`govern.policy.join`); :meth:`Engine.decision_column` returns them as one byte per grant.
The representative request it asks Casbin about is a real one, so the answer is Casbin's own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from itertools import tee
from operator import itemgetter
from typing import Any

from govern.errors import PolicyError
from govern.policy.attributes import Resource, Subject
from govern.policy.fastkey import Projection, projections
from govern.policy.join import DecisionColumn, Join
from govern.policy.matcher import analyse
from govern.policy.policyset import PolicySet, Rule
from govern.policy.regex import regex_match


@dataclass(frozen=True, slots=True)
class RuleDecision:
    """Casbin's answer to one request, with the rule that decided it."""

    allowed: bool
    rule_id: str | None
    """The id of the matched policy line; None when no line matched (the effect's default)."""


class _Section:
    """One request/policy/matcher section (``""`` for r/p/m, ``"2"`` for r2/p2/m2)."""

    def __init__(self, engine: Engine, suffix: str) -> None:
        model = engine.enforcer.get_model()
        self.suffix = suffix
        self.ptype = f"p{suffix}"
        self.tokens: list[str] = [t.split("_", 1)[1] for t in model["r"][f"r{suffix}"].tokens]
        columns = [t.split("_", 1)[1] for t in model["p"][self.ptype].tokens]
        self.id_index = columns.index("id") if "id" in columns else -1
        lines: list[list[str]] = model["p"][self.ptype].policy
        self.lines = lines
        text = engine.policies.matchers[f"m{suffix}"]

        def column_values(col: str) -> list[str]:
            i = columns.index(col)
            # With no policy lines Casbin evaluates the matcher once with empty columns.
            return sorted({line[i] for line in lines}) if lines else [""]

        roles = {}
        for gname, assertion in model.model.get("g", {}).items():
            names = {name for link in assertion.policy for name in link}
            roles[gname] = (assertion.rm.has_link, frozenset(names))
        info = analyse(text, frozenset(roles))
        self.projections: list[Projection] = projections(
            info, self.tokens, column_values, engine.enforcer.fm.get_functions(), roles
        )
        self.context = engine.enforcer.new_enforce_context(suffix) if suffix else None
        self.codes: list[dict[Hashable, int]] = [{} for _ in self.tokens]
        """Per request token: key part -> its code (a small integer)."""
        self.reps: list[dict[int, Any]] = [{} for _ in self.tokens]
        """Per request token: code -> the first request value seen with it, the representative
        Casbin is asked about (every value with the code gets the same decision)."""
        self.cache: dict[tuple[int, ...], RuleDecision] = {}
        self.by_code: dict[tuple[Any, ...], list[RuleDecision]] = {}
        self.obj = self.tokens.index("obj") if "obj" in self.tokens else -1
        self.req = self.tokens.index("req") if "req" in self.tokens else -1
        self.join: Join | None = None
        """The grants' join (section ``m`` only), built by :attr:`Engine.join`."""

    def code(self, index: int, value: Any) -> int:
        """An integer standing for the key part of request value ``value`` of token ``index``."""
        codes = self.codes[index]
        part = self.projections[index](value)
        found = codes.get(part)
        if found is None:
            found = codes[part] = len(codes)
            self.reps[index][found] = value
        return found


class Engine:
    """Casbin for one policy set, with the role links of its named groups."""

    def __init__(self, policies: PolicySet, role_links: Iterable[tuple[str, str]] = ()) -> None:
        import casbin
        from casbin.model import Model
        from casbin.persist.adapter import Adapter

        self.policies = policies
        links = list(role_links)

        class _Lines(Adapter):  # type: ignore[misc]
            """Hands Casbin the lines govern read (with positions) instead of re-reading."""

            def load_policy(self, model: Any) -> None:
                for rule in policies.rules.values():
                    model.model["p"][rule.ptype].policy.append(list(rule.values))
                for gtype, values in policies.role_lines:
                    model.model["g"][gtype].policy.append(list(values))
                if links and "g" in model.model and "g" in model.model["g"]:
                    model.model["g"]["g"].policy.extend([[p, g] for p, g in links])

        model = Model()
        model.load_model_from_text(policies.model_text)
        try:
            self.enforcer = casbin.Enforcer(model, _Lines())
        except Exception as exc:  # Casbin raises bare exceptions while loading
            raise PolicyError(
                f"{policies.root / 'model.conf'}:1:1: Casbin cannot load the policies: {exc}; "
                f"run `govern policy validate`"
            ) from None
        # Casbin's regexMatch runs Python's backtracking re on patterns from policy lines.
        self.enforcer.add_function("regexMatch", regex_match)
        self._sections: dict[str, _Section] = {}

    def section(self, suffix: str) -> _Section:
        """The (lazily built) fast-path state of one section."""
        found = self._sections.get(suffix)
        if found is None:
            found = self._sections[suffix] = _Section(self, suffix)
        return found

    def _enforce(self, suffix: str, values: dict[str, Any]) -> RuleDecision:
        section = self.section(suffix)
        args = [values[t] for t in section.tokens]
        if section.context is not None:
            args.insert(0, section.context)
        try:
            allowed, line = self.enforcer.enforce_ex(*args)
        except Exception as exc:  # e.g. an attribute the request object lacks
            raise PolicyError(
                f"{self.policies.root / 'model.conf'}:1:1: matcher m{suffix} failed: {exc}; "
                f"run `govern policy validate`"
            ) from None
        rule = line[section.id_index] if line and section.id_index >= 0 else None
        return RuleDecision(bool(allowed), rule)

    # --- plain: one Casbin call per request --------------------------------------------------
    def decide(self, sub: Subject, obj: Resource, role: str) -> RuleDecision:
        """May ``sub`` hold ``role`` in ``obj``? One plain Casbin ``enforce_ex``."""
        return self._enforce("", {"sub": sub, "obj": obj, "act": role})

    def applies(self, obj: Resource, requirement: str) -> RuleDecision:
        """Does requirement kind ``requirement`` apply to ``obj``? (allowed = it applies)."""
        return self._enforce("2", {"obj": obj, "req": requirement})

    def rule(self, decision: RuleDecision) -> Rule | None:
        """The policy line behind a decision."""
        return self.policies.rules.get(decision.rule_id) if decision.rule_id else None

    # --- fast: one Casbin call per distinct key ----------------------------------------------
    def decide_grants(
        self,
        grants: Iterable[tuple[str, str, str]],
        subject: Callable[[str], Subject],
        resource: Callable[[str], Resource],
    ) -> Iterator[RuleDecision]:
        """Decide ``(community_id, principal_id, role)`` triples, in order, via the fast path.

        ``subject``/``resource`` build the request objects for an id; each is called once per
        distinct id. Memory grows with distinct principals and communities, not with grants.
        """
        cids, pids, roles = tee(grants, 3)
        return self.decide_columns(
            map(itemgetter(0), cids),
            map(itemgetter(1), pids),
            map(itemgetter(2), roles),
            subject,
            resource,
        )

    def decide_columns(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Subject],
        resource: Callable[[str], Resource],
    ) -> Iterator[RuleDecision]:
        """:meth:`decide_grants` for grants given as three parallel columns.

        The join runs in C (``map`` over dicts whose ``__missing__`` does the Python work
        only for an id or key not seen before): on millions of grants, a Python loop per grant
        costs more than everything else together.
        """
        return self.join.decisions(community_ids, principal_ids, roles, subject, resource)

    def decision_column(
        self,
        community_ids: Iterable[str],
        principal_ids: Iterable[str],
        roles: Iterable[str],
        subject: Callable[[str], Subject],
        resource: Callable[[str], Resource],
    ) -> DecisionColumn:
        """:meth:`decide_columns` gathered into one compact column of decision codes.

        For callers that count or filter decisions rather than walk them: no object per grant,
        one byte per grant, and counting is a scan in C.
        """
        return self.join.column(community_ids, principal_ids, roles, subject, resource)

    @property
    def join(self) -> Join:
        """The fast path's join for section ``m`` (built on first use)."""
        section = self.section("")
        if section.join is None:
            section.join = Join(section, self.decide)
        return section.join

    def applies_fast(self, obj: Resource, requirement: str) -> RuleDecision:
        """:meth:`applies`, cached per distinct key of ``m2``."""
        section = self.section("2")
        return self._applies_coded(section, section.code(section.obj, obj), obj, requirement)

    def _applies_coded(
        self, section: _Section, ocode: int, obj: Resource, requirement: str
    ) -> RuleDecision:
        key = (ocode, section.code(section.req, requirement))
        found = section.cache.get(key)
        if found is None:
            found = section.cache[key] = self.applies(obj, requirement)
        return found

    def requirement_decisions(self, obj: Resource, kinds: list[str]) -> list[RuleDecision]:
        """:meth:`applies` for each of ``kinds``, computed once per distinct key of ``obj``."""
        section = self.section("2")
        # One projection per call: hashing the Resource to find an earlier projection of the
        # same community cost as much, and each community is asked once per audit.
        ocode = section.code(section.obj, obj)
        found = section.by_code.get((ocode, *kinds))
        if found is None:
            found = [self._applies_coded(section, ocode, obj, kind) for kind in kinds]
            section.by_code[(ocode, *kinds)] = found
        return found

    @property
    def distinct_requests(self) -> int:
        """How many distinct keys the fast path has asked Casbin about so far."""
        return sum(len(s.cache) for s in self._sections.values())

"""A loaded, checked policy repository as typed objects: what the engine and the planner read.

``load_policies(root)`` reads every file, validates it (the first error raises a
:class:`~govern.errors.PolicyError` naming file, line and column) and returns a
:class:`PolicySet`. Nothing here imports Casbin; the engine does, when it evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.model import PolicyRevision, PolicySource, Severity
from govern.policy import repo as r
from govern.policy.files import ConfSection, CsvLine, Pos


@dataclass(frozen=True)
class Rule:
    """One policy line of a ``p``-type section (access rule or requirement), by column name."""

    ptype: str
    id: str
    fields: dict[str, str]
    values: tuple[str, ...]
    source: PolicySource
    description: str = ""

    @property
    def effect(self) -> str:
        """Allow or deny (Casbin's default is allow when a model has no eft column)."""
        return self.fields.get("eft", "allow")

    @property
    def severity(self) -> Severity:
        """The rule's severity; medium when it gives none."""
        value = self.fields.get("severity", "-")
        return Severity(value) if value in Severity._value2member_map_ else Severity.MEDIUM


@dataclass(frozen=True)
class ClassRule:
    """One classification rule: every condition given must match; a list matches on any item."""

    id: str
    klass: str
    conditions: dict[str, tuple[str, ...]]
    source: PolicySource
    description: str = ""


@dataclass(frozen=True)
class LifecycleDecision:
    """A reviewed decision about one community (by id) or several (by path glob)."""

    state: str
    community_id: str | None
    path: str | None
    source: PolicySource
    reason: str = ""
    ticket: str = ""


@dataclass(frozen=True)
class MemberSource:
    """Where some of a named group's members come from."""

    kind: str
    """directory_group, community, principals or department."""
    values: tuple[str, ...]
    roles: tuple[str, ...]
    source: PolicySource


@dataclass(frozen=True)
class Group:
    """A named group (e.g. ``it-stewards``) resolved from the inventory at evaluation time."""

    name: str
    description: str
    steward_pool: bool
    members: tuple[MemberSource, ...]
    source: PolicySource


@dataclass
class PolicySet:
    """Every policy of a repository, checked, with where each was written."""

    root: Path
    model_text: str
    rules: dict[str, Rule]
    role_lines: list[tuple[str, tuple[str, ...]]]
    """Literal role links written in policy.csv (``g, alice, it-stewards``)."""
    classes: dict[str, str]
    default_class: str
    explicit: dict[str, tuple[str, PolicySource]]
    """Community id or path -> (class, where it was listed)."""
    class_rules: list[ClassRule]
    decisions: list[LifecycleDecision]
    groups: dict[str, Group]
    thresholds: dict[str, Any]
    columns: dict[str, list[str]] = field(default_factory=dict)
    """Policy type -> its column names, from model.conf."""
    matchers: dict[str, str] = field(default_factory=dict)
    """Matcher name (m, m2) -> its text as written (Casbin keeps only an escaped form)."""
    _kinds: list[str] | None = field(default=None, repr=False, compare=False)

    def revision(self) -> PolicyRevision:
        """Content hash (and git commit) of this policy set."""
        return r.revision(self.root)

    def access_rules(self) -> list[Rule]:
        """The access rules (``p`` lines) in file order."""
        return [x for x in self.rules.values() if x.ptype == "p"]

    def requirement_rules(self) -> list[Rule]:
        """The requirement rules (``p2`` lines) in file order."""
        return [x for x in self.rules.values() if x.ptype == "p2"]

    def requirement_kinds(self) -> list[str]:
        """Every requirement kind some ``p2`` line names, sorted."""
        if self._kinds is None:
            rules = self.requirement_rules()
            self._kinds = sorted({r.fields["req"] for r in rules if "req" in r.fields})
        return self._kinds

    def steward_pools(self) -> dict[str, Group]:
        """The groups the planner may draw owners from."""
        return {n: g for n, g in self.groups.items() if g.steward_pool}

    def virality_thresholds(self) -> dict[str, Any]:
        """The ``virality`` section of thresholds.yaml (read by the shadow-IT report)."""
        section: dict[str, Any] = self.thresholds.get("virality") or {}
        return section

    def source(self, rule_id: str) -> PolicySource | None:
        """Where a rule (access, requirement or classification) is written."""
        if rule_id in self.rules:
            return self.rules[rule_id].source
        for c in self.class_rules:
            if c.id == rule_id:
                return c.source
        return None


def source_of(pos: Pos, root: Path) -> PolicySource:
    """A PolicySource relative to the policy repository, as reports show it."""
    try:
        name = pos.file.relative_to(root).as_posix()
    except ValueError:
        name = pos.file.as_posix()
    return PolicySource(file=name, line=pos.line)


def build(raw: r.RawRepo, columns: dict[str, list[str]], roles: set[str]) -> PolicySet:
    """Typed policies from a repository that has passed validation."""
    root = raw.root
    rules: dict[str, Rule] = {}
    role_lines: list[tuple[str, tuple[str, ...]]] = []
    for line in raw.lines:
        if line.ptype in roles:
            role_lines.append((line.ptype, line.values))
        elif line.ptype in columns:
            rules.update({(rule := _rule(line, columns[line.ptype], root)).id: rule})
    cls = _data(raw, r.CLASSIFICATION)
    doc = raw.docs.get(r.CLASSIFICATION)
    explicit: dict[str, tuple[str, PolicySource]] = {}
    class_rules: list[ClassRule] = []
    if doc is not None:
        for i, item in enumerate(cls.get("explicit") or []):
            for j, ref in enumerate(item["communities"]):
                pos = doc.pos(("explicit", i, "communities", j))
                explicit[ref] = (item["class"], source_of(pos, root))
        for i, item in enumerate(cls.get("rules") or []):
            conds = {
                k: tuple(str(x) for x in val) for k, val in item.items() if isinstance(val, list)
            }
            pos = doc.pos(("rules", i))
            class_rules.append(
                ClassRule(
                    item["id"],
                    item["class"],
                    conds,
                    source_of(pos, root),
                    item.get("description", ""),
                )
            )
    return PolicySet(
        root=root,
        model_text=(root / r.MODEL).read_text(encoding="utf-8"),
        rules=rules,
        role_lines=role_lines,
        classes=dict(cls.get("classes") or {}),
        default_class=str(cls.get("default", "")),
        explicit=explicit,
        class_rules=class_rules,
        decisions=_decisions(raw),
        groups=_groups(raw),
        thresholds=_data(raw, r.THRESHOLDS),
        columns=columns,
        matchers={k: val for k, (val, _) in raw.model.get("matchers", _NO_SECTION).keys.items()},
    )


_NO_SECTION = ConfSection("matchers", Pos(Path("model.conf"), 1, 1))


def _data(raw: r.RawRepo, name: str) -> dict[str, Any]:
    doc = raw.docs.get(name)
    return doc.data if doc is not None and isinstance(doc.data, dict) else {}


def _rule(line: CsvLine, columns: list[str], root: Path) -> Rule:
    fields = dict(zip(columns, line.values, strict=True))
    return Rule(
        ptype=line.ptype,
        id=fields.get("id", f"{line.ptype}:{line.line}"),
        fields=fields,
        values=line.values,
        source=source_of(line.pos(), root),
        description=line.description,
    )


def _decisions(raw: r.RawRepo) -> list[LifecycleDecision]:
    doc = raw.docs.get(r.LIFECYCLE)
    if doc is None:
        return []
    out = []
    for i, item in enumerate(_data(raw, r.LIFECYCLE).get("decisions") or []):
        out.append(
            LifecycleDecision(
                state=item["state"],
                community_id=item.get("id"),
                path=item.get("path"),
                source=source_of(doc.pos(("decisions", i)), raw.root),
                reason=item.get("reason", ""),
                ticket=item.get("ticket", ""),
            )
        )
    return out


def _groups(raw: r.RawRepo) -> dict[str, Group]:
    doc = raw.docs.get(r.GROUPS)
    if doc is None:
        return {}
    out = {}
    for name, item in (_data(raw, r.GROUPS).get("groups") or {}).items():
        members = []
        for i, m in enumerate(item["members"]):
            kind = next(
                k for k in ("directory_group", "community", "principals", "department") if k in m
            )
            value = m[kind]
            members.append(
                MemberSource(
                    kind=kind,
                    values=tuple(value) if isinstance(value, list) else (str(value),),
                    roles=tuple(m.get("roles") or ("owner", "member")),
                    source=source_of(doc.pos(("groups", name, "members", i)), raw.root),
                )
            )
        out[name] = Group(
            name=name,
            description=item.get("description", ""),
            steward_pool=bool(item.get("steward_pool", False)),
            members=tuple(members),
            source=source_of(doc.pos(("groups", name), key=True), raw.root),
        )
    return out

"""The fast path must agree with plain enforce() on every grant: decision and rule id.

Models are random too: a random subset of matcher clauses (equality, !=, `in`, globMatch,
regexMatch, keyMatch, g() with a column or a literal, a raw attribute read, a direct id
comparison) under a random effect, with random policy lines, role links (with hierarchy),
principals, communities and grants.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govern.model import PolicySource
from govern.policy.attributes import Resource, Subject
from govern.policy.engine import Engine
from govern.policy.policyset import PolicySet, Rule

# clause template, the policy columns it reads, the values those columns draw from
CLAUSES: list[tuple[str, dict[str, list[str]]]] = [
    ('(p.kind == "*" || r.sub.kind == p.kind)', {"kind": ["*", "employee", "guest", "service"]}),
    ('(p.grp == "*" || g(r.sub.id, p.grp))', {"grp": ["*", "g1", "g2", "u1"]}),
    ('(p.cls == "*" || r.obj.cls == p.cls)', {"cls": ["*", "internal", "confidential"]}),
    (
        '(p.path == "*" || globMatch(r.obj.path, p.path))',
        {"path": ["*", "m365/*/team/*", "m365/a/**", "confluence/**"]},
    ),
    ('(p.act == "*" || r.act == p.act)', {"act": ["*", "owner", "member", "guest"]}),
    ('(p.dept == "*" || r.sub.department != p.dept)', {"dept": ["*", "IT", "Sales"]}),
    ('r.obj.lifecycle in ("adopted", "sanctioned")', {}),
    ('(p.pat == "*" || regexMatch(r.obj.name, p.pat))', {"pat": ["*", "^Fin", "club$", "[0-9]"]}),
    ("r.sub.enabled", {}),
    ('(p.uid == "*" || r.sub.id == p.uid)', {"uid": ["*", "u1", "u3"]}),
    ("keyMatch(r.obj.path, p.kpath)", {"kpath": ["*", "m365/*", "confluence/x/space/*"]}),
    ('!g(r.sub.id, "g2")', {}),
    ('(!r.obj.anonymous || r.sub.kind == "employee")', {}),
]
EFFECTS = {
    "priority": "priority(p.eft) || deny",
    "allow": "some(where (p.eft == allow))",
    "deny": "!some(where (p.eft == deny))",
    "both": "some(where (p.eft == allow)) && !some(where (p.eft == deny))",
}

PRINCIPALS = [f"u{i}" for i in range(6)]
PATHS = ["m365/a/team/fin", "m365/b/team/club", "confluence/x/space/ENG", "m365/a/site/x1"]
NAMES = ["Finance", "Hiking club", "Eng 2", "Misc"]


@st.composite
def scenario(draw: st.DrawFn) -> dict[str, object]:
    chosen = draw(st.sets(st.integers(0, len(CLAUSES) - 1), min_size=1, max_size=6))
    effect = draw(st.sampled_from(sorted(EFFECTS)))
    clauses = [CLAUSES[i] for i in sorted(chosen)]
    columns: dict[str, list[str]] = {}
    for _, cols in clauses:
        columns.update(cols)
    lines = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    **{c: st.sampled_from(vals) for c, vals in columns.items()},
                    "eft": st.sampled_from(["allow", "deny"]),
                    "priority": st.integers(1, 5).map(str),
                }
            ),
            max_size=8,
        )
    )
    links = draw(
        st.lists(
            st.tuples(st.sampled_from([*PRINCIPALS, "g1"]), st.sampled_from(["g1", "g2"])),
            max_size=6,
        )
    )
    subjects = {
        pid: Subject(
            id=pid,
            kind=draw(st.sampled_from(["employee", "guest", "service", "unknown"])),
            department=draw(st.sampled_from(["IT", "Sales", ""])),
            enabled=draw(st.booleans()),
        )
        for pid in PRINCIPALS
    }
    resources = {}
    for i in range(5):
        resources[f"c{i}"] = Resource(
            id=f"m365:team:c{i}",
            path=draw(st.sampled_from(PATHS)),
            kind="team",
            name=draw(st.sampled_from(NAMES)),
            cls=draw(st.sampled_from(["internal", "confidential", "public"])),
            lifecycle=draw(st.sampled_from(["unmanaged", "adopted", "sanctioned"])),
            visibility="private",
            label="",
            origin="unknown",
            connector="m365",
            anonymous=draw(st.booleans()),
        )
    grants = draw(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(resources)),
                st.sampled_from(PRINCIPALS),
                st.sampled_from(["owner", "member", "guest", "viewer"]),
            ),
            max_size=40,
        )
    )
    return {
        "clauses": [c for c, _ in clauses],
        "columns": sorted(columns),
        "effect": effect,
        "lines": lines,
        "links": links,
        "subjects": subjects,
        "resources": resources,
        "grants": grants,
    }


def policy_set(s: dict[str, object]) -> PolicySet:
    priority = s["effect"] == "priority"
    cols = [*(["priority"] if priority else []), "id", *s["columns"], "eft"]  # type: ignore[misc]
    model = (
        "[request_definition]\nr = sub, obj, act\n"
        f"[policy_definition]\np = {', '.join(cols)}\n"
        "[role_definition]\ng = _, _\n"
        f"[policy_effect]\ne = {EFFECTS[s['effect']]}\n"  # type: ignore[index]
        f"[matchers]\nm = {' && '.join(s['clauses'])}\n"  # type: ignore[arg-type]
    )
    rules = {}
    for i, line in enumerate(s["lines"]):  # type: ignore[attr-defined]
        fields = {**line, "id": f"R{i}"}
        values = tuple(fields[c] for c in cols)
        rules[f"R{i}"] = Rule(
            "p",
            f"R{i}",
            dict(zip(cols, values, strict=True)),
            values,
            PolicySource(file="policy.csv", line=i + 1),
        )
    return PolicySet(
        root=Path("."),
        model_text=model,
        rules=rules,
        role_lines=[("g", link) for link in s["links"]],  # type: ignore[attr-defined]
        classes={},
        default_class="",
        explicit={},
        class_rules=[],
        decisions=[],
        groups={},
        thresholds={},
        columns={"p": cols},
        matchers={"m": model.rsplit("m = ", 1)[1].strip()},
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_fast_path_equals_plain_enforce(s: dict[str, object]) -> None:
    policies = policy_set(s)
    subjects: dict[str, Subject] = s["subjects"]  # type: ignore[assignment]
    resources: dict[str, Resource] = s["resources"]  # type: ignore[assignment]
    grants: list[tuple[str, str, str]] = s["grants"]  # type: ignore[assignment]
    engine = Engine(policies)
    fast = list(engine.decide_grants(grants, subjects.__getitem__, resources.__getitem__))
    plain_engine = Engine(policies)
    plain = [plain_engine.decide(subjects[p], resources[c], role) for c, p, role in grants]
    assert fast == plain
    # The columnar path on the same engine, in reverse order: rows, leaves and decision codes
    # are kept per engine and must serve a second call whose ids arrive in another order.
    # Chunks of 3 grants put chunk boundaries anywhere in the list.
    engine.join.chunk = 3
    back = grants[::-1]
    column = engine.decision_column(
        [c for c, _, _ in back],
        [p for _, p, _ in back],
        [r for _, _, r in back],
        subjects.__getitem__,
        resources.__getitem__,
    )
    assert list(column) == plain[::-1]
    assert {d: n for d, n in column.counts().items() if n} == Counter(plain)
    assert column.count(allowed=False) == sum(not d.allowed for d in plain)


def test_fast_path_asks_casbin_once_per_distinct_key() -> None:
    from govern.policy.validate import load_policies
    from tests.policy.conftest import POLICIES

    engine = Engine(load_policies(POLICIES))
    subjects = {
        f"u{i}": Subject(id=f"u{i}", kind="employee" if i % 3 else "guest") for i in range(300)
    }
    res = {
        f"c{i}": Resource(
            f"m365:team:c{i}",
            f"m365/t/team/c{i}",
            "team",
            f"C{i}",
            "internal" if i % 2 else "confidential",
            "unmanaged",
            "private",
            "",
            "unknown",
            "m365",
        )
        for i in range(200)
    }
    grants = [(f"c{i % 200}", f"u{i % 300}", "member" if i % 7 else "owner") for i in range(20000)]
    decisions = list(engine.decide_grants(grants, subjects.__getitem__, res.__getitem__))
    assert len(decisions) == 20000
    # 2 kinds x 2 classes x 2 roles; paths differ but no policy pattern tells them apart.
    assert engine.distinct_requests == 8
    guest_conf = decisions[0]  # c0 is confidential, u0 a guest, role owner
    assert guest_conf.rule_id == "ACC-GUEST-OWNER"


def test_column_of_a_policy_too_large_for_a_byte() -> None:
    # 200 lines could yield more than 256 distinct decisions: codes then take 4 bytes each.
    lines = [
        {
            "kind": ("employee", "guest", "service")[i % 3],
            "act": "*",
            "eft": "allow",
            "priority": "1",
        }
        for i in range(200)
    ]
    s: dict[str, object] = {
        "clauses": ['(p.kind == "*" || r.sub.kind == p.kind)'],
        "columns": ["act", "kind"],
        "effect": "allow",
        "lines": lines,
        "links": [],
    }
    engine = Engine(policy_set(s))
    subjects = {k: Subject(id=k, kind=k) for k in ("employee", "guest", "unknown")}
    res = {"c": Resource("m365:team:c", "m365/t/team/c", "team", "C", "", "", "", "", "", "m365")}
    pids = ["employee", "guest", "unknown"] * 3
    column = engine.decision_column(
        ["c"] * 9, pids, ["member"] * 9, subjects.__getitem__, res.__getitem__
    )
    assert not isinstance(column.codes, bytes)
    plain = [Engine(policy_set(s)).decide(subjects[p], res["c"], "member") for p in pids]
    assert list(column) == plain
    assert column.count(allowed=True) == 6


def test_columns_of_unequal_length_end_with_the_shortest() -> None:
    from govern.policy.validate import load_policies
    from tests.policy.conftest import POLICIES

    engine = Engine(load_policies(POLICIES))
    engine.join.chunk = 2
    subjects = {"u": Subject(id="u", kind="employee"), "g": Subject(id="g", kind="guest")}
    res = {
        "c": Resource("m365:team:c", "m365/t/team/c", "team", "C", "internal", "", "", "", "", "")
    }
    for pids in (["u", "g", "u"], ["u", "g", "u", "g", "u"]):
        column = engine.decision_column(
            ["c"] * 4, pids, ["owner"] * 4, subjects.__getitem__, res.__getitem__
        )
        assert len(column) == min(4, len(pids))
        assert list(column) == [engine.decide(subjects[p], res["c"], "owner") for p in pids[:4]]

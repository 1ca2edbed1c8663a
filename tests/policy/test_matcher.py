from __future__ import annotations

import pytest

from govern.policy.matcher import MatcherSyntaxError, analyse, to_python


def usage(expr: str) -> list[tuple[str, str | None, str]]:
    return [(a.token, a.attr, a.usage.kind) for a in analyse(expr).accesses]


def test_usage_kinds() -> None:
    expr = (
        '(p.kind == "*" || r.sub.kind == p.kind) && globMatch(r.obj.path, p.path) '
        '&& g(r.sub.id, p.group) && r.act in ("a", "b") && r.sub.level > 3 && r.obj.cls != "x"'
    )
    assert usage(expr) == [
        ("sub", "kind", "eq"),
        ("obj", "path", "match"),
        ("sub", "id", "role"),
        ("act", None, "eq"),
        ("sub", "level", "raw"),
        ("obj", "cls", "eq"),
    ]
    info = analyse(expr)
    assert info.column_functions == {"path": {"globMatch"}}
    assert [c for c, _ in info.columns] == ["kind", "kind", "path", "group"]


def test_operators_inside_strings_are_left_alone() -> None:
    python, _ = to_python('r.sub.name == "a && !b || c"')
    assert python == 'r.sub.name == "a && !b || c"'


def test_leading_not_and_offsets() -> None:
    info = analyse('!g(r.sub.id, "admins")')
    assert [(a.attr, a.usage.kind, a.offset) for a in info.accesses] == [("id", "role", 3)]


def test_syntax_error_offset_is_in_the_original_text() -> None:
    with pytest.raises(MatcherSyntaxError) as caught:
        analyse("r.sub.kind == p.kind && && r.obj.cls")
    assert caught.value.offset in (21, 24)


def test_eval_is_noticed() -> None:
    assert analyse("eval(p.rule) && r.sub.kind == p.kind").has_eval

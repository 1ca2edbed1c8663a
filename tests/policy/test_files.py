from __future__ import annotations

from pathlib import Path

from govern.policy.files import read_model_conf, read_policy_csv, read_yaml


def test_policy_csv_keeps_columns_and_descriptions(tmp_path: Path) -> None:
    f = tmp_path / "policy.csv"
    f.write_text(
        "# Guests never own.\n# Second line.\np, 30,  ACC-X, regexMatch(a, b), deny\n\ng, u, grp\n"
    )
    lines, problems = read_policy_csv(f)
    assert problems == []
    p, g = lines
    assert p.ptype == "p" and p.line == 3
    assert p.values == ("30", "ACC-X", "regexMatch(a, b)", "deny")
    assert p.cols == (4, 9, 16, 34)
    assert p.description == "Guests never own. Second line."
    assert g.description == "" and g.values == ("u", "grp")


def test_model_conf_positions_follow_continued_lines(tmp_path: Path) -> None:
    f = tmp_path / "model.conf"
    f.write_text("[matchers]\nm = a == b \\\n    && r.sub.kind == p.kind\n")
    sections, problems = read_model_conf(f)
    assert problems == []
    value, pos = sections["matchers"].keys["m"]
    assert value == "a == b && r.sub.kind == p.kind"
    assert (pos.line, pos.col) == (2, 5)
    at = sections["matchers"].at("m", value.index("r.sub"))
    assert (at.line, at.col) == (3, 8)


def test_yaml_positions_duplicates_and_dates(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("a:\n  b: [1, 2]\n  when: 2026-01-10\na: 3\n")
    doc, problems = read_yaml(f)
    assert doc is not None
    assert [p.render().split(": ", 1)[1] for p in problems] == ["key 'a' appears twice; keep one"]
    assert doc.data["a"] == 3
    assert (doc.pos(("a", "b", 1)).line, doc.pos(("a", "b", 1)).col) == (2, 10)
    assert doc.pos(("a", "b"), key=True).col == 3


def test_yaml_syntax_error_is_a_diagnostic(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("a: [1, 2\n")
    doc, problems = read_yaml(f)
    assert doc is None
    assert problems[0].line == 2 and "YAML syntax" in problems[0].message

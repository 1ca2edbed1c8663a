"""Layered policies: base + tenant overlay, validated, with problems named in their own file."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from govern.fleet.overlay import layer, load_layered, validate_layered
from govern.policy.diagnostics import errors

BASE = Path(__file__).resolve().parents[2] / "policies"


def overlay(tmp_path: Path, csv: str = "", thresholds: str = "") -> Path:
    root = tmp_path / "overlay"
    root.mkdir()
    if csv:
        (root / "policy.csv").write_text(csv, encoding="utf-8")
    if thresholds:
        (root / "thresholds.yaml").write_text(thresholds, encoding="utf-8")
    return root


def test_overlay_replaces_a_rule_and_merges_thresholds(tmp_path: Path) -> None:
    over = overlay(
        tmp_path,
        csv="# Contoso lets guests own partner teams.\n"
        "p, 30, ACC-GUEST-OWNER, low, guest, *, *, *, *, owner, deny\n",
        thresholds="virality:\n  reach_members: 80\n",
    )
    layered = layer(BASE, over, tmp_path / "merged")
    merged = (tmp_path / "merged" / "thresholds.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(merged)
    assert data["virality"]["reach_members"] == 80
    assert data["virality"]["departments"] == 3  # the base's, kept
    assert data["audit"]["max_snapshot_age_days"] == 7
    policies = load_layered(BASE, over, tmp_path / "again")
    assert str(policies.rules["ACC-GUEST-OWNER"].severity) == "low"
    assert layered.overlay == over
    # The base repository is untouched.
    assert "ACC-GUEST-OWNER, high" in (BASE / "policy.csv").read_text(encoding="utf-8")


def test_a_mistake_in_an_overlay_names_the_overlay_file_and_line(tmp_path: Path) -> None:
    over = overlay(
        tmp_path,
        csv="# a comment\n# Nope.\np, 31, ACC-TYPO, high, guest, *, confidental, *, *, *, deny\n",
    )
    _, found = validate_layered(BASE, over, tmp_path / "merged")
    bad = errors(found)
    assert bad, found
    assert bad[0].file == over / "policy.csv" and bad[0].line == 3
    assert "confidental" in bad[0].message


def test_no_overlay_is_the_base(tmp_path: Path) -> None:
    copy = tmp_path / "base"
    shutil.copytree(BASE, copy)
    result, found = validate_layered(copy, None, tmp_path / "merged")
    assert not errors(found) and result.policies is not None


def test_a_mistake_in_an_overlay_yaml_names_the_overlay(tmp_path: Path) -> None:
    over = overlay(tmp_path, thresholds="virality:\n  reach_members: many\n")
    _, found = validate_layered(BASE, over, tmp_path / "merged")
    bad = errors(found)
    assert bad and bad[0].file == over / "thresholds.yaml", found
    assert "of its merge with" in bad[0].message

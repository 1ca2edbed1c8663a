"""`govern demo` end to end on a tiny organisation: files written, nothing left running."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli


def test_demo_writes_reports_and_plan_and_stops_its_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = {t.name for t in threading.enumerate()}
    r = CliRunner().invoke(cli, ["demo", "--size", "tiny", "--days", "30"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = tmp_path / "govern-demo"
    for name in ("shadow-it.html", "shadow-it.md", "shadow-it.json", "audit.md", "plan.json"):
        assert (out / name).stat().st_size > 0, name
    assert "m365 full snapshot 1" in r.stderr and "incremental snapshot" in r.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert plan["changes"] and plan["checksum"]
    report = json.loads((out / "shadow-it.json").read_text())
    assert any(e["recommendation"] == "adopt" for e in report["entries"])
    # Configured as an installation for this firm would be, and said so: origin rules, the
    # steward pool as the firm's IT group, and Slack served with the rest.
    assert "[m365.origin]" in r.stderr and "directory group 'IT Staff'" in r.stderr
    assert "slack full snapshot" in r.stderr
    assert "directory_group: IT Staff" in (out / "policies" / "groups.yaml").read_text()
    slack = [e for e in report["entries"] if e["connector"] == "slack"]
    assert any(e["category"] == "external-network" for e in slack)
    adopted = [e for e in report["entries"] if e["recommendation"] == "adopt"]
    steward = "an IT steward co-owns every adopted community: "
    assert all(any(steward in c["reason"] for c in e["changes"]) for e in adopted)
    leftover = {t.name for t in threading.enumerate()} - before
    assert not [n for n in leftover if n.startswith("sandbox:")], leftover

"""The demo's last act: the Slack workspace story's migration planned (not applied), reviewable."""

from __future__ import annotations

import json
from pathlib import Path

from govern.migrate import planfile
from govern.sandbox.pytest_plugin import organisation


def test_demo_plans_the_free_workspace_migration(tmp_path: Path) -> None:
    from govern.migrate.demo import plan_story_migration

    said: list[str] = []
    files = plan_story_migration(organisation("tiny", 7), tmp_path, said.append)
    plan = planfile.read(files["migration"])  # sealed and verifiable
    assert plan.source.path == "slack/productmakers/workspace/productmakers"
    assert plan.target.name == "Product Makers" and not plan.review.blocking
    text = files["migration review"].read_text()
    assert "Cannot move:" in text and "[unmatched" in text and "govern apply" in text
    assert json.loads(files["migration"].read_text())["kind"] == "migration"
    assert any("not applied" in line for line in said)

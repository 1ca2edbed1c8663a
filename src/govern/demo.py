"""``govern demo``: the whole story on the embedded sandbox, with nothing to configure.

A simulated company is generated and served over real HTTP as Microsoft Graph and Confluence;
the real connectors discover it into a fresh store; time moves forward (people keep joining the
communities that went viral) and each step is discovered again; then the audit, the shadow-IT
report and a plan are written to one folder. The servers stop at the end: nothing is left
running.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.connector import Connector
from govern.registry import Registry

DEMO_CONNECTORS = {"graph": "m365", "confluence": "confluence"}
"""Sandbox server -> the connector that reads it."""


@dataclass
class DemoResult:
    """What the demo wrote, and the figures worth printing."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    snapshots: int = 0
    findings: int = 0
    changes: int = 0
    seconds: float = 0.0
    top: list[tuple[str, str]] = field(default_factory=list)
    """(community name, recommendation) of the highest-ranked entries of the report."""


def _connectors(registry: Registry, settings: dict[str, dict[str, Any]]) -> list[Connector]:
    out = []
    for section, values in settings.items():
        cls = registry.get(section)
        out.append(cls(cls.settings_model.model_validate(values)))
    return out


def run_demo(
    registry: Registry,
    out_dir: Path,
    *,
    size: str = "demo",
    seed: int = 7,
    days: int = 30,
    step: int = 10,
    policies_dir: Path | None = None,
    say: Callable[[str], None] = print,
) -> DemoResult:
    """Run the demo into ``out_dir`` (replaced if it holds a previous demo)."""
    from govern.discovery import run_discovery
    from govern.model import utcnow
    from govern.plan import planfile, summary
    from govern.plan.build import build_plan
    from govern.policy.audit import audit
    from govern.policy.inventory import Inventory
    from govern.policy.report import render_findings
    from govern.policy.starter import default_policies
    from govern.policy.validate import load_policies
    from govern.sandbox import generate
    from govern.sandbox.graph import GraphSettings, Limits
    from govern.sandbox.servers import Servers
    from govern.store import Store
    from govern.virality import write_reports

    started = time.perf_counter()
    policies_root = policies_dir or default_policies()
    policies = load_policies(policies_root)  # a broken policy stops the demo before it starts
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    result = DemoResult(out_dir)

    say(f"Generating the simulated organisation ({size}, seed {seed})")
    org = generate(size, seed)
    # Days pass in seconds here: the reports' real limit of 14 downloads per 10 minutes would
    # stall a month compressed into a minute, so the demo's Graph server lifts only that one.
    graph = GraphSettings(limits=Limits(reports=None))
    store = Store(f"sqlite:///{out_dir / 'inventory.db'}")
    with Servers.start(org, list(DEMO_CONNECTORS), graph_settings=graph) as servers:
        for name, running in servers.running.items():
            say(f"  {running.section}: sandbox {name} server at {running.url}")
        settings = {s.section: dict(s.settings) for s in servers.running.values()}
        connectors = _connectors(registry, settings)

        def discover(label: str) -> None:
            for connector in connectors:
                t = time.perf_counter()
                outcome = run_discovery(store, connector, log=lambda _m: None)
                snap = outcome.snapshot
                result.snapshots += 1
                say(
                    f"  {label}: {connector.name} {snap.mode.value} snapshot {snap.seq}, "
                    f"{snap.stats.get('grants_seen', 0)} grants read, "
                    f"{time.perf_counter() - t:.1f} s"
                )

        say("Discovering (full runs through msgraph-sdk and atlassian-python-api)")
        discover("day 0")
        for day in range(step, days + 1, step):
            servers.advance(step)
            discover(f"day {day}")

    say("Auditing against the default policies")
    inventory = Inventory.from_store(store)
    findings = audit(policies, inventory).findings
    result.findings = len(findings)
    audit_md = out_dir / "audit.md"
    descriptions = {rid: r.description for rid, r in policies.rules.items()}
    audit_md.write_text(
        render_findings(
            findings, "markdown", policies_root=policies_root, descriptions=descriptions, limit=0
        ),
        encoding="utf-8",
    )
    result.files["audit"] = audit_md

    say("Writing the shadow-IT report")
    result.files.update(write_reports(store, out_dir, policies_dir=policies_root))

    say("Planning the changes the policies ask for")
    supported = {n: cls.supported_actions for n, cls in registry.connectors.items()}
    built = build_plan(store, policies_root, now=utcnow(), supported=supported)
    plan_path = out_dir / "plan.json"
    planfile.write(built.plan, plan_path)
    (out_dir / "plan.txt").write_text(
        summary.render(built.plan, built.names, built.notes), encoding="utf-8"
    )
    result.files["plan"] = plan_path
    result.changes = len(built.plan.changes)
    store.dispose()
    from govern.migrate.demo import plan_story_migration  # issue 16: the story ends in a plan

    result.files.update(plan_story_migration(org, out_dir, say))
    result.seconds = time.perf_counter() - started
    return result

"""``govern demo``: the whole story on the embedded sandbox, with nothing to configure.

A simulated company is generated and served over real HTTP as Microsoft Graph, Confluence and
Slack; the real connectors discover it into a fresh store, configured as an installation for
that firm would be (its origin rules, and a copy of the default policies whose steward pool is
the firm's IT group, both printed); time moves forward (people keep joining the
communities that went viral) and each step is discovered again; then the audit, the shadow-IT
report and a plan are written to one folder. The servers stop at the end: nothing is left
running.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.connector import Connector
from govern.errors import GovernError
from govern.registry import Registry

if TYPE_CHECKING:
    from govern.policy.policyset import PolicySet
    from govern.sandbox.org import Organisation
    from govern.sandbox.servers import Servers
    from govern.store import Store

DEMO_CONNECTORS = {"graph": "m365", "confluence": "confluence", "slack": "slack"}
"""Sandbox server -> the connector that reads it."""

Say = Callable[[str], None]
"""Where the demo tells its story: ``print`` at the command line."""

MARKER = ".govern-demo"
"""Written into every demo folder: only a folder holding it (or nothing) is replaced."""

# What a demo writes, so that a folder from before the marker existed is still recognised.
_DEMO_FILES = ("inventory.db", "audit.md", "plan.json", "plan.txt", "shadow-it.", "policies")


class DemoFolderError(GovernError):
    """The demo's output folder holds something other than a previous demo."""


def check_out_dir(out_dir: Path) -> None:
    """Refuse to replace a folder unless it is empty or holds a previous demo's files."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise DemoFolderError(f"{out_dir}: not a folder; choose another output folder with -o")
    entries = sorted(p.name for p in out_dir.iterdir())
    if not entries or MARKER in entries:
        return
    foreign = [n for n in entries if not n.startswith(_DEMO_FILES)]
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise DemoFolderError(
            f"{out_dir}: not a previous demo's folder (it holds {shown}), and the demo replaces "
            f"its folder; choose another folder with -o, or empty or remove it yourself"
        )


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


def _firm_policies(source: Path, dest: Path, org: Any) -> Path:
    """A copy of ``source`` whose steward pool is the simulated firm's IT staff group."""
    from govern.sandbox.servers import it_group_name

    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    groups = dest / "groups.yaml"
    text = groups.read_text(encoding="utf-8")
    groups.write_text(
        text.replace("directory_group: IT Stewards", f"directory_group: {it_group_name(org)}"),
        encoding="utf-8",
    )
    return dest


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
    """Run the demo into ``out_dir`` (replaced only if empty or a previous demo's folder)."""
    from govern.policy.groups import directory_group_names
    from govern.policy.starter import default_policies
    from govern.policy.validate import load_policies
    from govern.sandbox import generate
    from govern.store import Store

    started = time.perf_counter()
    source = policies_dir or default_policies()
    load_policies(source)  # a broken policy stops the demo before it starts
    _fresh_out_dir(out_dir)
    result = DemoResult(out_dir)

    say(f"Generating the simulated organisation ({size}, seed {seed})")
    org = generate(size, seed)
    policies_root = _install_policies(source, policies_dir, org, out_dir, say)
    policies = load_policies(policies_root)  # a broken policy stops the demo before it starts
    named = directory_group_names(policies_root)
    store = Store(f"sqlite:///{out_dir / 'inventory.db'}")
    _discover_over_time(registry, org, store, named, days, step, result, say)
    _write_outputs(registry, org, store, policies, policies_root, result, say)
    result.seconds = time.perf_counter() - started
    return result


def _install_policies(
    source: Path, policies_dir: Path | None, org: Organisation, out_dir: Path, say: Say
) -> Path:
    """Configure the policies as the firm's installation would, and say how."""
    from govern.sandbox.servers import it_group_name

    # What a configured installation has: the policies (a copy: the demo never edits a
    # repository, and the tour after it works from this folder) with the steward pool set to
    # the firm's own IT group, a directory group whose members discovery reads.
    policies_root = _firm_policies(source, out_dir / "policies", org)
    say(
        f"  policies: {policies_dir or 'the default set'}, copied to {policies_root} with the "
        f"steward pool 'it-stewards' = directory group '{it_group_name(org)}' (the firm's IT "
        "staff)"
    )
    return policies_root


def _discover_over_time(
    registry: Registry,
    org: Organisation,
    store: Store,
    named: Sequence[str],
    days: int,
    step: int,
    result: DemoResult,
    say: Say,
) -> None:
    """Serve ``org``, discover it on day 0, then again after every ``step`` days."""
    from govern.sandbox.graph import GraphSettings, Limits
    from govern.sandbox.servers import Servers

    # Days pass in seconds here: the reports' real limit of 14 downloads per 10 minutes would
    # stall a month compressed into a minute, so the demo's Graph server lifts only that one.
    graph = GraphSettings(limits=Limits(reports=None))
    with Servers.start(org, list(DEMO_CONNECTORS), graph_settings=graph) as servers:
        _say_servers(servers, say)
        settings = {s.section: dict(s.settings) for s in servers.running.values()}
        connectors = _connectors(registry, settings)
        say("Discovering (full runs through msgraph-sdk, atlassian-python-api and slack-sdk)")
        _discover(store, connectors, named, "day 0", result, say)
        for day in range(step, days + 1, step):
            servers.advance(step)
            _discover(store, connectors, named, f"day {day}", result, say)


def _say_servers(servers: Servers, say: Say) -> None:
    """Where each sandbox server listens, and the origin rules the installation uses."""
    for name, running in servers.running.items():
        say(f"  {running.section}: sandbox {name} server at {running.url}")
    origin = servers.graph.settings.get("origin", {})
    say(
        "  origin rules ([m365.origin]): "
        + "; ".join(f"{k} = {json.dumps(v)}" for k, v in origin.items())
    )


def _discover(
    store: Store,
    connectors: list[Connector],
    named: Sequence[str],
    label: str,
    result: DemoResult,
    say: Say,
) -> None:
    """One discovery through every connector, each snapshot counted and said."""
    from govern.discovery import run_discovery

    for connector in connectors:
        t = time.perf_counter()
        outcome = run_discovery(store, connector, log=lambda _m: None, directory_groups=named)
        snap = outcome.snapshot
        result.snapshots += 1
        say(
            f"  {label}: {connector.name} {snap.mode.value} snapshot {snap.seq}, "
            f"{snap.count_text('grants')} grants read, "
            f"{time.perf_counter() - t:.1f} s"
        )


def _write_outputs(
    registry: Registry,
    org: Organisation,
    store: Store,
    policies: PolicySet,
    policies_root: Path,
    result: DemoResult,
    say: Say,
) -> None:
    """The audit, the shadow-IT report, the plan, then the story's migration plan."""
    from govern.migrate.demo import plan_story_migration  # issue 16: the story ends in a plan
    from govern.virality import write_reports

    say("Auditing against the default policies")
    _audit(store, policies, policies_root, result)
    say("Writing the shadow-IT report")
    result.files.update(write_reports(store, result.out_dir, policies_dir=policies_root))
    say("Planning the changes the policies ask for")
    _plan(registry, store, policies_root, result)
    store.dispose()
    result.files.update(plan_story_migration(org, result.out_dir, say))


def _fresh_out_dir(out_dir: Path) -> None:
    """Empty the output folder (refused unless empty or a previous demo's) and mark it."""
    check_out_dir(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text(
        "Written by `govern demo`: the next demo into this folder replaces it.\n", encoding="utf-8"
    )


def _audit(store: Store, policies: PolicySet, policies_root: Path, result: DemoResult) -> None:
    """Audit the inventory into ``audit.md``."""
    from govern.policy.audit import audit
    from govern.policy.inventory import Inventory
    from govern.policy.report import render_findings

    findings = audit(policies, Inventory.from_store(store)).findings
    result.findings = len(findings)
    audit_md = result.out_dir / "audit.md"
    descriptions = {rid: r.description for rid, r in policies.rules.items()}
    audit_md.write_text(
        render_findings(
            findings, "markdown", policies_root=policies_root, descriptions=descriptions, limit=0
        ),
        encoding="utf-8",
    )
    result.files["audit"] = audit_md


def _plan(registry: Registry, store: Store, policies_root: Path, result: DemoResult) -> None:
    """Plan what the policies ask for into ``plan.json``, and its summary into ``plan.txt``."""
    from govern.model import utcnow
    from govern.plan import planfile, summary
    from govern.plan.build import build_plan

    supported = {n: cls.supported_actions for n, cls in registry.connectors.items()}
    built = build_plan(store, policies_root, now=utcnow(), supported=supported)
    plan_path = result.out_dir / "plan.json"
    planfile.write(built.plan, plan_path)
    (result.out_dir / "plan.txt").write_text(
        summary.render(built.plan, built.names, built.notes), encoding="utf-8"
    )
    result.files["plan"] = plan_path
    result.changes = len(built.plan.changes)

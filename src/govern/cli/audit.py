"""``govern audit``: findings for the latest inventory under the policies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govern.cli.app import App
from govern.cli.options import format_option, limit_option, policies_option
from govern.errors import ExitStatus
from govern.model import Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from govern.model import Community

FORMATS = ("table", "json", "csv", "markdown", "sarif")


@click.command()
@click.option("--connector", help="Only this connector's inventory.")
@click.option(
    "--community",
    "communities",
    multiple=True,
    help="Only communities with this id or a path matching this glob (repeatable).",
)
@click.option("--rule", "rules", multiple=True, help="Only findings of this rule id (repeatable).")
@click.option(
    "--severity",
    type=click.Choice([s.value for s in Severity]),
    help="Only findings of this severity or worse.",
)
@format_option(*FORMATS, help="Output format.")
@limit_option(20, "Findings listed per rule (table, markdown; 0: all).")
@policies_option()
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are findings (0 clean, 1 error).",
)
@click.pass_obj
def audit(
    app: App,
    connector: str | None,
    communities: tuple[str, ...],
    rules: tuple[str, ...],
    severity: str | None,
    fmt: str | None,
    limit: int,
    policies_dir: Path | None,
    detailed_exitcode: bool,
) -> int:
    """Evaluate every grant and community of the latest inventory against the policies."""
    from govern.policy.audit import NO_RULE, at_least
    from govern.policy.audit import audit as run
    from govern.policy.diagnostics import suggest
    from govern.policy.inventory import Inventory
    from govern.policy.patterns import glob_match
    from govern.policy.report import render_findings
    from govern.policy.validate import load_policies

    root = policies_dir or app.settings.values.policies_dir
    # Policies first: a broken policy stops the audit before the store is even opened.
    policies = load_policies(root)
    known = {*policies.rules, NO_RULE}
    for rid in rules:
        if rid not in known:
            raise click.BadParameter(f"no rule '{rid}'{suggest(rid, known)}", param_hint="--rule")
    from govern.progress import Progress

    def wanted(res: object) -> bool:
        rid, path = getattr(res, "id", ""), getattr(res, "path", "")
        return any(c == rid or glob_match(path, c) for c in communities)

    store = app.inventory_store
    with Progress() as progress:
        progress.phase("reading the inventory")
        inventory = Inventory.from_store(store, connector)
        progress.phase("evaluating the policies")
        result = run(policies, inventory, community=wanted if communities else None)

    findings = result.findings
    if rules:
        findings = [f for f in findings if f.rule_id in rules]
    if severity:
        keep = at_least(Severity(severity))
        findings = [f for f in findings if keep(f)]
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    _stale(app, policies.thresholds, connector)
    _unreadable(inventory.communities.values())
    descriptions = {rid: r.description for rid, r in policies.rules.items()}
    click.echo(
        render_findings(
            findings,
            app.format(fmt),
            policies_root=root,
            descriptions=descriptions,
            limit=limit,
        ),
        nl=False,
    )
    click.echo(
        f"{len(findings)} finding(s) in {result.communities} communities and {result.grants} "
        f"grants ({result.casbin_calls} distinct Casbin decisions)",
        err=True,
    )
    if detailed_exitcode and findings:
        return int(ExitStatus.CHANGES)
    return int(ExitStatus.OK)


def _stale(app: App, thresholds: dict[str, object], connector: str | None) -> None:
    """Warn when the newest discovery is older than the audit threshold.

    The age is how long ago govern read the tool, on govern's own clock (the snapshot's
    ``started_at`` against now): the tool's clock (``observed_at``) may differ from ours, and
    a sandbox's simulated clock certainly does.
    """
    from govern.model import utcnow

    section = thresholds.get("audit")
    days = section.get("max_snapshot_age_days") if isinstance(section, dict) else None
    if not isinstance(days, int):
        return
    latest = [s for (c, _), s in app.inventory_store.latest().items() if connector in (None, c)]
    if not latest:
        return
    newest = max(s.started_at for s in latest)
    if utcnow() - newest > timedelta(days=days):
        click.echo(
            f"warning: the newest discovery ran on {newest:%Y-%m-%d}, more than {days} days "
            f"ago; run `govern discover` for a current audit",
            err=True,
        )


def _unreadable(communities: Iterable[Community]) -> None:
    """Warn about communities whose permissions a connector could not read.

    Their grants are unknown, not absent: findings about who holds what there (or about a
    missing owner) cannot be trusted until a discovery reads them.
    """
    paths = sorted(c.path for c in communities if c.attributes.get("permissions_read") is False)
    if paths:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        click.echo(
            f"warning: permissions of {len(paths)} communities could not be read ({shown}): "
            "their current grants are unknown (the last ones read are kept), so findings "
            "there may be out of date; see the discovery "
            "log (`govern inventory snapshots`) for why",
            err=True,
        )

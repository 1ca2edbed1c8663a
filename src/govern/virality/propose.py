"""``--propose``: the report's recommendations as a reviewable change to the policies and a plan.

Adopting, migrating or archiving a community is a decision IT reviews in git, so the report does
not act: it appends the decisions to ``lifecycle.yaml`` in the policy repository (to commit in a
pull request), each with the community's path and name as a comment, and writes the changes
they imply as a plan that ``govern apply`` accepts once the decisions are merged. The plan is
made like ``govern plan``'s: the same change ids (``plan.changes``), the policy revision of
``policy.repo`` taken after the decisions were written, sealed by ``planfile.new_plan``.
Changes the target connector cannot make (a label in Microsoft 365) are left out of the plan
and listed for a person. Communities that already have a decision are left alone, so proposing
twice adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govern.errors import PolicyError
from govern.model import Change, Plan, utcnow
from govern.plan import planfile
from govern.policy.repo import revision
from govern.store.store import Store
from govern.virality.report import Entry, Report

LIFECYCLE = "lifecycle.yaml"
HEADER = """\
# Lifecycle decisions: which communities IT adopted, sanctioned, is migrating or archived.
# Everything not listed is unmanaged. Adopting a community is a reviewed change to this file.
decisions:
"""


@dataclass
class Proposal:
    """What ``--propose`` wrote."""

    lifecycle_file: Path
    decisions: list[str] = field(default_factory=list)
    """Community ids given a new decision."""
    plan_file: Path | None = None
    changes: int = 0
    left_out: list[str] = field(default_factory=list)
    """Changes the plan leaves to a person (the connector cannot make them), readable."""


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _comment(text: str) -> str:
    # One line: a name with a line break must not end the comment and start YAML.
    return " ".join(text.split())


def _block(e: Entry, date: str) -> str:
    assert e.decision is not None
    return (
        f"  # {_comment(e.path)}: {_comment(e.name)}\n"
        f"  - id: {_yaml_str(e.id)}\n"
        f"    state: {e.decision.state.value}\n"
        f"    reason: {_yaml_str(e.decision.reason)}\n"
        f"    date: {_yaml_str(date)}\n"
    )


def propose_lifecycle(report: Report, policies_dir: Path) -> tuple[Path, list[str]]:
    """Append the report's lifecycle decisions to ``lifecycle.yaml``; return what was added."""
    from govern.policy.diagnostics import raise_first
    from govern.policy.files import read_yaml

    path = Path(policies_dir) / LIFECYCLE
    text = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    existing: set[str] = set()
    if path.is_file():
        doc, problems = read_yaml(path)
        raise_first(problems)
        data = (doc.data if doc else None) or {}
        existing = {str(d.get("id")) for d in data.get("decisions") or [] if isinstance(d, dict)}
    date = f"{report.generated_at:%Y-%m-%d}"
    new = [e for e in report.entries if e.decision is not None and e.id not in existing]
    if not new:
        return path, []
    lines = text.splitlines(keepends=True)
    # An empty flow list (`decisions: []`) becomes a block list the new items can follow.
    for i, line in enumerate(lines):
        if line.split("#")[0].strip().replace(" ", "") == "decisions:[]":
            lines[i] = "decisions:\n"
    body = "".join(lines)
    if not body.endswith("\n"):
        body += "\n"
    if not any(line.startswith("decisions:") for line in body.splitlines()):
        body += "decisions:\n"
    body += "".join(_block(e, date) for e in new)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(body, encoding="utf-8")
    doc, problems = read_yaml(tmp)
    ids = {str(d.get("id")) for d in ((doc.data if doc else None) or {}).get("decisions") or []}
    if problems or not {e.id for e in new} <= ids:
        tmp.unlink()
        raise PolicyError(
            f"{path}: could not append decisions (is `decisions:` the last key, as a block "
            "list?); add them by hand from the report's JSON"
        )
    tmp.replace(path)
    return path, [e.id for e in new]


Refuses = Callable[[Change], str | None]
"""Why a connector would refuse a change without trying (``Connector.refuses``), or None."""


def plan_draft(
    report: Report,
    store: Store,
    policies_dir: Path,
    refuses: Refuses | None = None,
) -> tuple[Plan, list[tuple[Change, str]]]:
    """The changes of every recommendation as a sealed plan, and the ones left out of it.

    A change is left out when its connector would refuse it (``refuses``), so that applying
    the plan does not fail on it; the caller lists it, with why, for a person.
    """
    changes: list[Change] = []
    left_out: list[tuple[Change, str]] = []
    seen: set[str] = set()
    for e in report.entries:
        for c in e.changes:
            if c.id in seen:
                continue
            seen.add(c.id)
            why = refuses(c) if refuses is not None else None
            if why is None:
                changes.append(c)
            else:
                left_out.append((c, why))
    snaps = {f"{c}/{s}": snap.id for (c, s), snap in store.latest().items()}
    # Made now (the wall clock, as `govern plan` does): apply measures a plan's age from it.
    plan = planfile.new_plan(
        changes, policy=revision(policies_dir), snapshots=snaps, created_at=utcnow()
    )
    return plan, left_out


def propose(
    report: Report,
    store: Store,
    policies_dir: Path,
    plan_file: Path,
    refuses: Refuses | None = None,
) -> Proposal:
    """Write the lifecycle decisions, then the plan made under the policies that hold them."""
    path, added = propose_lifecycle(report, policies_dir)
    plan, left_out = plan_draft(report, store, policies_dir, refuses)
    planfile.write(plan, plan_file)
    names = {e.id: e.path for e in report.entries}
    later = [
        " ".join(filter(None, (c.action.value, c.value, c.principal_id)))
        + f" on {names.get(c.community_id)}: "
        f"{why}; do it by hand"
        for c, why in left_out
    ]
    return Proposal(path, added, plan_file, len(plan.changes), later)

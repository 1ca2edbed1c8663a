"""``--propose``: the report's recommendations as a reviewable change to the policies and a plan.

Adopting, migrating or archiving a community is a decision IT reviews in git, so the report does
not act: it appends the decisions to ``lifecycle.yaml`` in the policy repository (to commit in a
pull request) and writes the changes they imply as a plan draft for ``govern plan``. Communities
that already have a decision are left alone, so proposing twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from govern.errors import PolicyError
from govern.model import Plan, PolicyRevision
from govern.private import write_private_text
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


def policy_hash(policies_dir: Path) -> str:
    """A content hash of the policy files, recorded in the plan it was made from."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in policies_dir.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(policies_dir)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _block(e: Entry, date: str) -> str:
    assert e.decision is not None
    return (
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


def plan_draft(report: Report, store: Store, policies_dir: Path | None) -> Plan:
    """The changes of every recommendation as a plan draft (``govern plan`` validates it)."""
    changes = [c for e in report.entries for c in e.changes]
    snaps = {f"{c}/{s}": snap.id for (c, s), snap in sorted(store.latest().items())}
    content = policy_hash(policies_dir) if policies_dir and policies_dir.is_dir() else "none"
    digest = hashlib.blake2b(
        "".join(c.id for c in changes).encode() + content.encode(), digest_size=6
    ).hexdigest()
    return Plan(
        id=f"viral-{report.generated_at:%Y%m%d}-{digest}",
        created_at=report.generated_at,
        policy=PolicyRevision(content_hash=content),
        snapshots=snaps,
        changes=changes,
    )


def propose(report: Report, store: Store, policies_dir: Path, plan_file: Path) -> Proposal:
    """Write the lifecycle decisions and the plan draft."""
    path, added = propose_lifecycle(report, policies_dir)
    plan = plan_draft(report, store, policies_dir)
    write_private_text(plan_file, plan.model_dump_json(indent=2) + "\n")  # 0600, as plans
    return Proposal(path, added, plan_file, len(plan.changes))

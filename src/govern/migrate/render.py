"""A migration plan and its progress, for people: names and emails, counts, reasons."""

from __future__ import annotations

from govern.migrate.model import MatchStatus, MigrationPlan
from govern.model import JournalEntry, JournalPhase


def review(plan: MigrationPlan) -> str:
    """The plan's review as text: what moves, what cannot, people, checks, steps."""
    r = plan.review
    out = [
        f"Migration {plan.id}: {plan.source.tool} {plan.source.kind} '{plan.source.name}' "
        f"-> {plan.target.tool} {plan.target.kind} '{plan.target.name}'",
        "",
        "Moves:",
    ]
    for item in r.moves:
        count = f" ({item.count})" if item.count is not None else ""
        out.append(f"  + {item.what}{count}" + (f": {item.detail}" if item.detail else ""))
    out += ["", "Cannot move:"]
    for item in r.cannot_move or []:
        count = f" ({item.count})" if item.count is not None else ""
        out.append(f"  - {item.what}{count}: {item.detail}")
    if not r.cannot_move:
        out.append("  (nothing)")
    problems = [p for p in r.people if p.status is not MatchStatus.MATCHED or p.guest]
    out += ["", f"People: {len(r.people)} involved, {len(problems)} need attention"]
    for p in sorted(problems, key=lambda p: (p.status.value, p.email or p.name)):
        who = p.email or p.name
        kind = f"guest ({p.guest})" if p.guest else p.status.value
        posts = f", {p.posts} messages" if p.posts else ""
        out.append(f"  ! {who} [{kind}{posts}]: {p.needs}")
    blocking = r.blocking
    out += ["", "Checks:" if r.checks else "Checks: all passed"]
    for c in r.checks:
        out.append(f"  {'BLOCKING' if c.blocking else 'warning'}: {c.message}")
    out += ["", f"Steps ({len(plan.steps)}):"]
    for n, step in enumerate(plan.steps, 1):
        out.append(f"  {n:>3}. {step.label}")
    if r.permissions:
        out += ["", "Needs:"] + [f"  {p}" for p in r.permissions]
    for note in r.notes:
        out.append(f"Note: {note}")
    verdict = (
        f"{len(blocking)} blocking check(s): `govern apply` will refuse this plan."
        if blocking
        else "Review it, then run `govern apply` on this file."
    )
    out += ["", verdict]
    return "\n".join(out) + "\n"


def progress(plan: MigrationPlan, last: dict[str, JournalEntry]) -> list[tuple[str, str, str]]:
    """Per step: its label, where it stands, and the latest message."""
    rows = []
    for step in plan.steps:
        entry = last.get(step.id)
        state = "pending" if entry is None else entry.phase.value
        if entry is not None and entry.phase is JournalPhase.INTENT:
            state = "in progress"
        rows.append((step.label, state, entry.message if entry else ""))
    return rows

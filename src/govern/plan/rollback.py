"""The reverse of a run: a new plan that undoes what the run did, to review and apply.

Only changes the journal records as done are undone, newest first as written; the plan is then
ordered like any other (adds before removes), so undoing an owner swap never leaves a community
without an owner either. A change that changed nothing (the tool reported the same state before
and after, e.g. adding someone who was already a member) is not undone: undoing it would remove
access the run never gave. Archiving cannot be undone through the model's actions and is named
in the notes.
"""

from __future__ import annotations

from datetime import datetime

from govern.model import Change, JournalPhase, Plan, PolicyRevision
from govern.plan.apply import scope_key
from govern.plan.changes import inverse
from govern.plan.journal import Journal
from govern.plan.order import ordered
from govern.plan.planfile import new_plan
from govern.store import Store


def rollback_plan(
    store: Store, run_id: str, *, policy: PolicyRevision, now: datetime
) -> tuple[Plan, list[str]]:
    """The plan that undoes run ``run_id``, and notes on what it cannot undo."""
    journal = Journal(store)
    run = journal.get(run_id)
    last = journal.last_phases(run.id)
    rule = f"rollback:{run.id}"
    undo: dict[str, Change] = {}
    notes: list[str] = []
    for change in reversed(ordered(run.plan.changes)):
        entry = last.get(change.id)
        if entry is None or entry.phase is not JournalPhase.DONE:
            continue
        if entry.before is not None and entry.before == entry.after:
            notes.append(f"{change.community_id}: {change.id} changed nothing; nothing to undo")
            continue
        reverse = inverse(change, entry.before, rule_id=rule)
        if reverse is None:
            notes.append(
                f"{change.community_id}: cannot undo {change.action.value} {change.id} "
                f"automatically; undo it in the tool"
            )
            continue
        undo.setdefault(reverse.id, reverse)
    latest = store.latest()
    snapshots = {
        key: latest[scope_key(key)].id for key in run.plan.snapshots if scope_key(key) in latest
    }
    return new_plan(list(undo.values()), policy=policy, snapshots=snapshots, created_at=now), notes

"""What changed when: the source of Graph's ``groups/delta`` and ``users/delta``.

The log starts empty when an organisation is created: its initial state is what a first (full)
delta round returns. Every later change (advance, writes) appends one row. A row's sequence
number is its position + 1, so a delta token is simply the sequence number it was issued at:

* first round: list everything, then issue ``deltaLink`` with token ``log.seq``;
* next round with token ``t``: ``log.group_changes(t)`` / ``log.user_changes(t)`` say what to
  return, and the new token is ``log.seq`` again.

Rows are five parallel int arrays (time, op, target, subject, actor) so a long-running sandbox
at ``xl`` size keeps millions of rows cheaply. The actor (who made a membership change: a person,
``ADDED_BY_SELF`` for a person adding themselves, ``ADDED_BY_SYSTEM`` for an app, ``NO_ACTOR``
when nobody is recorded) is what the directory audit log reports as ``initiatedBy``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple


class Op(IntEnum):
    """The kind of change a row records; target and subject are indexes of the named records."""

    USER_ADDED = 1  # target: person
    USER_UPDATED = 2  # target: person
    USER_REMOVED = 3  # target: person
    GROUP_ADDED = 4  # target: group
    GROUP_UPDATED = 5  # target: group (visibility, archive, label, renewal)
    GROUP_REMOVED = 6  # target: group
    MEMBER_ADDED = 7  # target: group, subject: person
    MEMBER_REMOVED = 8  # target: group, subject: person
    OWNER_ADDED = 9  # target: group, subject: person
    OWNER_REMOVED = 10  # target: group, subject: person
    SPACE_ADDED = 11  # target: space
    SPACE_UPDATED = 12  # target: space (content edited: last modified moved)
    SPACE_REMOVED = 13  # target: space
    SPACE_PERMISSION_ADDED = 14  # target: space, subject: packed permission row
    SPACE_PERMISSION_REMOVED = 15  # target: space, subject: packed permission row
    CONSENT_ADDED = 16  # target: consent row, subject: app
    CONSENT_REMOVED = 17  # target: consent row, subject: app
    CONFLUENCE_USER_ADDED = 18  # target: Confluence user
    CONFLUENCE_USER_UPDATED = 19  # target: Confluence user (deactivated)
    NETWORK_MEMBER_ADDED = 20  # target: network, subject: person


_GROUP_OPS = frozenset(
    {Op.GROUP_ADDED, Op.GROUP_UPDATED, Op.GROUP_REMOVED}
    | {Op.MEMBER_ADDED, Op.MEMBER_REMOVED, Op.OWNER_ADDED, Op.OWNER_REMOVED}
)
_USER_OPS = frozenset({Op.USER_ADDED, Op.USER_UPDATED, Op.USER_REMOVED})


NO_ACTOR = -3
"""The actor of a row that records none (anything but a membership change)."""


class Change(NamedTuple):
    """One row of the log."""

    seq: int
    ts: int
    op: Op
    target: int
    subject: int
    actor: int = NO_ACTOR


@dataclass
class GroupDelta:
    """Everything that happened to one group since a token, netted out.

    A member added then removed within the window appears in neither list, as Graph's delta
    reports the net difference between two states.
    """

    added: bool = False
    updated: bool = False
    removed: bool = False
    members_added: set[int] = field(default_factory=set)
    members_removed: set[int] = field(default_factory=set)
    owners_added: set[int] = field(default_factory=set)
    owners_removed: set[int] = field(default_factory=set)


@dataclass
class UserDelta:
    """What happened to one user since a token."""

    added: bool = False
    updated: bool = False
    removed: bool = False


def _net(added: set[int], removed: set[int], who: int, adding: bool) -> None:
    if adding:
        if who in removed:
            removed.discard(who)
        else:
            added.add(who)
    elif who in added:
        added.discard(who)
    else:
        removed.add(who)


class ChangeLog:
    """Append-only log of changes with integer sequence numbers (see the module docstring)."""

    __slots__ = ("actor", "op", "subject", "target", "ts")

    def __init__(self) -> None:
        self.ts = array("i")
        self.op = array("b")
        self.target = array("i")
        self.subject = array("q")
        self.actor = array("i")

    def __setstate__(self, state: tuple[None, dict[str, array[int]]]) -> None:
        # Logs pickled before the actor column existed: every row has no recorded actor.
        for name, value in state[1].items():
            setattr(self, name, value)
        if not hasattr(self, "actor"):
            self.actor = array("i", [NO_ACTOR] * len(self.ts))

    @property
    def seq(self) -> int:
        """The sequence number of the newest row (0 when empty): the token for 'now'."""
        return len(self.ts)

    def record(
        self, ts: int, op: Op, target: int, subject: int = -1, actor: int = NO_ACTOR
    ) -> None:
        """Append a row."""
        self.ts.append(ts)
        self.op.append(int(op))
        self.target.append(target)
        self.subject.append(subject)
        self.actor.append(actor)

    def since(self, seq: int) -> Iterator[Change]:
        """Rows after sequence number ``seq``, oldest first."""
        for i in range(max(seq, 0), len(self.ts)):
            yield Change(
                i + 1, self.ts[i], Op(self.op[i]), self.target[i], self.subject[i], self.actor[i]
            )

    def group_changes(self, seq: int) -> dict[int, GroupDelta]:
        """Per group index, what changed after ``seq`` (for ``groups/delta``)."""
        out: dict[int, GroupDelta] = {}
        for i in range(max(seq, 0), len(self.ts)):
            op = self.op[i]
            if op not in _GROUP_OPS:
                continue
            delta = out.setdefault(self.target[i], GroupDelta())
            who = int(self.subject[i])
            if op == Op.GROUP_ADDED:
                delta.added = True
            elif op == Op.GROUP_UPDATED:
                delta.updated = True
            elif op == Op.GROUP_REMOVED:
                delta.removed = True
            elif op in (Op.MEMBER_ADDED, Op.MEMBER_REMOVED):
                _net(delta.members_added, delta.members_removed, who, op == Op.MEMBER_ADDED)
            else:
                _net(delta.owners_added, delta.owners_removed, who, op == Op.OWNER_ADDED)
        return out

    def user_changes(self, seq: int) -> dict[int, UserDelta]:
        """Per person index, what changed after ``seq`` (for ``users/delta``)."""
        out: dict[int, UserDelta] = {}
        for i in range(max(seq, 0), len(self.ts)):
            op = self.op[i]
            if op not in _USER_OPS:
                continue
            delta = out.setdefault(self.target[i], UserDelta())
            if op == Op.USER_ADDED:
                delta.added = True
            elif op == Op.USER_UPDATED:
                delta.updated = True
            else:
                delta.removed = True
        return out

    def seq_at(self, ts: int) -> int:
        """The sequence number of the last row at or before ``ts`` (rows are in time order)."""
        lo, hi = 0, len(self.ts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.ts[mid] <= ts:
                lo = mid + 1
            else:
                hi = mid
        return lo

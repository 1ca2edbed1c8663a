"""``govern inventory forget PERSON``: erase one person from the store, keep the counts right.

Every principal id of the person (the id given, or every id that ever carried the email given)
is replaced, in every table and in every row of history, by an anonymous id
``<connector>:<kind>:erased-<token>.<n>`` with a random token (nothing to reverse it with). The
anonymous principal keeps only its kind and department (the one its email matched, for accounts
that had none), so member counts, growth curves and
department mixes stay as they were; its email, name, title and attributes are gone. Grants they
hold or made (``added_by``), communities they created, their posts per author, and the plans
and journal that name them are rewritten the same way. The erasure is recorded in the
``erasures`` table (when, who ran it, the token, rows rewritten), never with the person.

The tools stay the source of truth: a person still present in a tool is read again on the next
discovery, as a new principal; remove them from the tool (or its scope) first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from govern.errors import StoreError
from govern.store.erasure import erase, erasures
from govern.store.person import ERASED
from govern.store.store import Store

__all__ = ["ERASED", "Erasure", "erasures", "forget"]


@dataclass
class Erasure:
    """What one ``forget`` did."""

    token: str
    principals: dict[str, str] = field(default_factory=dict)
    """Old principal id -> anonymous id (returned to the caller, never stored)."""
    rows: dict[str, int] = field(default_factory=dict)


def _anonymous(pid: str, token: str, n: int) -> str:
    # One person may have several accounts in one tool (a Grid and a free Slack workspace):
    # each gets its own id, all with the same token, so reports still count one person.
    connector, kind, _ = pid.split(":", 2)
    return f"{connector}:{kind}:{ERASED}{token}.{n}"


def forget(store: Store, person: str, actor: str, reason: str = "") -> Erasure:
    """Erase ``person`` from the store in one transaction, and record the erasure."""
    token = secrets.token_hex(6)
    done = erase(
        store,
        person,
        lambda ids: {pid: _anonymous(pid, token, n) for n, pid in enumerate(ids)},
        token=token,
        actor=actor,
        reason=reason,
    )
    if done is None:
        raise StoreError(
            f"{person} is not in the inventory (give an email or a principal id; "
            "`govern inventory export-person` shows what is kept about someone)"
        )
    return Erasure(token, principals=done[0], rows=done[1])

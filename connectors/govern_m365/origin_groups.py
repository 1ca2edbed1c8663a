"""The IT groups' members for the origin rules, read once and then kept current by delta.

The origin rules call a community IT-provisioned when every owner is in an IT group. A full run
reads each IT group's members (999 a page: 5 pages at xl). The members are then kept as a delta
token, and an incremental run updates them from the membership round of ``groups/delta``, which
already reports every group whose members changed, the IT groups included: no request at all.
A configured name the token does not know (the settings changed) makes the run read them again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from govern_m365.run import Run

TOKEN = "it_groups"
"""Delta token: JSON ``{configured name: {"id": group id, "members": [native ids]}}``."""


class Slice(Protocol):
    """One group's member changes in a delta round (``group_delta._Slices``)."""

    added: dict[str, str]
    removed: set[str]


def load(run: Run, token: str | None) -> bool:
    """Take the IT groups' members from the token; False when it does not cover the settings."""
    try:
        data = json.loads(token or "null")
    except ValueError:
        return False
    names = run.settings.origin.it_groups
    if not isinstance(data, dict) or not all(isinstance(data.get(n), dict) for n in names):
        return False
    for name in names:
        entry = data[name]
        run.it_groups[str(entry["id"])] = {str(m) for m in entry.get("members", [])}
        run.it_names[str(entry["id"])] = name
    _publish(run)
    return True


def found(run: Run, name: str, gid: str, members: set[str]) -> None:
    """An IT group read whole (native ids of its direct members)."""
    run.it_groups[gid] = members
    run.it_names[gid] = name
    _publish(run)


def apply(run: Run, slices: Mapping[str, Slice], removed: set[str]) -> None:
    """Update the IT groups from a membership round: joins, leaves, the group deleted."""
    for gid, members in run.it_groups.items():
        if gid in removed:
            members.clear()
        sl = slices.get(gid)
        if sl is None:
            continue
        members.update(sl.added.values())
        members.difference_update(pid.rsplit(":", 1)[-1] for pid in sl.removed)
    _publish(run)


def dump(run: Run) -> str:
    """The token for the next run."""
    out: dict[str, Any] = {
        run.it_names[gid]: {"id": gid, "members": sorted(members)}
        for gid, members in run.it_groups.items()
    }
    return json.dumps(out, sort_keys=True)


def _publish(run: Run) -> None:
    # The judge's form: principal ids of user members (as the full read has always written).
    run.judge.it_members = {f"m365:user:{m}" for ms in run.it_groups.values() for m in ms}

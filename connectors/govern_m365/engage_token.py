"""The Viva Engage delta token: which groups back Engage communities, and their community ids.

Incremental runs read only the groups that changed, so an Engage community's kind (for filing
its usage-report rows) and its community id (for reading it by id) come from here; see
:mod:`govern_m365.activity` and :func:`govern_m365.communities.read_engage`.
"""

from __future__ import annotations

from govern_m365.mapping import kind_of
from govern_m365.run import Run

ENGAGE_TOKEN = "engage_groups"
"""Delta token: the ids of Viva Engage communities' groups, space-separated, each followed by
``=<community id>`` once known (an incremental run then reads only the communities it needs)."""


def engage_communities(token: str | None) -> dict[str, str]:
    """Group id -> Viva Engage community id, as far as the token knows them."""
    pairs = (entry.partition("=") for entry in (token or "").split())
    return {gid: cid for gid, _, cid in pairs if cid}


def engage_pending(token: str | None) -> set[str]:
    """Engage groups whose community id no run has read yet (left for a refresh run)."""
    return {e for e in (token or "").split() if "=" not in e}


def engage_token(run: Run, groups: set[str], token: str | None) -> str:
    """The token for the next run: these Engage groups, with their community ids when known."""
    cids = engage_communities(token)
    for gid, info in run.groups.items():
        if info.extra.get("engage_id"):
            cids[gid] = str(info.extra["engage_id"])
    return " ".join(f"{g}={cids[g]}" if g in cids else g for g in sorted(groups))


def engage_ids(run: Run, token: str | None) -> set[str]:
    """Engage groups known now: the previous run's, updated with what this run read."""
    known = {entry.partition("=")[0] for entry in (token or "").split()} - run.removed
    for gid, info in run.groups.items():
        (known.add if kind_of(info.props) == "engage" else known.discard)(gid)
    return known

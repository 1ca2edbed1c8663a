"""The directory (security) groups the policies name, with their members, as memberships.

A policy can name a directory group, e.g. the steward pool ``directory_group: IT Stewards`` in
``groups.yaml``. Such groups are not communities (no ``Unified`` group type), so the group
listing leaves them out; discovery reads only the ones the policy repository names (the caller
passes them in :attr:`govern.connector.DiscoveryRequest.directory_groups`): each is looked up
by id, mail or display name (``GET /groups?$filter=...``), written as a principal of kind
``group``, and its members (``GET /groups/{id}/members``, nested groups followed) as
memberships. A few requests per run, so every run re-reads them; the member ids of the last run
are kept as a delta token so that an incremental run can close the memberships that ended.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from govern.model import Membership, Principal, PrincipalKind, make_id
from govern_m365.mapping import CONNECTOR, member_principal
from govern_m365.permissions import Feature
from govern_m365.run import Run

TOKEN = "directory_groups"
"""Delta token: JSON ``{group principal id: [member principal ids]}`` of the last run."""

MAX_NESTING = 8
"""Nested groups followed this deep at most (a cycle or a runaway nesting stops here)."""


def _filter(ref: str) -> str:
    """The ``$filter`` that finds a group by id, mail or display name."""
    esc = ref.replace("'", "''")
    parts = ref.split("-")
    if len(parts) == 5 and all(p and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts):
        return f"id eq '{quote(esc)}'"
    if "@" in ref:
        return f"mail eq '{quote(esc)}'"
    return f"displayName eq '{quote(esc)}'"


async def read_directory_groups(
    run: Run, names: Sequence[str], previous: str | None = None
) -> None:
    """Write each named group, its nested groups and their memberships into the run's sink."""
    s = run.session
    edges: dict[str, list[str]] = {}
    todo: list[tuple[dict[str, Any], int]] = []
    for ref in names:
        url = f"{s.base}/groups?$filter={_filter(ref)}&$select=id,displayName,mail"
        found = (await s.json(s.request_for_url(url), Feature.GROUPS, "find directory group")).get(
            "value"
        ) or []
        if not found:
            run.sink.log(
                f"m365: directory group {ref!r} named in the policies was not found in the "
                "tenant; check its name in groups.yaml"
            )
        todo += [(g, 0) for g in found]
    while todo:
        group, depth = todo.pop()
        gid = make_id(CONNECTOR, "group", str(group["id"]))
        if gid in edges:
            continue
        run.sink.principal(
            Principal(
                id=gid,
                kind=PrincipalKind.GROUP,
                display_name=str(group.get("displayName") or ""),
                email=str(group["mail"]).lower() if group.get("mail") else None,
            )
        )
        members: list[str] = []
        url = f"{s.base}/groups/{group['id']}/members?$select=id,displayName,mail&$top=999"
        async for page in s.pages(s.request_for_url(url), Feature.GROUPS, "directory members"):
            for m in page.get("value", []):
                pid = member_principal(m)
                members.append(pid)
                if pid.startswith(f"{CONNECTOR}:group:") and depth < MAX_NESTING:
                    todo.append((m, depth + 1))
        edges[gid] = members
        for pid in members:
            run.sink.membership(Membership(group_id=gid, member_id=pid))
    if previous and not run.full:
        # Incremental runs keep memberships not given again: close the ones that ended.
        try:
            before: dict[str, list[str]] = json.loads(previous)
        except ValueError:
            before = {}
        for gid, old in before.items():
            now = set(edges.get(gid, ()))
            for pid in old:
                if pid not in now:
                    run.sink.remove_membership(gid, pid)
    run.sink.delta_token(TOKEN, json.dumps(edges, sort_keys=True, separators=(",", ":")))

"""A collaboration tool that records its state, and a connector for it, for plan/apply tests.

The tool keeps grants, visibility, labels and archived flags per community, in memory or in a
JSON file (so a subprocess can apply to it and the test can read it after SIGKILL). It records,
like the sandbox org does, the fewest owners each community ever had after any change, so a test
can prove no community was ever without an owner. Writes are atomic (temp file + rename): a kill
lands either before or after a change, never in the middle of the file.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from govern.connector import ApplyResult, Connector, DiscoveryRequest, DiscoverySink
from govern.model import (
    Change,
    ChangeAction,
    Community,
    Grant,
    Membership,
    Principal,
    PrincipalKind,
    Role,
    Visibility,
)

State = dict[str, Any]


def community(grants: list[tuple[str, str]], visibility: str = "private") -> dict[str, Any]:
    """A community record: grants as (principal id, role)."""
    return {
        "grants": [list(g) for g in grants],
        "visibility": visibility,
        "label": None,
        "archived": False,
    }


class FakeTool:
    """The tool's state, optionally persisted to a file after every change."""

    def __init__(self, state: State | None = None, path: Path | None = None) -> None:
        self.path = path
        if state is None and path is not None and path.exists():
            state = json.loads(path.read_text())
        self.state: State = state or {"communities": {}}
        self.state.setdefault("principals", {})
        self.state.setdefault("refuse", [])
        self.state.setdefault("applied", 0)
        self.state.setdefault(
            "min_owners", {cid: self.owner_count(cid) for cid in self.state["communities"]}
        )
        self.save()

    # --- persistence -------------------------------------------------------------------------
    def reload(self) -> None:
        if self.path is not None:
            self.state = json.loads(self.path.read_text())

    def save(self) -> None:
        if self.path is None:
            return
        fd, tmp = tempfile.mkstemp(dir=self.path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(self.state, fh, sort_keys=True)
        os.replace(tmp, self.path)

    # --- reading -----------------------------------------------------------------------------
    def grants(self, cid: str) -> set[tuple[str, str]]:
        return {(p, r) for p, r in self.state["communities"][cid]["grants"]}

    def owner_count(self, cid: str) -> int:
        return sum(1 for _, r in self.grants(cid) if r == "owner")

    def snapshot(self) -> dict[str, Any]:
        """Everything but the bookkeeping: what an identical tool state compares equal on."""
        return {
            cid: {
                "grants": sorted(self.grants(cid)),
                "visibility": c["visibility"],
                "label": c["label"],
                "archived": c["archived"],
            }
            for cid, c in sorted(self.state["communities"].items())
        }

    # --- writing -----------------------------------------------------------------------------
    def apply(self, change: Change, delay: float = 0.0) -> ApplyResult:
        self.reload()
        c = self.state["communities"].get(change.community_id)
        if c is None:
            return ApplyResult(False, f"community {change.community_id} not found")
        if change.principal_id in self.state["refuse"]:
            return ApplyResult(False, f"the tool refuses {change.principal_id}")
        grants = self.grants(change.community_id)
        before = {
            "grants": sorted(grants),
            "visibility": c["visibility"],
            "label": c["label"],
            "archived": c["archived"],
        }
        p = change.principal_id or ""
        role = change.role.value if change.role else ""
        if change.action is ChangeAction.ADD_GRANT:
            grants.add((p, role))
        elif change.action is ChangeAction.REMOVE_GRANT:
            if (
                role == "owner"
                and (p, role) in grants
                and self.owner_count(change.community_id) == 1
            ):
                # As Graph does: the last owner cannot be removed.
                return ApplyResult(False, "cannot remove the last owner", before, before)
            grants.discard((p, role))
        elif change.action is ChangeAction.CHANGE_ROLE:
            old = change.from_role.value if change.from_role else ""
            grants.discard((p, old))
            grants.add((p, role))
        elif change.action is ChangeAction.SET_VISIBILITY:
            c["visibility"] = change.value
        elif change.action is ChangeAction.SET_LABEL:
            c["label"] = change.value
        elif change.action is ChangeAction.ARCHIVE:
            c["archived"] = True
        if delay:
            time.sleep(delay)  # a kill here: the change is not made, the intent is journaled
        c["grants"] = sorted([list(g) for g in grants])
        owners = sum(1 for _, r in grants if r == "owner")
        mins = self.state["min_owners"]
        mins[change.community_id] = min(mins.get(change.community_id, owners), owners)
        self.state["applied"] += 1
        self.save()
        if delay:
            time.sleep(delay)  # a kill here: the change is made, its result not journaled
        after = {
            "grants": sorted(grants),
            "visibility": c["visibility"],
            "label": c["label"],
            "archived": c["archived"],
        }
        return ApplyResult(True, "", _jsonable(before), _jsonable(after))


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(d))


class FakeSettings(BaseModel):
    """Settings of the fake connector."""

    state_file: str
    delay_ms: int = 0
    tenant: str = "contoso"


class FakeToolConnector(Connector):
    """A connector over :class:`FakeTool`: discovers its state and applies changes to it."""

    name = "fake"
    title = "Fake tool"
    settings_model = FakeSettings
    supported_actions = frozenset(ChangeAction)

    def __init__(self, settings: BaseModel, tool: FakeTool | None = None) -> None:
        super().__init__(settings)
        assert isinstance(settings, FakeSettings)
        self.conf = settings
        self.tool = tool or FakeTool(path=Path(settings.state_file))

    def scope(self) -> str:
        return self.conf.tenant

    def discover(self, request: DiscoveryRequest, sink: DiscoverySink) -> None:
        self.tool.reload()
        kinds = self.tool.state["principals"]
        seen: set[str] = set()
        for cid, c in sorted(self.tool.state["communities"].items()):
            native = cid.split(":", 2)[2]
            sink.community(
                Community(
                    id=cid,
                    path=f"fake/{self.conf.tenant}/team/{native}",
                    kind="team",
                    name=native,
                    visibility=Visibility(c["visibility"]),
                    sensitivity_label=c["label"],
                    archived=c["archived"],
                )
            )
            for p, r in sorted(self.tool.grants(cid)):
                if p not in seen:
                    seen.add(p)
                    kind = kinds.get(p, "employee")
                    sink.principal(
                        Principal(
                            id=p, kind=PrincipalKind(kind), email=f"{p.rsplit(':', 1)[1]}@x.example"
                        )
                    )
                sink.grant(Grant(community_id=cid, principal_id=p, role=Role(r)))
            sink.restate(cid)
        for gid, group in sorted(self.tool.state.get("groups", {}).items()):
            sink.principal(Principal(id=gid, kind=PrincipalKind.GROUP, display_name=group["name"]))
            for member in group["members"]:
                sink.membership(Membership(group_id=gid, member_id=member))
        for p, kind in sorted(kinds.items()):
            if p not in seen:
                sink.principal(
                    Principal(
                        id=p,
                        kind=PrincipalKind(kind),
                        email=f"{p.rsplit(':', 1)[1]}@x.example",
                        display_name=p,
                    )
                )

    def apply(self, change: Change) -> ApplyResult:
        return self.tool.apply(change, delay=self.conf.delay_ms / 1000)

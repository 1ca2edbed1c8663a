"""The tiny organisation's Slack, discovered through the real connector over HTTP, once.

With the Microsoft 365 directory (people, emails, departments) written beside it, as the
report matches Slack people to departments by email. Tests that change the store copy the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from govern_slack import SlackConnector, SlackSettings
from pydantic import SecretStr

from govern.discovery import run_discovery
from govern.model import Principal, PrincipalKind, SnapshotMode
from govern.sandbox import ids
from govern.sandbox.org import Organisation, generate
from govern.sandbox.slack.server import SlackServer
from govern.store import Store

SEED = 21


def directory(store: Store, org: Organisation) -> None:
    """The Microsoft 365 directory the report matches Slack people against (by email)."""
    with store.snapshot("m365", "contoso", SnapshotMode.FULL, log=lambda m: None) as writer:
        writer.observed_at(ids.to_datetime(org.now))
        for p in org.people:
            if p.alive and not p.guest:
                writer.principal(
                    Principal(
                        id=f"m365:user:{p.idx}",
                        kind=PrincipalKind.EMPLOYEE,
                        email=p.mail,
                        department=org.departments[p.department],
                    )
                )


def build(path: Path) -> Organisation:
    """Discover the sandbox's Slack into a new store at ``path``; return the organisation."""
    org = generate("tiny", SEED)
    store = Store(f"sqlite:///{path}")
    with SlackServer(org) as server:
        directory(store, org)
        settings = SlackSettings(
            organization="contoso",
            token=SecretStr("xoxb-sandbox"),
            workspace_tokens=[SecretStr("xoxb-free")],
            sanctioned_workspaces=["contoso", "contoso-support"],
            base_url=server.url,
        )
        run_discovery(store, SlackConnector(settings), full=True, log=lambda m: None)
    store.dispose()
    return org


def copy(src: Path, dst: Path) -> Store:
    """A store of one's own, copied from the shared one."""
    shutil.copy(src, dst)
    return Store(f"sqlite:///{dst}")

"""Benchmark: Confluence discovery of the sandbox's ``large`` site, full and incremental.

    .venv/bin/python bench/confluence_discovery.py                   # large, Data Center + Cloud
    .venv/bin/python bench/confluence_discovery.py demo datacenter   # other size / flavour
    .venv/bin/python bench/confluence_discovery.py large datacenter@8.5.4   # an older version

A Data Center flavour may name its version (``datacenter@8.5.4``; default the sandbox's, 9.4):
before 9.1 space permissions are JSON-RPC, before 9.4 emails cost a ``getUser`` call each.

For each flavour, in one run against one sandbox server over real HTTP:

* full discovery through the connector (atlassian-python-api) into a fresh SQLite store;
* incremental discovery after one simulated day (spaces edited) and one permission change;
* a later full run into the same store (Data Center before 9.4 reuses the emails it knows);
* a naive reader measured in the same run: one call per space per permission type
  (Data Center: JSON-RPC ``getSpacePermissionSet``; Cloud: the v2 permissions of the space,
  once per permission type, as a tool asking "who has X here?" would), sequential.

Requests are counted by the server (every request, retries included); seconds are wall time.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from typing import Any

from govern_confluence import ConfluenceConnector, ConfluenceSettings

from govern.discovery import run_discovery
from govern.sandbox.confluence import ConfluenceSandbox, start
from govern.sandbox.org import Organisation, generate
from govern.sandbox.spaces import PERMISSIONS, Subject
from govern.sandbox.timeline import advance
from govern.store import Store

TOKEN = "sandbox-admin-token"


def settings(sb: ConfluenceSandbox) -> ConfluenceSettings:
    if sb.site.cloud:
        return ConfluenceSettings(url=sb.url, deployment="cloud", email="admin", api_token=TOKEN)
    return ConfluenceSettings(url=sb.url, token=TOKEN)


def discovery(sb: ConfluenceSandbox, store: Store, full: bool) -> dict[str, Any]:
    before = sb.requests.total
    started = time.perf_counter()
    out = run_discovery(store, ConfluenceConnector(settings(sb)), full=full, log=lambda m: None)
    snap = out.snapshot
    return {
        "mode": snap.mode.value,
        "requests": sb.requests.total - before,
        "seconds": round(time.perf_counter() - started, 2),
        "communities_written": snap.stats.get("communities_seen"),
        "grants_written": snap.stats.get("grants_seen"),
        "spaces_reread": snap.stats.get("spaces_reread"),
        "token_bytes": sum(len(v) for v in snap.delta_tokens.values()),
    }


def naive(sb: ConfluenceSandbox, org: Organisation) -> dict[str, Any]:
    from atlassian import Confluence, ConfluenceV2

    before = sb.requests.total
    started = time.perf_counter()
    live = [s for s in org.spaces if s.deleted == -1]
    if sb.site.cloud:
        c = ConfluenceV2(url=sb.url, username="admin", password=TOKEN)
        ids = {s["key"]: s["id"] for s in c.get_spaces(limit=250)}
        for s in live:
            for _ in PERMISSIONS:
                list(c._get_paged(f"api/v2/spaces/{ids[s.key]}/permissions"))
    else:
        c = Confluence(url=sb.url, token=TOKEN)
        for s in live:
            for perm in PERMISSIONS:
                body = {
                    "jsonrpc": "2.0",
                    "method": "getSpacePermissionSet",
                    "params": [s.key, perm],
                    "id": 1,
                }
                c.post("rpc/json-rpc/confluenceservice-v2", data=body)
    return {
        "mode": "naive permissions only",
        "requests": sb.requests.total - before,
        "seconds": round(time.perf_counter() - started, 2),
    }


def bench(org: Organisation, label: str) -> list[dict[str, Any]]:
    rows = []
    flavour, _, version = label.partition("@")
    extra = {"version": version} if version else {}
    with start(org, flavour, **extra) as sb, tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/inventory.db")
        rows.append(discovery(sb, store, full=True))
        print(label, rows[-1], flush=True)
        advance(org, 1)
        dept = org.directory.department_groups[0]
        space = next(
            s
            for s in org.spaces
            if s.deleted == -1 and not s.personal and not s.has(0, Subject.GROUP, dept)
        )
        org.add_space_permission(space.idx, "VIEWSPACE", Subject.GROUP, dept)
        rows.append(discovery(sb, store, full=False))
        print(label, rows[-1], flush=True)
        rows.append({**discovery(sb, store, full=True), "mode": "full, later"})
        print(label, rows[-1], flush=True)
        rows.append(naive(sb, org))
        store.dispose()
    for row in rows:
        row["flavour"] = label
    return rows


def main(argv: list[str]) -> None:
    if {"-h", "--help"} & set(argv):
        print((__doc__ or "").strip())
        print("\nusage: confluence_discovery.py [SIZE] [FLAVOUR[@VERSION] ...]")
        return
    size = argv[0] if argv else "large"
    flavours = argv[1:] or ["datacenter", "cloud"]
    started = time.perf_counter()
    org = generate(size, 1)
    spaces = sum(1 for s in org.spaces if s.deleted == -1)
    perms = sum(len(s.perms) for s in org.spaces if s.deleted == -1)
    print(
        f"# {size}: {spaces} spaces, {perms} permission rows, "
        f"{len(org.confluence_users)} users, generated in {time.perf_counter() - started:.1f} s"
    )
    results = [row for f in flavours for row in bench(org, f)]
    cols = [
        "flavour",
        "mode",
        "requests",
        "seconds",
        "spaces_reread",
        "communities_written",
        "grants_written",
        "token_bytes",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in results:
        print("| " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])

"""How fast the sandbox Graph server serves 999-item pages (target: at most 50 ms at xl).

    .venv/bin/python bench/sandbox_graph_page.py [--size xl] [--seed 0] [--requests 200]

Measures wall time per request from a keep-alive httpx client over real HTTP on 127.0.0.1
(throttling off), walking the collections page by page: users, groups (default properties,
``$select``, owners expanded as the connector reads them), Teams via ``$filter``, the members
of the largest group, and groups/delta pages.
Prints median, p95 and max per kind, and the one-off cost of the first page (index build).
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from govern.sandbox import generate
from govern.sandbox.graph import GraphServer, GraphSettings, Limits


def walk(client: httpx.Client, url: str, params: dict[str, str], n: int) -> list[float]:
    """Seconds per request over ``n`` requests, following nextLinks (restarting at the end)."""
    times: list[float] = []
    next_url: str | None = None
    while len(times) < n:
        t = time.perf_counter()
        r = client.get(next_url) if next_url else client.get(url, params=params)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text[:300]
        body = r.json()
        next_url = body.get("@odata.nextLink")
    return times


def report(name: str, times: list[float]) -> None:
    ms = sorted(x * 1000 for x in times)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(f"{name:<44} median {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {ms[-1]:6.1f} ms  (n={len(ms)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="xl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    t = time.perf_counter()
    org = generate(args.size, args.seed)
    print(f"generated {args.size}: {len(org.people)} people, {len(org.groups)} groups "
          f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
    limits = Limits(resource_units=None, writes=None, reports=None, team_rps=None)
    big = max(org.groups, key=lambda g: len(g.members) if g.deleted == -1 else -1)
    with (
        GraphServer(org, GraphSettings(limits=limits)) as server,
        httpx.Client(
            base_url=server.url, headers={"Authorization": "Bearer bench"}, timeout=60
        ) as client,
    ):
        t = time.perf_counter()
        client.get("/users", params={"$top": "999"})
        client.get("/groups", params={"$top": "999"})
        print(f"first pages (listing indexes built): {(time.perf_counter() - t) * 1000:.0f} ms")
        n = args.requests
        top = {"$top": "999"}
        report("users $top=999", walk(client, "/users", top, n))
        report("users $top=999 $select=id,displayName,mail",
               walk(client, "/users", {**top, "$select": "id,displayName,mail"}, n))  # fmt: skip
        report("groups $top=999", walk(client, "/groups", top, n))
        report("groups $top=999 $select $expand=owners($select=id)",
               walk(client, "/groups", {**top, "$select": "id,displayName",
                    "$expand": "owners($select=id)"}, n))  # fmt: skip
        report("teams $filter resourceProvisioningOptions",
               walk(client, "/groups", {**top, "$filter":
                    "resourceProvisioningOptions/Any(x:x eq 'Team')"}, n))  # fmt: skip
        report(f"members of largest group ({len(big.members)}) $top=999",
               walk(client, f"/groups/{org.group_id(big.idx)}/members", top, n))  # fmt: skip
        report(
            "groups/delta $select=displayName,members,owners",
            walk(client, "/groups/delta", {"$select": "displayName,members,owners"}, n // 4),
        )


if __name__ == "__main__":
    main()

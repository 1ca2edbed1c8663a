"""Benchmark: M365 discovery against the sandbox Graph server (8,000 RU / 10 s, real latency).

Runs, each in its own process so that peak memory is govern's alone:
  1. full discovery of the organisation;
  2. incremental discovery after the organisation advanced one day;
  3. the naive approach: one members and one owners request per group, no $batch.
and prints requests, resource units, retries, wall time, the client's CPU (the child process)
and the sandbox's CPU (this process, where the server runs in threads) apart, peak memory, and
the 429s the sandbox answered (it enforces Graph's budgets), beside the plain-listing
resource-unit floor (users and groups 999 per page, one members and one owners request per group)
and the quota's time: resource units / 800 per s, the fastest Graph's 8,000 per 10 s allows.
``wall_vs_quota`` is the full run's wall over that time (the goal is at most 1.3), and
``client_cpu_vs_quota`` the client's CPU over it (below 1: the client keeps up with Graph).
The directory audit log's own budget (5 requests per 10 s) gives another floor,
``audit_log_floor_seconds``; ``wall_vs_slowest_budget`` is the wall over the larger of the two.
Absolute times move by 2x with the load of a shared machine: compare the ratios.
It also prints what reading the directory audit log cost in each run (requests, seconds,
events): it is metered per request (5 per 10 s, identity and access reports), not in resource
units, so it adds requests and seconds but no resource units.

    .venv/bin/python bench/m365_discovery.py --size large [--latency 0.05] [--concurrency 8]
        [--first-load listing|delta] [--skip-naive]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = r"""
import asyncio, json, resource, sys, time
from govern_m365.settings import M365Settings
mode, url, raw = sys.argv[1], sys.argv[2], sys.argv[3]
settings = M365Settings.model_validate_json(raw)
started = time.monotonic()
if mode == "naive":
    from govern_m365.cost import Cost
    from govern_m365.mapping import GROUP_SELECT, is_community
    from govern_m365.permissions import Feature
    from govern_m365.session import Session

    async def naive():
        cost = Cost()
        async with Session(settings, cost) as s:
            gids = []
            url0 = f"{s.base}/groups?$select={GROUP_SELECT}&$top=999"
            async for page in s.pages(s.request_for_url(url0), Feature.GROUPS, "groups"):
                gids += [g["id"] for g in page["value"] if is_community(g)]
            sem = asyncio.Semaphore(settings.concurrency)

            async def one(gid, rel, sel):
                async with sem:
                    u = f"{s.base}/groups/{gid}/{rel}?$select={sel}&$top=999"
                    async for _ in s.pages(s.request_for_url(u), Feature.GROUPS, rel):
                        pass

            await asyncio.gather(*(one(g, "members", "id,userType") for g in gids),
                                 *(one(g, "owners", "id") for g in gids))
        return cost.figures()

    stats = asyncio.run(naive())
else:
    from govern.discovery import run_discovery
    from govern.store import Store
    from govern_m365 import M365Connector
    out = run_discovery(Store(url), M365Connector(settings), full=(mode == "full"),
                        log=lambda m: print(m, file=sys.stderr))
    stats = dict(out.snapshot.stats)
stats["wall_seconds"] = round(time.monotonic() - started, 1)
usage = resource.getrusage(resource.RUSAGE_SELF)
stats["client_cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across fork and exec into
# ru_maxrss, and the parent here is the sandbox holding the whole organisation.
with open("/proc/self/status") as status:
    hwm = next(line for line in status if line.startswith("VmHWM:"))
stats["peak_mib"] = round(int(hwm.split()[1]) / 1024)
print(json.dumps(stats))
"""


def floor_units(org: object) -> dict[str, int]:
    """Resource units and requests of plain listing, by Graph's published costs."""
    people = [p for p in org.people if p.deleted == -1]  # type: ignore[attr-defined]
    groups = [g for g in org.groups if g.deleted == -1]  # type: ignore[attr-defined]
    units = requests = 0
    pages = math.ceil(len(people) / 999) + math.ceil(len(groups) / 999)
    units += pages  # GET users (2) and GET groups (1) with $select: 1 each
    requests += pages
    for g in groups:
        if not g.is_community:
            continue
        member_pages = max(1, math.ceil(len(g.members) / 999))
        units += member_pages * 2 + 1  # members: 3 - 1 ($select); owners: 1
        requests += member_pages + 1
    return {"floor_resource_units": units, "floor_requests": requests}


def run(mode: str, store: str, settings: dict[str, object], server: Any) -> dict[str, object]:
    """One measured run in a child process, with what the sandbox spent and refused meanwhile."""
    server.log.reset()
    server.state.throttle.reset()
    cmd = [sys.executable, "-c", CHILD, mode, store, json.dumps(settings)]
    cpu = time.process_time()  # this process is the sandbox while the child runs
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    server_cpu = time.process_time() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    units = int(result.get("resource_units", 0))  # type: ignore[call-overload]
    quota = units / 800
    # The directory audit log has a budget of its own, 5 requests per 10 s: a month of a large
    # tenant's log can take longer than the resource units do, and then it is the floor.
    audit_floor = int(result.get("audit_log_requests") or 0) / 0.5  # type: ignore[call-overload]
    wall = float(result["wall_seconds"])  # type: ignore[arg-type]
    cpu = float(result["client_cpu_seconds"])  # type: ignore[arg-type]
    slowest = max(quota, audit_floor)
    result.update(
        server_requests=server.log.total,
        server_cpu_seconds=round(server_cpu, 1),
        server_429=server.state.throttle.refused_count(),
        server_429_reasons=sorted({r for (_, r) in server.state.throttle.refused}),
        quota_seconds=round(quota, 1),
        wall_vs_quota=round(wall / quota, 2) if quota else None,
        client_cpu_vs_quota=round(cpu / quota, 2) if quota else None,
        audit_log_floor_seconds=round(audit_floor, 1),
        wall_vs_slowest_budget=round(wall / slowest, 2) if slowest else None,
    )
    return result


def main() -> None:
    """Generate, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--first-load", default="listing", choices=["listing", "delta"], help="full run's method"
    )
    args = parser.parse_args()

    from govern.sandbox.graph import GraphServer, GraphSettings
    from govern.sandbox.http import Faults
    from govern.sandbox.org import generate
    from govern.sandbox.timeline import advance

    t = time.monotonic()
    org = generate(args.size, args.seed)
    print(f"generated {args.size} in {time.monotonic() - t:.1f} s", file=sys.stderr)
    floor = floor_units(org)
    server = GraphServer(org, GraphSettings(), Faults(latency_seconds=args.latency)).start()
    settings = {
        "tenant_id": org.domain,
        "auth": "static_token",
        "static_token": "sandbox-bench",
        "graph_url": server.url,
        "concurrency": args.concurrency,
        "first_load": args.first_load,
        "origin": {"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]},
    }
    results: dict[str, object] = {
        "size": args.size,
        "latency_s": args.latency,
        "first_load": args.first_load,
        **floor,
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = f"sqlite:///{Path(tmp) / 'inventory.db'}"
        results["full"] = run("full", store, settings, server)
        advance(org, 1)
        # Another token: another app for Graph's throttling (the reports budget is per app).
        settings["static_token"] = "sandbox-bench-incremental"
        results["incremental"] = run("incremental", store, settings, server)
        if not args.skip_naive:
            settings["static_token"] = "sandbox-bench-naive"
            results["naive"] = run("naive", store, settings, server)
    server.stop()
    full, inc = results["full"], results["incremental"]
    assert isinstance(full, dict) and isinstance(inc, dict)
    results["full_ru_vs_floor"] = round(full["resource_units"] / floor["floor_resource_units"], 3)
    results["incremental_ru_share"] = round(
        inc["resource_units"] / max(1, full["resource_units"]), 4
    )
    results["incremental_request_share"] = round(inc["requests"] / max(1, full["requests"]), 4)
    results["audit_log"] = {
        name: {
            "requests": run_stats.get("audit_log_requests"),
            "resource_units": 0,  # identity and access reports: per-request limit, no RUs
            "seconds": run_stats.get("audit_log_seconds"),
            "events": run_stats.get("audit_log_events"),
            "grants_stamped": run_stats.get("audit_log_grants_stamped"),
        }
        for name, run_stats in (("full", full), ("incremental", inc))
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

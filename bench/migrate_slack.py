"""Migrating a Slack workspace of ~100k messages to Teams: requests, seconds, Graph's limits.

    .venv/bin/python bench/migrate_slack.py [--messages 100000] [--import-rps 1000] [--throttle]

The sandbox's free workspace (tiny organisation, seed 21) gets busier channels until its history
holds about ``--messages`` posts and replies; then the real path runs: plan (slack-sdk reads,
msgraph-sdk directory), apply (team and channels in migration mode, every message imported,
completion, members in bulk) against the sandbox over HTTP with throttling off, at
``--import-rps`` per channel. Prints the requests per endpoint and the seconds of each phase, and
what the same import costs under Graph's documented limit (5 imports per second per channel)
with apply's 10 channels at a time, and one channel after another. With ``--throttle`` the
sandbox enforces Graph's limits (5 imports per second per channel, 4 requests per second per
team for the rest) and the figures say how many requests it refused with 429.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from govern_m365.settings import M365Settings
from govern_slack import SlackSettings, export

from govern.migrate.run import RunOptions, apply_migration
from govern.migrate.slack_teams import IMPORT_RPS, Request, plan_slack_to_teams
from govern.sandbox.graph import GraphSettings, Limits
from govern.sandbox.graph.teams_migration import imports as imports_state
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import Servers
from govern.store import Store

BASE_MESSAGES = 3_874
"""Posts and replies of the free workspace at seed 21 (measured)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--import-rps", type=float, default=1000.0)
    parser.add_argument("--throttle", action="store_true")
    args = parser.parse_args()
    org = organisation("tiny", 21)
    limits = (
        Limits()
        if args.throttle
        else Limits(resource_units=None, writes=None, reports=None, team_rps=None)
    )
    with Servers.start(org, ("graph", "slack"), graph_settings=GraphSettings(limits=limits)) as srv:
        data = srv["slack"].server.state.data
        ws = next(w for w in data.workspaces if w.plan == "free")
        factor = args.messages / BASE_MESSAGES
        for i in ws.channels:
            data.channels[i].rate *= factor
        founder = next(u for u in data.users if u.team == ws.idx and u.primary_owner)
        slack = SlackSettings(**srv["slack"].settings)
        m365 = M365Settings(**srv.graph.settings)
        request = Request(
            f"slack:workspace:{ws.id}",
            fallback_author=founder.email,
            owners=(founder.email or "",),
            import_rps=args.import_rps,
        )
        t = time.perf_counter()
        plan = plan_slack_to_teams(request, slack, m365)
        plan_s = time.perf_counter() - t
        plan_counts = srv.counts()
        srv.reset_counts()
        imports = {
            s.params["name"]: s.params["posts"] + s.params["replies"]
            for s in plan.steps
            if s.kind.value == "import_messages"
        }
        total = sum(imports.values())
        print(f"plan: {total} messages in {len(imports)} channels, {plan_s:.1f} s, "
              f"{sum(plan_counts['slack'].values())} Slack requests, "
              f"{sum(plan_counts['graph'].values())} Graph requests", flush=True)  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{Path(tmp) / 'inventory.db'}")
            options = RunOptions(max_changes=10_000, max_age=timedelta(hours=24), actor="bench")
            t = time.perf_counter()
            report = apply_migration(
                store,
                plan,
                lambda p: (m365, export.open_api(slack, ws.id)),
                options,
                source="bench",
                log=lambda m: print(f"{time.perf_counter() - t:7.1f} s  {m}", flush=True),
            )
            apply_s = time.perf_counter() - t
            store.dispose()
        assert report is not None and report.status.value == "applied", report
        counts = srv.counts()
        throttled = imports_state(srv.graph.server.state).throttled
    graph = counts["graph"]
    posted = sum(n for k, n in graph.items() if k.startswith("POST") and "/messages" in k)
    assert posted == total, (posted, total)
    sequential = total / IMPORT_RPS
    sizes = list(imports.values())
    width = RunOptions(0, timedelta(0), "").channels_in_parallel
    parallel = sum(max(sizes[i : i + width]) for i in range(0, len(sizes), width)) / IMPORT_RPS
    figures = {
        "messages": total,
        "channels": len(imports),
        "plan_seconds": round(plan_s, 1),
        "apply_seconds": round(apply_s, 1),
        "imports_per_second_sandbox": round(total / apply_s, 1),
        "graph_requests": sum(graph.values()),
        "graph_message_posts": posted,
        "slack_requests_apply": sum(counts["slack"].values()),
        "import_rps_per_channel": args.import_rps,
        "sandbox_throttling": args.throttle,
        "imports_refused_429": throttled,
        "graph_limit_seconds_as_apply_runs": round(parallel),
        "graph_limit_seconds_one_channel_at_a_time": round(sequential),
        "graph_per_endpoint": graph,
        "slack_per_method_apply": counts["slack"],
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

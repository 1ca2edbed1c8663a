"""Migrating a Confluence personal space used as a team space: pages, requests, seconds.

    .venv/bin/python bench/migrate_confluence.py [--pages 340] [--latency 0] [--cloud]

The sandbox's story space (tiny organisation, seed 7: a personal space thirty people write in)
is given ``--pages`` pages; then the real path runs through atlassian-python-api against the
sandbox's Data Center over HTTP: plan (permissions, every page, every page's versions) and
apply (create the space, copy the pages parents first, grant the roles, leave the pointer);
with ``--cloud`` against the sandbox's Cloud, where the pages are moved with their history.
Prints pages, requests per endpoint and seconds per phase. ``--latency`` adds that many seconds
to every request, to see what a real site's round trip would cost (requests are sequential
within a step, so seconds grow with requests x latency).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from govern_confluence.migration import SpaceMover
from govern_confluence.settings import ConfluenceSettings

from govern.migrate.confluence_space import SpaceRequest, plan_confluence_space
from govern.migrate.run import RunOptions, apply_migration
from govern.sandbox.http import Faults
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import Servers
from govern.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=340)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--cloud", action="store_true")
    args = parser.parse_args()
    org = organisation("tiny", 7)
    space = org.spaces[org.stories["personal-space-team-wiki"].index]
    space.edits = space.edits * args.pages // max(space.pages, 1)
    space.pages = args.pages
    faults = Faults(latency_seconds=args.latency) if args.latency else None
    kind = "confluence-cloud" if args.cloud else "confluence"
    with Servers.start(org, (kind,), faults=faults) as srv:
        settings = ConfluenceSettings(**srv[kind].settings)
        log = srv[kind].log
        request = SpaceRequest(f"confluence:space:{space.key}", space.key, "BENCHTEAM")
        t0 = time.perf_counter()
        plan = plan_confluence_space(request, settings)
        plan_s = time.perf_counter() - t0
        plan_requests = sum(log.counts.values())
        assert not plan.review.blocking, plan.review.checks
        mover = SpaceMover(settings)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{Path(tmp) / 'inventory.db'}")
            t1 = time.perf_counter()
            report = apply_migration(
                store,
                plan,
                lambda p: (None, mover),
                RunOptions(max_changes=10_000, max_age=timedelta(hours=1), actor="bench"),
                source="bench",
            )
            apply_s = time.perf_counter() - t1
            store.dispose()
        assert report is not None and report.status.value == "applied"
        copied = len(mover.pages("BENCHTEAM")) - 1  # copied, or moved on Cloud
        total = sum(log.counts.values())
        print(
            json.dumps(
                {
                    "deployment": settings.deployment.value,
                    "pages": args.pages,
                    "copied": copied,
                    "versions_read": space.edits,
                    "latency_s": args.latency,
                    "plan_s": round(plan_s, 2),
                    "plan_requests": plan_requests,
                    "apply_s": round(apply_s, 2),
                    "apply_requests": total - plan_requests,
                    "pages_per_s": round(copied / apply_s, 1),
                    "by_endpoint": dict(log.counts.most_common(10)),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()

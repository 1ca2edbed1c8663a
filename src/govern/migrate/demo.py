"""The demo's last act: plan (not apply) moving the Slack free workspace story into Teams."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from govern.sandbox.org import Organisation


def plan_story_migration(
    org: Organisation, out_dir: Path, say: Callable[[str], None]
) -> dict[str, Path]:
    """Serve Slack and Graph over ``org``, plan the free workspace's migration, write it."""
    from govern_m365.settings import M365Settings
    from govern_slack import SlackSettings

    from govern.migrate import planfile, render
    from govern.migrate.slack_teams import Request, plan_slack_to_teams
    from govern.sandbox.servers import Servers

    with Servers.start(org, ("graph", "slack")) as servers:
        data: Any = servers["slack"].server.state.data
        ws = next(w for w in data.workspaces if w.plan == "free")
        founder = next(u for u in data.users if u.team == ws.idx and u.primary_owner)
        community = f"slack:workspace:{ws.id}"
        path = f"slack/{ws.domain}/workspace/{ws.domain}"
        say(f"Planning the migration of Slack '{ws.name}' to Teams (not applied)")
        # The founder imports the messages of people without a work account, and co-owns.
        request = Request(community, fallback_author=founder.email, owners=(founder.email or "",))
        plan = plan_slack_to_teams(
            request,
            SlackSettings(**servers["slack"].settings),
            M365Settings(**servers.graph.settings),
            source_path=path,
        )
    plan_path = out_dir / "migration.json"
    planfile.write(plan, plan_path)
    text_path = out_dir / "migration.txt"
    text_path.write_text(render.review(plan), encoding="utf-8")
    say(
        f"  {len(plan.steps)} steps; review {text_path.name}, apply with `govern apply {plan_path}`"
    )
    return {"migration": plan_path, "migration review": text_path}

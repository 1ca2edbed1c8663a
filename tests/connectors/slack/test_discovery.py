"""Discovery of the sandbox's Slack through slack-sdk over real HTTP, into the store."""

from __future__ import annotations

from govern_slack import SlackConnector

from govern.discovery import run_discovery
from govern.model import Origin, PrincipalKind, Role, SnapshotMode
from govern.sandbox.org import Organisation
from govern.sandbox.slack.data import EPOCH_UNIX
from govern.sandbox.slack.server import SlackServer
from govern.sandbox.timeline import advance
from govern.store import Store, queries

from .conftest import settings


def _grants(store: Store) -> set[tuple[str, str, str]]:
    return {
        (g.community_id, g.principal_id, g.role.value)
        for g in queries.grants(store, connector="slack")
    }


def test_full_discovery_maps_workspaces_channels_and_people(
    org: Organisation, server: SlackServer, store: Store
) -> None:
    out = run_discovery(store, SlackConnector(settings(server)), full=True, log=lambda m: None)
    snap = out.snapshot
    assert snap.complete and snap.incomplete == []
    assert snap.observed_at is not None
    assert snap.observed_at.timestamp() == EPOCH_UNIX + org.now  # Slack's (simulated) clock
    assert snap.stats["requests"] == server.log.total and snap.stats["retries"] == 0
    communities = {c.path: c for c in queries.communities(store, connector="slack")}
    free = communities["slack/productmakers/workspace/productmakers"]
    assert free.origin is Origin.EXTERNAL_NETWORK and free.attributes["plan"] == "standalone"
    assert communities["slack/contoso/workspace/contoso"].origin is Origin.IT_PROVISIONED
    assert communities["slack/contoso/channel/general"].origin is Origin.IT_PROVISIONED
    assert communities["slack/productmakers/channel/design-crit"].origin is Origin.EXTERNAL_NETWORK
    mirror = communities["slack/contoso/channel/ai-builders"]
    assert mirror.origin is Origin.SELF_SERVICE and mirror.last_activity_at is not None
    principals = {p.id: p for p in queries.principals(store, connector="slack")}
    assert all(p.email == p.email.lower() for p in principals.values() if p.email)
    guests = [p for p in principals.values() if p.kind is PrincipalKind.GUEST]
    assert {p.attributes["guest"] for p in guests} >= {"single-channel", "multi-channel"}
    grants = list(queries.grants(store, connector="slack"))
    assert any(g.role is Role.GUEST for g in grants)
    joined = [g for g in grants if g.community_id == free.id and g.since is not None]
    assert len(joined) >= free.attributes["members"] - 1  # every join of the story is dated
    assert sum(1 for g in joined if g.added_by) > len(joined) / 2  # mostly invited by peers
    activity = queries.activity(store, mirror.id)
    assert {a.period for _, a in activity} == {"D30", "D90"}


def test_share_of_free_workspace_members_matched_to_m365_by_email(
    org: Organisation, server: SlackServer, store: Store
) -> None:
    run_discovery(store, SlackConnector(settings(server)), full=True, log=lambda m: None)
    directory = {p.mail.lower(): p for p in org.people}
    ws = next(
        c for c in queries.communities(store, connector="slack") if c.name == "Product Makers"
    )
    members = {
        g.principal_id for g in queries.grants(store, connector="slack") if g.community_id == ws.id
    }
    emails = {p.id: p.email for p in queries.principals(store, connector="slack")}
    matched = [directory[emails[m]] for m in members if emails.get(m) in directory]
    assert 0.8 < len(matched) / len(members) < 1.0
    assert len({p.department for p in matched}) >= 8  # spread across departments


def test_incremental_run_costs_less_and_follows_what_changed(
    org: Organisation, server: SlackServer, store: Store
) -> None:
    connector = SlackConnector(settings(server))
    full = run_discovery(store, connector, full=True, log=lambda m: None).snapshot
    advance(org, 14)  # the free workspace keeps spreading; people leave and join the company
    inc = run_discovery(store, connector, log=lambda m: None).snapshot
    assert inc.mode is SnapshotMode.INCREMENTAL
    assert inc.stats["requests"] < full.stats["requests"]
    incremental = _grants(store)
    again = run_discovery(store, connector, full=True, log=lambda m: None).snapshot
    assert again.mode is SnapshotMode.FULL
    assert incremental == _grants(store)  # incremental reached the same inventory as a full run

"""Changes applied in Slack, proven by discovering again."""

from __future__ import annotations

from govern_slack import SlackConnector

from govern.discovery import run_discovery
from govern.model import Change, ChangeAction, Role, Visibility
from govern.sandbox.slack.server import SlackServer
from govern.store import Store, queries

from .conftest import settings


def _change(
    action: ChangeAction, community: str, principal: str | None = None, **kw: object
) -> Change:
    return Change(
        id=f"{action}-{community}-{principal}",
        action=action,
        community_id=community,
        principal_id=principal,
        rule_id="TEST",
        reason="test",
        **kw,
    )  # type: ignore[arg-type]


def _discover(store: Store, connector: SlackConnector) -> None:
    run_discovery(store, connector, full=True, log=lambda m: None)


def test_invite_kick_archive_convert_are_idempotent_and_rediscovered(
    server: SlackServer, store: Store
) -> None:
    connector = SlackConnector(settings(server))
    _discover(store, connector)
    channels = {c.path: c for c in queries.communities(store, connector="slack")}
    target = channels["slack/contoso/channel/random"]
    members = {
        g.principal_id
        for g in queries.grants(store, connector="slack")
        if g.community_id == target.id
    }
    ws = channels["slack/contoso/workspace/contoso"]
    outsider = next(
        g.principal_id
        for g in queries.grants(store, connector="slack")
        if g.community_id == ws.id and g.role is Role.MEMBER and g.principal_id not in members
    )
    invite = _change(ChangeAction.ADD_GRANT, target.id, outsider, role=Role.MEMBER)
    first = connector.apply(invite)
    assert first.ok and first.before is not None and first.after is not None
    assert first.after["num_members"] == first.before["num_members"] + 1
    again = connector.apply(invite)
    assert again.ok and "already_in_channel" in again.message
    _discover(store, connector)
    assert (target.id, outsider, "member") in {
        (g.community_id, g.principal_id, g.role.value)
        for g in queries.grants(store, connector="slack")
    }
    kick = _change(ChangeAction.REMOVE_GRANT, target.id, outsider, role=Role.MEMBER)
    assert connector.apply(kick).ok and connector.apply(kick).ok
    assert connector.apply(_change(ChangeAction.ARCHIVE, target.id)).ok
    assert connector.apply(_change(ChangeAction.ARCHIVE, target.id)).ok
    convert = _change(
        ChangeAction.SET_VISIBILITY,
        channels["slack/contoso/channel/ai-builders"].id,
        value="private",
    )
    assert connector.apply(convert).ok and "already private" in connector.apply(convert).message
    _discover(store, connector)
    after = {c.path: c for c in queries.communities(store, connector="slack")}
    assert after["slack/contoso/channel/random"].archived
    assert after["slack/contoso/channel/ai-builders"].visibility is Visibility.PRIVATE
    assert outsider not in {
        g.principal_id
        for g in queries.grants(store, connector="slack")
        if g.community_id == target.id
    }


def test_refusals_name_slacks_error_and_what_to_do(server: SlackServer, store: Store) -> None:
    connector = SlackConnector(settings(server))
    _discover(store, connector)
    channels = {c.path: c for c in queries.communities(store, connector="slack")}
    general = channels["slack/contoso/channel/general"]
    someone = next(
        g.principal_id
        for g in queries.grants(store, connector="slack")
        if g.community_id == general.id
    )
    kick = connector.apply(
        _change(ChangeAction.REMOVE_GRANT, general.id, someone, role=Role.MEMBER)
    )
    assert not kick.ok and "cant_kick_from_general" in kick.message and "deactivate" in kick.message
    free = channels["slack/productmakers/channel/design-crit"]
    only_free = SlackConnector(settings(server, token="xoxb-free", free=None))
    convert = only_free.apply(_change(ChangeAction.SET_VISIBILITY, free.id, value="private"))
    assert not convert.ok and "admin.conversations:write" in convert.message
    gone = connector.apply(_change(ChangeAction.ARCHIVE, "slack:channel:CNOSUCHCHAN"))
    assert not gone.ok and "channel_not_found" in gone.message

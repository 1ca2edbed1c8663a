"""Teams' documented import path for third-party messages, with its rules enforced.

From "Import third-party platform messages to Teams using Microsoft Graph" (msteams-docs,
graph-api/import-messages) and the v1.0 API pages it links (team-post, channel-post,
team-completemigration, channel-completemigration, conversationmembers-add):

* ``POST /teams`` with ``@microsoft.graph.teamCreationMode: migration`` and a back-in-time
  ``createdDateTime`` answers 202 with ``Location`` (the operation) and ``Content-Location``
  (the team). 400 when ``createdDateTime`` is in the future, or given without the migration
  creation mode. The team's General channel is created in migration mode with it.
* ``POST /teams/{id}/channels`` with ``@microsoft.graph.channelCreationMode: migration``
  answers 201 with the channel (Example 3 of channel-post). Same 400s. Only standard channels:
  private channels are out of the import's scope. Two channels cannot share a name.
* ``POST .../messages`` and ``POST .../messages/{id}/replies`` import a message while the
  channel is in migration mode: ``from`` must name a user of the tenant; ``createdDateTime``
  must be later than the channel's, not in the future, and unique to the millisecond in the
  channel (else 409 Conflict). Imports are limited to 5 requests per second per channel.
* ``completeMigration`` on a channel, then on the team: 204; 400 when not in migration mode.
  After it, no message can be imported; before it, no member can be added (``members/add``
  and ``POST /groups/{id}/members/$ref`` both refuse).
* ``POST /teams/{id}/members/add`` adds members in bulk: 200, or 207 when some failed, with
  one ``aadUserConversationMemberResult`` per member.
* ``GET`` the channels, messages (``$top`` up to 50, ``$expand=replies``) and replies, so an
  importer can see what it already imported.

The sandbox creates teams in migration mode only (creating a team with members, the other
documented path, is not served). Imported teams live beside the organisation for the server's
lifetime; their group, owners and members are the organisation's, so discovery sees them.

This module lists the endpoints; ``migration_state`` holds the imported teams,
``migration_channels``, ``migration_messages`` and ``migration_members`` serve them.
"""

from __future__ import annotations

from govern.sandbox.graph.core import Endpoint
from govern.sandbox.graph.migration_channels import (
    complete_channel,
    complete_team,
    create_channel,
    create_team,
    list_channels,
)
from govern.sandbox.graph.migration_members import add_members
from govern.sandbox.graph.migration_messages import (
    import_message,
    import_reply,
    list_messages,
    list_replies,
)
from govern.sandbox.graph.migration_state import (
    imports,
    in_migration,
    refuse_members_while_migrating,
)

__all__ = ["ENDPOINTS", "imports", "in_migration", "refuse_members_while_migrating"]

MIGRATE = ("Teamwork.Migrate.All",)
CHANNEL_CREATE = ("Channel.Create", "Teamwork.Migrate.All", "Group.ReadWrite.All")
CHANNEL_READ = ("ChannelSettings.Read.All", "Channel.ReadBasic.All", "Group.Read.All")
MESSAGES_READ = ("ChannelMessage.Read.All", "Group.Read.All")
TEAM_MEMBERS = ("TeamMember.ReadWrite.All",)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/teams", create_team, MIGRATE, service="other"),
    Endpoint("GET", "/teams/{tid}/channels", list_channels, CHANNEL_READ, service="teams"),
    Endpoint("POST", "/teams/{tid}/channels", create_channel, CHANNEL_CREATE, service="teams"),
    Endpoint(
        "POST",
        "/teams/{tid}/channels/{cid}/completeMigration",
        complete_channel,
        MIGRATE,
        service="teams",
    ),
    Endpoint("POST", "/teams/{tid}/completeMigration", complete_team, MIGRATE, service="teams"),
    Endpoint(
        "POST", "/teams/{tid}/channels/{cid}/messages", import_message, MIGRATE, service="other"
    ),
    Endpoint(
        "POST",
        "/teams/{tid}/channels/{cid}/messages/{mid}/replies",
        import_reply,
        MIGRATE,
        service="other",
    ),
    Endpoint(
        "GET", "/teams/{tid}/channels/{cid}/messages", list_messages, MESSAGES_READ, service="teams"
    ),
    Endpoint(
        "GET",
        "/teams/{tid}/channels/{cid}/messages/{mid}/replies",
        list_replies,
        MESSAGES_READ,
        service="teams",
    ),
    Endpoint("POST", "/teams/{tid}/members/add", add_members, TEAM_MEMBERS, service="teams"),
)

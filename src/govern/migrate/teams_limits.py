"""Teams' documented limits and Graph's import rate, which a Slack-to-Teams plan checks."""

from __future__ import annotations

TEAMS_CHANNEL_LIMIT = 1000
"""Channels per team, deleted ones included (Teams limits and specifications)."""
TEAMS_MEMBER_LIMIT = 25_000
TEAMS_OWNER_LIMIT = 100
TEAMS_PER_USER_LIMIT = 1000
"""Teams a user can be a member of."""
IMPORT_RPS = 5.0
"""Graph's import throttling: 5 requests per second per channel."""

"""The Slack connector: Enterprise Grid and standalone workspaces, channels, people, activity.

Registered as the ``slack`` entry point of ``govern.connectors``. It talks to Slack only through
slack-sdk's WebClient (imported inside methods, so ``govern --help`` stays fast).
"""

from govern_slack.connector import SlackConnector
from govern_slack.settings import SlackSettings

__all__ = ["SlackConnector", "SlackSettings"]

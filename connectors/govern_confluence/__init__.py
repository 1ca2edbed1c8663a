"""The Confluence connector: spaces, permissions, groups and activity, on Data Center and Cloud.

Registered as the ``confluence`` entry point of ``govern.connectors``. It talks to Confluence
only through atlassian-python-api (imported inside methods, so ``govern --help`` stays fast).
"""

from govern_confluence.connector import ConfluenceConnector
from govern_confluence.settings import ConfluenceSettings, Deployment

__all__ = ["ConfluenceConnector", "ConfluenceSettings", "Deployment"]

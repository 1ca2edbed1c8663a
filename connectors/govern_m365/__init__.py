"""govern's Microsoft 365 connector: a plugin in the ``govern.connectors`` entry-point group.

Only the connector class is imported here; msgraph-sdk and azure-identity are imported inside
the methods that use them, so ``govern --help`` stays fast.
"""

from govern_m365.connector import M365Connector

__all__ = ["M365Connector"]

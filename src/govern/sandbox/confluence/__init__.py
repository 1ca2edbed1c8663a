"""The sandbox's Confluence server: Data Center (REST v1, JSON-RPC) and Cloud (v2 plus v1).

``create_app(org, flavour)`` builds the Starlette app for one flavour; ``start(org, flavour)``
serves it on 127.0.0.1 with request counting and fault injection (``govern.sandbox.http``).
The Data Center flavour answers at the site root (``/rest/api``, ``/rpc/json-rpc``); the Cloud
flavour under ``/wiki`` (``/wiki/api/v2``, ``/wiki/rest/api``).
"""

from govern.sandbox.confluence.app import ConfluenceSandbox, create_app, start
from govern.sandbox.confluence.auth import Account, Credentials
from govern.sandbox.confluence.site import Flavour, Site

__all__ = [
    "Account",
    "ConfluenceSandbox",
    "Credentials",
    "Flavour",
    "Site",
    "create_app",
    "start",
]

"""Credentials travel over TLS: a plain ``http://`` URL is accepted for this machine only.

Confluence tokens, Slack tokens and webhook URLs (which are credentials: anyone holding one can
post) would cross the network readable by anyone on the path. The Graph SDK refuses bearer
tokens to ``http://`` hosts other than localhost; the other connectors and the webhook follow
the same rule, checked when settings are loaded (so nothing is sent) and again before a post.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_local_host(host: str | None) -> bool:
    """Whether ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    # Only exact names: "x.localhost" may well be resolved through DNS to anywhere.
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(url: str, setting: str) -> str | None:
    """Why ``url`` must not carry credentials, or None; never quotes the URL (it may be secret).

    ``https://`` anywhere and ``http://`` to this machine (a local site, the sandbox) are fine;
    ``http://`` elsewhere and any other scheme are not.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return f"{setting} is not a valid URL; give an https:// URL"
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return None
    if scheme == "http" and host:
        if is_local_host(host):
            return None
        return (
            f"{setting} uses http:// to {host}, which would send credentials unencrypted; "
            f"use https:// (http:// is accepted for localhost only)"
        )
    return f"{setting} must be an https:// URL"

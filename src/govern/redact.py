"""Masking the secrets a URL may carry before anything shows it.

A store URL or a Confluence URL copied from a browser may hold ``user:password@``; people still
need to see where it points, so only the password is hidden. The one place that does it, so
``govern config show`` and the store's error messages cannot disagree about what is secret.
"""

from __future__ import annotations

MASK = "**********"


def store_url_shown(url: str, *, unparsable: str = MASK) -> str:
    """A database URL with its password hidden; ``unparsable`` where it cannot be read."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported when the store opens; never echo it
        return unparsable


def userinfo_hidden(text: str) -> str:
    """A URL with its password masked (``https://bob:***@wiki``); other text as it is."""
    if "://" not in text or "@" not in text:
        return text
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    except ValueError:
        return MASK  # unparsable: do not risk echoing a secret
